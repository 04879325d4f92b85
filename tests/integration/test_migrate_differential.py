"""Proof by running both: every 0.8 workflow of specs/ (with its test cases) and of the published examples
that runs offline (and, for compensation, the SonataFlow saga of the dialect's tests), and its
``swengine migrate`` twin, on the same inputs, events and mocks, on the
time-skipping test server: same output, or the same error. One worker and task queue serve every case.

``EXCEPTIONS`` lists, with the reason, what is not compared; the count of compared and matching cases is
printed at the end (``-s``) for the closing note.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from temporalio import activity
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

import builtin_activities
from swengine.authoring.migrate import migrate
from swengine.authoring.testing.cases import EventStep, load_test_file
from swengine.authoring.testing.runner import complete_event, skipping_time
from swengine.compiler.pipeline import compile_document, compile_text
from swengine.core.errors import NotFound, SwengineError
from swengine.core.ir import EMIT_ACTIVITY, REST_ACTIVITY, WorkflowIR
from swengine.core.ir_tasks import HTTP_ACTIVITY
from swengine.core.task_errors import is_task_error, short_type
from swengine.dsl.dialects import load_file, load_text
from swengine.runtime.mocks import MockBook, MockSpec, function_calls
from swengine.runtime.service import InstanceFailed, Service
from swengine.runtime.worker import build_worker
from tests.conftest import EXAMPLES

SPECS = Path(__file__).resolve().parents[2] / "specs"
CASE_SECONDS = 20.0
DEFAULT_MOCK = {"mocked": True}
"""What a published example's function returns when the example publishes no result for it."""

EXCEPTIONS: dict[str, str] = {
    "08-event-based-transitions": "not valid 0.8 as published (0.7 placement of eventTimeout)",
    "15-perform-customer-credit-check": "not valid 0.8 as published (calls an undefined function)",
    "19-reusing-function-and-event-definitions": "not valid 0.8 as published (names files that were never published)",
    "20-new-patient-onboarding": "not valid 0.8 as published (undefined event and function)",
    "21-purchase-order-deadline": "not valid 0.8 as published (PT30D is no ISO 8601 duration)",
    "23-car-vitals-checks": "not valid 0.8 as published (its subflow names undefined functions)",
    "24-book-lending": "not valid 0.8 as published (names files that were never published)",
    "28-process-transactions": "asyncapi functions, which swengine refuses in 0.8 and 1.0 alike",
    "16-handle-car-auction-bids": "starts on a schedule and then waits for bids until the end of it: runs only in a deployment",
    "17-check-inbox-periodically": "starts on a cron schedule: runs only in a deployment",
    "22-accumulate-room-readings": "keepActive: the 0.8 instance never ends on its own; 1.0 cannot say keepActive",
    "27-continuing-as-a-new-execution": "as published its quota check reads a counter nothing increments: it"
    " waits for events forever",
}
SUPPLIED: dict[str, tuple[dict[str, Any], list[dict[str, Any]]]] = {
    "11-monitor-job": (
        {"checkJobStatus": {"sequence": [{}, {"jobstatus": {"jobstatus": {"jobStatus": "SUCCEEDED"}}}]}},
        [],
    ),
    "14-finalize-college-application": (
        {},
        [
            {"type": t, "source": "applicationsource", "applicantId": "a-1", "data": {"part": t}}
            for t in (
                "org.application.recommendationLetter",
                "org.application.satscores",
                "org.application.submitted",
            )
        ],
    ),
    "18-event-based-service-invocation": (
        {},
        [
            {
                "type": "events.vet.appointments",
                "source": "VetServiceSource",
                "data": {"appointmentInfo": {"at": "9:00"}},
            }
        ],
    ),
}
"""Results and events the examples do not publish, without which they never end: the same for both runs."""


@dataclass
class Scenario:
    """One run to compare: a 0.8 workflow (and its subflows) with an input, mocks and events."""

    name: str
    workflow: Path
    input: Any = None
    mocks: dict[str, Any] = field(default_factory=dict)
    events: tuple[EventStep, ...] = ()
    subflows: tuple[Path, ...] = ()
    dialect: str = "standard"


def spec_scenarios() -> list[Scenario]:
    found = []
    for test_file in sorted(SPECS.glob("*.test.yaml")):
        cases = load_test_file(test_file)
        for case in cases.cases:
            found.append(
                Scenario(
                    f"specs/{test_file.name}: {case.name}",
                    cases.workflow,
                    case.input,
                    case.mocks,
                    case.events,
                )
            )
    return found


