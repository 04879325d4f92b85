"""``swengine worker``: run a worker against a Temporal cluster until interrupted.

It connects to ``TEMPORAL_ADDRESS`` (default ``127.0.0.1:7233``, where ``swengine serve`` runs its embedded
Temporal) and never starts a server of its own: a worker is useless on a private, throwaway server.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from swengine.commands.telemetry import add_metrics_argument, start_telemetry
from swengine.core.settings import DEFAULT_TEMPORAL_ADDRESS, Settings
from swengine.runtime.connection import connect
from swengine.runtime.worker import build_worker


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--task-queue", help="task queue to poll (default: SWENGINE_TASK_QUEUE or 'swengine')"
    )
    parser.add_argument(
        "--activities",
        action="append",
        default=[],
        metavar="MODULE",
        help="importable module with activities for custom functions (adds to SWENGINE_ACTIVITIES)",
    )
    add_metrics_argument(parser)


async def serve_worker(args: argparse.Namespace) -> None:
    settings = Settings.from_env().with_overrides(metrics_address=args.metrics_address)
    task_queue = args.task_queue or settings.task_queue
    address = settings.temporal_address or DEFAULT_TEMPORAL_ADDRESS
    start_telemetry(settings)
    client = await connect(settings)
    modules = [*settings.activities, *args.activities]
    worker = build_worker(client, task_queue=task_queue, activity_modules=modules)
    print(f"worker polling task queue {task_queue!r} on {address}", file=sys.stderr)
    await worker.run()


def main(args: argparse.Namespace) -> int:
    try:
        asyncio.run(serve_worker(args))
    except KeyboardInterrupt:
        pass
    return 0
