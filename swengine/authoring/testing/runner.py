"""Run workflow test cases on a time-skipping Temporal test server: one fresh worker and task queue per case.

Functions are mocked by registering stand-ins under their activity names; produced events are captured by a
stand-in emit activity (so a test never sends events anywhere); ``after`` delays skip workflow time.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from temporalio import activity
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

import builtin_activities
from swengine.authoring.testing.cases import Case, CaseFile, CaseFileError, EventStep
from swengine.authoring.testing.compare import Observed, mismatches
from swengine.authoring.testing.preflight import activity_names, check_mocks
from swengine.compiler.pipeline import Lookup, compile_path, directory_lookup
from swengine.core.errors import DocumentError, NotFound, SwengineError
from swengine.core.ir import EMIT_ACTIVITY, OPERATION_ACTIVITIES, WorkflowIR
from swengine.core.task_errors import is_task_error
from swengine.dsl.dialects import STANDARD
from swengine.dsl.discovery import siblings
from swengine.runtime.mocks import MockBook, MockSpec, mock_activities, mock_tasks
from swengine.runtime.service import InstanceFailed, Service
from swengine.runtime.worker import build_worker

DEFAULT_EVENT_SOURCE = "/swengine/test"
DESCRIBE_SECONDS = 10.0


@dataclass(slots=True)
class CaseResult:
    """How one case went: ``passed``, ``failed`` (with the mismatches) or ``error`` (could not run)."""

    file: Path
    case: str
    outcome: str
    seconds: float
    problems: list[str] = field(default_factory=list)
    observed: Observed | None = None


def capture_events(sink: list[dict[str, Any]]) -> Callable[..., Any]:
    """A stand-in for the emit activity that keeps produced events for the comparison."""

    @activity.defn(name=EMIT_ACTIVITY)
    async def emit(events: list[dict[str, Any]]) -> None:
        sink.extend(events)

    return emit


def complete_event(event: dict[str, Any], ir: WorkflowIR, case: Case, number: int) -> dict[str, Any]:
    """A CloudEvent from the case's attributes: specversion, a unique id, and the source its definition names."""
    known = next((e for e in ir.events if e.type == event.get("type") and e.source), None)
    slug = re.sub(r"[^A-Za-z0-9]+", "-", case.name).strip("-").lower()
    return {
        "specversion": "1.0",
        "id": f"{slug}-{number}",
        "source": known.source if known else DEFAULT_EVENT_SOURCE,
        **event,
    }