def example_scenarios() -> list[Scenario]:
    if not EXAMPLES.is_dir():
        return []
    found = []
    for workflow in sorted(EXAMPLES.glob("[0-9][0-9]-*.json")):
        stem = workflow.name.removesuffix(".json")
        if "." in stem:  # inputs, mocks, events, subflows ...
            continue
        given = EXAMPLES / f"{stem}.input.json"
        data = json.loads(given.read_text()) if given.is_file() else {}
        mocks = {
            p.name.split(".mock-")[1].removesuffix(".json"): p for p in EXAMPLES.glob(f"{stem}.mock-*.json")
        }
        loaded = {name: json.loads(path.read_text()) for name, path in mocks.items()}
        subflows = tuple(sorted(EXAMPLES.glob(f"{stem}.sub-*.json")))
        events = sorted(p for p in EXAMPLES.glob(f"{stem}.event*.json") if not p.name.endswith("-data.json"))
        extra_mocks, extra_events = SUPPLIED.get(stem, ({}, []))
        loaded |= extra_mocks
        for event in events or [None]:
            steps = (EventStep(event=json.loads(event.read_text())),) if event else ()
            steps += tuple(EventStep(event=supplied) for supplied in extra_events)
            label = f"examples/{stem}" + (
                f" ({event.name.split('.')[1]})" if event and len(events) > 1 else ""
            )
            found.append(Scenario(label, workflow, data, loaded, steps, subflows))
    return found


def saga_scenarios() -> list[Scenario]:
    """Compensation, read in SonataFlow's dialect: the saga of the dialect's tests, paid and refused."""
    saga = Path(__file__).parent / "sonataflow" / "saga.sw.json"
    mocks = {
        "reserveStock": {"reserved": "O-1"},
        "cancelStock": "cancelled",
        "processPayment": {"paid": True},
    }
    refused = {"error": {"type": "org.acme.PaymentFailure", "message": "payment refused"}}
    return [
        Scenario(
            f"sonataflow/saga.sw.json: {label}", saga, {"orderId": "O-1"}, mocks | extra, dialect="sonataflow"
        )
        for label, extra in (("paid", {}), ("refused, compensated", {"processPayment": refused}))
    ]


SCENARIOS = spec_scenarios() + example_scenarios() + saga_scenarios()
TALLY: dict[str, list[str]] = {"same": [], "different": [], "excepted": []}


def excepted(scenario: Scenario) -> str | None:
    stem = scenario.workflow.name.split(".")[0]
    return EXCEPTIONS.get(stem)


def twin(path: Path, dialect: str = "standard") -> WorkflowIR:
    """The migrated 1.0 document, compiled (which validates it)."""
    return compile_text(migrate(load_file(path, dialect=dialect)).text, source=f"{path.name} (migrated)")


STAND_IN = """
id: {id}
specVersion: "0.8"
start: Done
states:
  - {{name: Done, type: inject, data: {{{id}: done}}, end: true}}
"""
"""A subflow the example names but never published: it answers with its input and a mark of its own."""


def referenced_subflows(path: Path) -> list[str]:
    """Workflow ids of the ``subFlowRef`` actions anywhere in the document."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("subFlowRef")
            if ref is not None:
                found.append(ref if isinstance(ref, str) else ref["workflowId"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(load_file(path).data.get("states"))
    return found


@dataclass
class Compiled:
    original: WorkflowIR
    migrated: WorkflowIR
    subflows: list[WorkflowIR]


def compile_scenario(scenario: Scenario) -> Compiled:
    subs = [(compile_document(load_file(p)), twin(p)) for p in scenario.subflows]
    published = {ir.id for ir, _ in subs}
    for workflow_id in referenced_subflows(scenario.workflow):
        if workflow_id not in published:
            text = STAND_IN.format(id=workflow_id)
            subs.append((compile_text(text), compile_text(migrate(load_text(text)).text)))
    return Compiled(
        compile_document(load_file(scenario.workflow, dialect=scenario.dialect)),
        twin(scenario.workflow, scenario.dialect),
        [ir for pair in subs for ir in pair],
    )


class Mocks:
    """The current case's mocks behind every activity any case may mock; the real built-in otherwise."""

    def __init__(self) -> None:
        self.book = MockBook({})
        self.real = {
            activity._Definition.must_from_callable(fn).name: fn for fn in builtin_activities.ACTIVITIES
        }

    def use(self, mocks: dict[str, Any]) -> None:
        self.book = MockBook({name: MockSpec.parse(value) for name, value in mocks.items()})

    def activity_for(self, name: str, functions: list[str]) -> Callable[..., Any]:
        async def answer(payload: Any) -> Any:
            function = None
            if name in (REST_ACTIVITY, HTTP_ACTIVITY) and isinstance(payload, dict):
                function = payload.get("function")
                payload = payload.get("arguments")
            else:
                function = next((f for f in functions if f in self.book.specs), None)
            if function in self.book.specs:
                return self.book.answer(function, payload)
            real = self.real.get(name)
            if real is None:
                raise ApplicationError(
                    f"no mock for {function or name}", type="not_mocked", non_retryable=True
                )
            result = real(payload)
            return await result if inspect.isawaitable(result) else result

        return activity.defn(name=name)(answer)


@dataclass
class Bench:
    env: WorkflowEnvironment
    service: Service
    mocks: Mocks
    definitions: dict[str, WorkflowIR]


