"""``swengine worker``: run a worker against any Temporal (``TEMPORAL_ADDRESS``) until interrupted."""

from __future__ import annotations

import argparse
import asyncio
import sys

from swengine.connection import temporal_client
from swengine.worker import DEFAULT_TASK_QUEUE, build_worker


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--task-queue", default=DEFAULT_TASK_QUEUE)
    parser.add_argument("--activities", action="append", default=[], metavar="MODULE",
                        help="importable Python module with activities for custom functions")


async def serve_worker(args: argparse.Namespace) -> None:
    async with temporal_client() as client:
        worker = build_worker(client, task_queue=args.task_queue, activity_modules=args.activities)
        print(f"worker polling task queue {args.task_queue!r}", file=sys.stderr)
        await worker.run()


def main(args: argparse.Namespace) -> int:
    try:
        asyncio.run(serve_worker(args))
    except KeyboardInterrupt:
        pass
    return 0
