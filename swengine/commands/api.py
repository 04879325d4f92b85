"""``swengine api``: the REST API alone, against ``TEMPORAL_ADDRESS``; workers run elsewhere
(``swengine worker``). Produced events reach it when the workers' ``K_SINK`` points at its ``/events``."""

from __future__ import annotations

import argparse
import asyncio
import sys
from contextlib import AsyncExitStack

from swengine.api.app import connect, create_app
from swengine.api.server import bind, cancel_on_signals, serve_api
from swengine.runtime.router import EventRouter
from swengine.runtime.service import Service
from swengine.runtime.settings import Settings
from swengine.runtime.store import open_store


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="listen address (default: SWENGINE_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="listen port (default: SWENGINE_PORT or 8080)")


async def serve(args: argparse.Namespace) -> None:
    settings = Settings.from_env().with_overrides(host=args.host, port=args.port)
    sock = bind(settings.host, settings.port)
    cancel_on_signals()
    async with AsyncExitStack() as stack:
        stack.callback(sock.close)
        store = open_store(settings.store_location)
        stack.callback(store.close)
        service = Service(await connect(settings), task_queue=settings.task_queue, lookup=store.lookup)
        app = create_app(settings, service, store, EventRouter(service, store.latest))
        print(f"swengine API on http://{settings.host}:{settings.port} (docs at /docs); Temporal"
              f" {settings.temporal_address or 'localhost:7233'}", file=sys.stderr)  # fmt: skip
        await serve_api(app, sock, access_log=bool(getattr(args, "verbose", False)))
    print("swengine API stopped", file=sys.stderr)


def main(args: argparse.Namespace) -> int:
    try:
        asyncio.run(serve(args))
    except asyncio.CancelledError:
        return 130
    return 0