@pytest_asyncio.fixture(scope="module")
async def bench(time_skipping_env: WorkflowEnvironment) -> AsyncIterator[Bench]:
    definitions: dict[str, WorkflowIR] = {}
    by_activity: dict[str, list[str]] = {}
    for scenario in SCENARIOS:
        if excepted(scenario):
            continue
        try:
            compiled = compile_scenario(scenario)
        except SwengineError:
            continue  # the test of that scenario reports it
        for ir in [compiled.original, compiled.migrated, *compiled.subflows]:
            definitions[ir.id] = ir
            for call in function_calls(ir):
                if call.activity:
                    by_activity.setdefault(call.activity, [])
                    if call.function not in by_activity[call.activity]:
                        by_activity[call.activity].append(call.function)
    mocks = Mocks()
    produced: list[dict[str, Any]] = []

    @activity.defn(name=EMIT_ACTIVITY)
    async def emit(events: list[dict[str, Any]]) -> None:
        produced.extend(events)

    stand_ins = [mocks.activity_for(name, functions) for name, functions in sorted(by_activity.items())]
    task_queue = f"migrate-differential-{uuid.uuid4()}"
    client = time_skipping_env.client
    service = Service(
        client,
        task_queue=task_queue,
        lookup=lambda key, version: definitions.get(key),
        search_attributes=False,
    )
    async with build_worker(client, task_queue=task_queue, extra_activities=[*stand_ins, emit]):
        yield Bench(time_skipping_env, service, mocks, definitions)
    print(f"\nmigrate differential: {len(TALLY['same'])} of {len(TALLY['same']) + len(TALLY['different'])}"
          f" compared cases give the same result; {len(TALLY['excepted'])} excepted")  # fmt: skip


def error_code(failed: InstanceFailed) -> str:
    """The 0.8 code of a failure: 1.0 carries it as the error type, or first in the detail of a runtime error."""
    error = failed.detail
    if is_task_error(error):
        name = short_type(str(error["type"]))
        detail = str(error.get("detail") or "")
        return detail.split(": ")[0] if name == "runtime" and ": " in detail else name
    return str(failed.code)


ENGINE_TO_STANDARD = {
    "workflow_timeout": "timeout",
    "invalid_input": "validation",
    "subflow_not_found": "configuration",
}


async def observe(bench: Bench, ir: WorkflowIR, scenario: Scenario, reference: WorkflowIR) -> tuple[str, Any]:
    """Run one instance to its end: ("completed", output), ("failed", 0.8 code) or ("unfinished", None)."""
    bench.mocks.use({name: DEFAULT_MOCK for name in _functions(reference)} | scenario.mocks)
    started = await bench.service.start(ir, scenario.input, instance_id=f"diff-{uuid.uuid4()}")
    for number, step in enumerate(scenario.events, start=1):
        if step.after:
            await bench.env.sleep(step.after)
        if step.event is not None:
            event = complete_event(step.event, reference, _named(scenario), number)
            event["id"] = f"{event['id']}-{uuid.uuid4()}"
            try:
                await bench.service.send_event(started.instance_id, event)
            except NotFound:  # the instance already ended: the event comes too late, as in production
                break
    try:
        async with skipping_time(bench.env):
            return "completed", await bench.service.result(started.instance_id, timeout=CASE_SECONDS)
    except InstanceFailed as failed:
        code = error_code(failed)
        return "failed", ENGINE_TO_STANDARD.get(code, code)
    except (TimeoutError, RuntimeError):
        await bench.service.terminate(started.instance_id, reason="differential test: unfinished")
        return "unfinished", None


def _functions(ir: WorkflowIR) -> list[str]:
    """Functions of a published example, every one mocked unless the example publishes its result (0.8 side)."""
    return [call.function for call in function_calls(ir) if call.activity in (REST_ACTIVITY, HTTP_ACTIVITY)]


def _named(scenario: Scenario) -> Any:
    from swengine.authoring.testing.cases import Case

    return Case(name=scenario.name, index=0)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
async def test_the_migrated_twin_gives_the_same_result(bench: Bench, scenario: Scenario):
    reason = excepted(scenario)
    if reason is not None:
        TALLY["excepted"].append(scenario.name)
        pytest.skip(reason)
    compiled = compile_scenario(scenario)
    assert [state.kind for state in compiled.migrated.states] == ["tasks"], "the twin is a 1.0 document"
    original = await observe(bench, compiled.original, scenario, compiled.original)
    assert original[0] != "unfinished", "the 0.8 original does not finish offline: list it in EXCEPTIONS"
    migrated = await observe(bench, compiled.migrated, scenario, compiled.original)
    TALLY["same" if migrated == original else "different"].append(scenario.name)
    print(
        f"\n{scenario.name}: 0.8 {original[0]} {str(original[1])[:120]} | 1.0 {migrated[0]} {str(migrated[1])[:120]}"
    )
    assert migrated == original
    await asyncio.sleep(0)