class Runner:
    """Runs cases one after another (time skipping is global to the test server)."""

    def __init__(
        self,
        env: WorkflowEnvironment,
        *,
        activities: Sequence[Callable[..., Any]] = (),
        extra_workflows: Sequence[Path] = (),
        dialect: str = STANDARD,
    ) -> None:
        self.env = env
        self.dialect = dialect
        self.activities = list(activities)
        self.extra_workflows = list(extra_workflows)
        self.registered = (
            activity_names([*builtin_activities.ACTIVITIES, *self.activities]) | OPERATION_ACTIVITIES
        )

    async def run_file(
        self, case_file: CaseFile, only: Callable[[Case], bool] = lambda _: True
    ) -> AsyncIterator[CaseResult]:
        """Every selected case of the file, as each ends; a workflow that does not compile fails each case."""
        cases = [case for case in case_file.cases if only(case)]
        try:
            ir = compile_path(case_file.workflow, dialect=self.dialect)
        except SwengineError as error:
            problems = refusal(error, case_file.workflow)
            for case in cases:
                yield CaseResult(case_file.path, case.name, "error", 0.0, problems)
            return
        files = [*siblings([case_file.workflow]), *self.extra_workflows]
        lookup = directory_lookup(files, dialect=self.dialect)
        for case in cases:
            yield await self.run_case(case_file.path, ir, case, lookup)

    async def run_case(self, path: Path, ir: WorkflowIR, case: Case, lookup: Lookup) -> CaseResult:
        began = time.monotonic()
        try:
            observed = await self.observe(ir, case, lookup)
        except CaseFileError as error:
            return CaseResult(path, case.name, "error", time.monotonic() - began, [str(error)])
        except Exception as error:  # noqa: BLE001 - one broken case must not stop the run
            problem = f"{type(error).__name__}: {error}"
            return CaseResult(path, case.name, "error", time.monotonic() - began, [problem])
        problems = mismatches(case.expect, case.expected_status, observed)
        outcome = "failed" if problems else "passed"
        return CaseResult(path, case.name, outcome, time.monotonic() - began, problems, observed)

    async def observe(self, ir: WorkflowIR, case: Case, lookup: Lookup) -> Observed:
        """Start the instance with mocks in place, send the events, wait for the end; report what happened."""
        client = self.env.client
        task_queue = f"swengine-test-{uuid.uuid4()}"
        service = Service(client, task_queue=task_queue, lookup=lookup, search_attributes=False)
        ir = mock_tasks(ir, set(case.mocks))
        try:
            request = service.request_for(ir, case.input)
        except SwengineError as refused:
            return Observed(status="failed", error=refused.code, error_message=refused.message)
        definitions = [ir, *{id(d): d for d in request.subflows.values()}.values()]
        check_mocks(case, definitions, self.registered)
        book = MockBook({name: MockSpec.parse(value) for name, value in case.mocks.items()})
        produced: list[dict[str, Any]] = []
        extra = [*self.activities, *mock_activities(book, definitions), capture_events(produced)]
        async with build_worker(client, task_queue=task_queue, extra_activities=extra):
            started = await service.start(ir, case.input, instance_id=f"test-{ir.id}-{uuid.uuid4()}")
            await self.send_events(service, started.instance_id, ir, case)
            async with skipping_time(self.env):
                observed = await finish(service, started.instance_id, case.timeout)
        observed.produced_events = produced
        if ir.task_tree is not None and observed.visited is not None:
            # 1.0: the tasks run, by JSON pointer (the one state holding them is no step of the author's)
            observed.visited = [step for step in observed.visited if step.startswith("/")]
        return observed

    async def send_events(self, service: Service, instance_id: str, ir: WorkflowIR, case: Case) -> None:
        steps: list[EventStep] = list(case.events)
        for number, step in enumerate(steps, start=1):
            if step.after:
                try:
                    await self.env.sleep(step.after)
                except RPCError:  # time cannot advance while the instance is stuck: finish() tells why
                    return
            if step.event is not None:
                try:
                    await service.send_event(instance_id, complete_event(step.event, ir, case, number))
                except NotFound:  # the instance already ended: the event arrives too late, as in production
                    return


def refusal(error: SwengineError, workflow: Path) -> list[str]:
    """Why a workflow could not be compiled, one line per problem."""
    if isinstance(error, DocumentError):
        return [f"{error.source}:{p.location()}: {p.code}: {p.message}" for p in error.problems]
    return [f"{workflow}: {error.code}: {error.message}"]


def skipping_time(env: WorkflowEnvironment) -> AbstractAsyncContextManager[Any]:
    """Let the test server skip time while we wait for the end.

    The SDK unlocks time skipping only around ``result()`` of handles returned by ``start_workflow``; the
    service looks instances up by id, so the unlock is done here.
    """
    unlocked = getattr(env, "time_skipping_unlocked", None)
    return unlocked() if unlocked is not None else nullcontext()


async def finish(service: Service, instance_id: str, timeout: float) -> Observed:
    """Wait (skipping workflow time) for the end; an instance still running after ``timeout`` is terminated."""
    try:
        observed = Observed(status="completed", output=await service.result(instance_id, timeout=timeout))
    except InstanceFailed as failed:
        problem = failed.detail if is_task_error(failed.detail) else None
        observed = Observed(
            status="failed", error=failed.code, error_message=failed.message, error_object=problem
        )
    except (TimeoutError, RuntimeError):  # RuntimeError: the history long poll ended without a close event
        observed = Observed(status="unfinished")
    try:
        view = await asyncio.wait_for(service.describe(instance_id), DESCRIBE_SECONDS)
    except (SwengineError, TimeoutError):  # a stuck instance cannot answer its status query
        view = {}
    observed.visited = view.get("visited")
    observed.current_state = view.get("current_state")
    if observed.status == "unfinished":
        observed.error_message = await last_task_failure(service, instance_id)
        await service.terminate(instance_id, reason="workflow test timed out")
    return observed


async def last_task_failure(service: Service, instance_id: str) -> str | None:
    """The message of the last failed workflow task: why an instance that never ends is stuck."""
    try:
        history = await service.handle(instance_id).fetch_history()
    except Exception:  # noqa: BLE001 - only a diagnostic
        return None
    failures = [
        e.workflow_task_failed_event_attributes.failure.message
        for e in history.events
        if e.HasField("workflow_task_failed_event_attributes")
    ]
    return f"workflow task failing: {failures[-1]}" if failures else None
