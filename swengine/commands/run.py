"""``swengine run``: one instance to completion, with a worker in this process, output as JSON on stdout."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import uuid
from contextlib import AsyncExitStack
from datetime import timedelta
from pathlib import Path
from typing import Any

from swengine.commands.bounded_loop import run_bounded
from swengine.commands.inputs import add_dialect_argument, json_or_file, name_and_value
from swengine.commands.waiting import await_result
from swengine.compiler.pipeline import compile_path, directory_lookup
from swengine.core.durations import parse_duration
from swengine.core.settings import Settings
from swengine.core.task_errors import is_task_error
from swengine.runtime.cloudevents import parse_event
from swengine.runtime.connection import temporal_client
from swengine.runtime.logs import install_runtime
from swengine.runtime.mocks import MockBook, MockSpec, mock_activities, mock_tasks
from swengine.runtime.service import InstanceFailed, Service
from swengine.runtime.worker import build_worker

WORKFLOW_SUFFIXES = (".yaml", ".yml", ".json")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="workflow definition (YAML or JSON)")
    parser.add_argument("--input", help="workflow input: JSON text or a file")
    parser.add_argument(
        "--mock",
        action="append",
        default=[],
        metavar="FUNCTION=JSON_OR_FILE",
        help="answer calls to FUNCTION instead of running it: a value, or {returns: v}, {sequence: [...]} or"
        " {error: {type, message}} as in *.test.yaml",
    )
    parser.add_argument(
        "--activities",
        action="append",
        default=[],
        metavar="MODULE",
        help="importable Python module with activities for custom functions",
    )
    parser.add_argument(
        "--subflow",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help="a workflow that subFlowRef may call (files beside FILE are searched too)",
    )
    parser.add_argument(
        "--event",
        action="append",
        default=[],
        metavar="JSON_OR_FILE",
        help="CloudEvent to send to the instance, in order",
    )
    add_dialect_argument(parser)
    parser.add_argument(
        "--timeout",
        type=_duration,
        metavar="DURATION",
        help="ISO 8601 duration (PT30S); an instance still running then is terminated, exit 1 with its state",
    )


def _duration(text: str) -> timedelta:
    try:
        return parse_duration(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _candidates(args: argparse.Namespace) -> list[Path]:
    beside = sorted(p for p in args.file.parent.iterdir() if p.suffix in WORKFLOW_SUFFIXES and p != args.file)
    return [*args.subflow, *beside]


def _prepare(args: argparse.Namespace) -> tuple[Any, Any, list[dict[str, Any]], MockBook]:
    ir = compile_path(args.file, dialect=args.dialect)
    data = json_or_file(args.input) if args.input else {}
    events = [parse_event(json_or_file(e)) for e in args.event]
    book = MockBook({name: MockSpec.parse(value) for name, value in map(name_and_value, args.mock)})
    ir = mock_tasks(ir, set(book.specs))
    return ir, data, events, book


async def run_instance(args: argparse.Namespace) -> Any:
    task_queue = f"swengine-run-{uuid.uuid4()}"
    install_runtime()
    settings = Settings.from_env()
    async with AsyncExitStack() as stack:
        # The embedded Temporal boots while the document compiles (a third of a cold start otherwise);
        # it is stopped on the way out even when the document turns out to be invalid.
        connecting = asyncio.ensure_future(stack.enter_async_context(temporal_client(settings)))
        try:
            ir, data, events, book = await asyncio.to_thread(_prepare, args)
        finally:
            client = await connecting
        if args.verbose:
            _say(f"temporal at {client.service_client.config.target_host}")
        lookup = directory_lookup(_candidates(args), dialect=args.dialect)
        service = Service(client, task_queue=task_queue, lookup=lookup, eager_start=True,
                          lifecycle_events=settings.lifecycle_events)  # fmt: skip
        request = service.request_for(ir, data)
        mocks = mock_activities(book, [ir, *request.subflows.values()])
        async with build_worker(
            client, task_queue=task_queue, activity_modules=args.activities, extra_activities=mocks
        ):
            started = await service.start(ir, data)
            print(f"started {started.instance_id}", file=sys.stderr)
            for event in events:
                await service.send_event(started.instance_id, event)
            return await await_result(
                service, started.instance_id, _say, timeout=args.timeout, run_id=started.run_id
            )


def _say(line: str) -> None:
    print(line, file=sys.stderr)


def main(args: argparse.Namespace) -> int:
    if not args.verbose:
        # a failing function is reported once, as the instance's error; the SDK's traceback is noise here
        logging.getLogger("temporalio.activity").setLevel(logging.ERROR)
    try:
        result = run_bounded(run_instance(args))
    except InstanceFailed as failure:
        if not is_task_error(failure.detail):
            raise
        # A 1.0 instance's error object, as one JSON line, for scripts to read.
        print(json.dumps({"error": failure.detail}, ensure_ascii=False), file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0
