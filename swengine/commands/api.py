"""``swengine api``: the REST API alone, against ``TEMPORAL_ADDRESS``; workers run elsewhere
(``swengine worker``). Produced events reach it when the workers' ``K_SINK`` points at its ``/events``."""

from __future__ import annotations

import argparse
import asyncio
import sys
from contextlib import AsyncExitStack

from swengine.api.app import create_app
from swengine.api.server import bind, cancel_on_signals, serve_api
from swengine.core.settings import DEFAULT_TEMPORAL_ADDRESS, Settings
from swengine.runtime.engine import open_engine
from swengine.runtime.logs import install_runtime


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="listen address (default: SWENGINE_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="listen port (default: SWENGINE_PORT or 8080)")


async def serve(args: argparse.Namespace) -> None:
    settings = Settings.from_env().with_overrides(host=args.host, port=args.port)
    sock = bind(settings.host, settings.port)
    cancel_on_signals()
    install_runtime()
    async with AsyncExitStack() as stack:
        stack.callback(sock.close)
        engine = await stack.enter_async_context(open_engine(settings))
        app = create_app(settings, engine.service, engine.store, engine.router)
        print(f"swengine API on http://{settings.host}:{settings.port} (docs at /docs); Temporal"
              f" {settings.temporal_address or DEFAULT_TEMPORAL_ADDRESS}", file=sys.stderr)  # fmt: skip
        await serve_api(app, sock, access_log=bool(getattr(args, "verbose", False)))
    print("swengine API stopped", file=sys.stderr)


def main(args: argparse.Namespace) -> int:
    try:
        asyncio.run(serve(args))
    except asyncio.CancelledError:
        return 130
    return 0
