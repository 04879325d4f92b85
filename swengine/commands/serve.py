"""``swengine serve``: the all-in-one server. An embedded Temporal dev server (unless ``TEMPORAL_ADDRESS`` or
``--no-embedded``), a worker whose produced events route to other workflows, the REST API, and every
workflow under ``specs/`` deployed. Ctrl-C (SIGINT) or SIGTERM stops everything it started, in order.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from contextlib import AsyncExitStack
from pathlib import Path

from temporalio.client import Client

from swengine.api.app import create_app
from swengine.api.server import bind, cancel_on_signals, port_is_free, serve_api
from swengine.commands.inputs import UsageError, add_dialect_argument
from swengine.commands.telemetry import add_metrics_argument, start_telemetry
from swengine.core.settings import DEFAULT_TEMPORAL_ADDRESS, Settings
from swengine.runtime.connection import connect
from swengine.runtime.deployment import deploy_files, workflow_files
from swengine.runtime.devserver import start_dev_server, stop_orphan
from swengine.runtime.engine import open_engine
from swengine.runtime.router import router_sink
from swengine.runtime.worker import build_worker

UI_PORT_OFFSET = 1000
"""Temporal's Web UI listens on the embedded server's port plus this (8233 beside 7233, as the CLI does)."""


def say(line: str) -> None:
    print(line, file=sys.stderr)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--specs",
        type=Path,
        metavar="DIR",
        help="deploy every workflow under DIR at start (default: ./specs, when it exists)",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        metavar="DIR",
        help="embedded Temporal database and definition store (default: SWENGINE_DATA_DIR or ./.swengine)",
    )
    parser.add_argument("--host", help="API address (default: SWENGINE_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="API port (default: SWENGINE_PORT or 8080)")
    parser.add_argument(
        "--temporal-port", type=int, help="embedded Temporal port (default: SWENGINE_TEMPORAL_PORT or 7233)"
    )
    parser.add_argument(
        "--no-embedded",
        action="store_true",
        help=f"never start a local Temporal: use TEMPORAL_ADDRESS (default {DEFAULT_TEMPORAL_ADDRESS})",
    )
    add_dialect_argument(parser, default=None)
    parser.add_argument("--activities", action="append", default=[], metavar="MODULE",
                        help="importable module with activities for custom functions (adds to SWENGINE_ACTIVITIES)")  # fmt: skip
    add_metrics_argument(parser)
    parser.add_argument(
        "--no-ui",
        action="store_true",
        help="do not serve the embedded Temporal's Web UI (on temporal port + 1000)",
    )


def settings_from(args: argparse.Namespace) -> Settings:
    settings = Settings.from_env().with_overrides(
        data_dir=args.data_dir,
        host=args.host,
        port=args.port,
        temporal_port=args.temporal_port,
        dialect=args.dialect,
        metrics_address=args.metrics_address,
    )
    return settings.with_overrides(activities=(*settings.activities, *args.activities))


def specs_directory(args: argparse.Namespace) -> Path | None:
    if args.specs is not None:
        if not args.specs.is_dir():
            raise UsageError(f"--specs {args.specs}: not a directory")
        return args.specs
    default = Path("specs")
    return default if default.is_dir() else None


async def wait_for_port(port: int, seconds: float = 10.0) -> None:
    """The kernel frees a killed server's port a moment after the process is gone."""
    for _ in range(int(seconds / 0.1)):
        if port_is_free("127.0.0.1", port):
            return
        await asyncio.sleep(0.1)


async def open_temporal(
    settings: Settings, *, embedded: bool, stack: AsyncExitStack, ui: bool = True
) -> tuple[Client, str]:
    """A client, and where it points; the embedded dev server is shut down when ``stack`` closes."""
    if settings.temporal_address or not embedded:
        return await connect(settings), settings.temporal_address or DEFAULT_TEMPORAL_ADDRESS
    if stop_orphan(settings.temporal_database):  # left behind by a previous serve that was killed
        await wait_for_port(settings.temporal_port)
    if not port_is_free("127.0.0.1", settings.temporal_port):
        raise UsageError(
            f"port {settings.temporal_port} (embedded Temporal) is taken: is another swengine serve or dev server"
            " running? Choose another with --temporal-port or SWENGINE_TEMPORAL_PORT"
        )
    ui_port = settings.temporal_port + UI_PORT_OFFSET if ui else None
    if ui_port is not None and not port_is_free("127.0.0.1", ui_port):
        raise UsageError(f"port {ui_port} (Temporal's Web UI) is taken: free it, or start with --no-ui")
    env = await start_dev_server(
        database=settings.temporal_database,
        port=settings.temporal_port,
        namespace=settings.temporal_namespace,
        ui_port=ui_port,
    )
    stack.push_async_callback(env.shutdown)
    client = env.client
    if settings.tracing:  # the dev server's own client has no interceptors: connect one that traces
        client = await connect(
            settings.with_overrides(temporal_address=f"127.0.0.1:{settings.temporal_port}")
        )
    where = f"embedded 127.0.0.1:{settings.temporal_port} ({settings.temporal_database})"
    if ui_port is not None:
        where += f", its Web UI at http://127.0.0.1:{ui_port}"
    return client, where


async def serve(args: argparse.Namespace) -> None:
    settings = settings_from(args)
    specs = specs_directory(args)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    sock = bind(settings.host, settings.port)  # a taken port fails now, before Temporal starts
    cancel_on_signals()
    start_telemetry(settings)
    async with AsyncExitStack() as stack:
        stack.callback(sock.close)
        client, temporal = await open_temporal(
            settings, embedded=not args.no_embedded, stack=stack, ui=not getattr(args, "no_ui", False)
        )
        # the worker below shares this client and task queue: starts are eager
        engine = await stack.enter_async_context(open_engine(settings, client, eager_start=True))
        service, store, router = engine.service, engine.store, engine.router
        try:
            worker = build_worker(
                client,
                task_queue=settings.task_queue,
                activity_modules=settings.activities,
                sinks=[router_sink(router)],
            )
        except ImportError as err:
            raise UsageError(f"cannot load the activities: {err}") from None
        worker_run = asyncio.ensure_future(worker.run())
        try:
            if specs is not None:
                files = workflow_files(specs)
                deployed = await deploy_files(service, store, files, report=say, dialect=settings.dialect)
                say(f"deployed {len(deployed)} definition(s) from {specs}")
            app = create_app(settings, service, store, router)
            say(
                f"swengine serving http://{settings.host}:{settings.port} (console at /ui, docs at /docs);"
                f" Temporal {temporal};"
                f" data in {settings.data_dir}"
            )
            await serve_api(app, sock, watch=[worker_run], access_log=bool(getattr(args, "verbose", False)))
        finally:
            if not worker_run.done():
                await worker.shutdown()
            await worker_run
        say("swengine stopped")


def main(args: argparse.Namespace) -> int:
    try:
        asyncio.run(serve(args))
    except asyncio.CancelledError:
        say("swengine stopped while starting")
        return 130
    return 0
