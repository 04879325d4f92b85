"""Parallelism and composition on a real Temporal dev server: parallel branches, foreach, subflows (child
workflows), continueAs (continue-as-new), compensation, and the published examples built on them."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from temporalio import activity
from temporalio.client import WorkflowExecutionStatus

from swengine.core.ir import WorkflowIR
from swengine.runtime.cloudevents import parse_event, start_instance_id
from swengine.runtime.router import EventRouter
from swengine.runtime.service import InstanceFailed
from tests.integration.conftest import run_chain, running
from tests.integration.test_events import (
    RESULT_TIMEOUT,
    Collected,
    cloud_event,
    eventually,
    example,
    finish,
    route_until,
    waiting_in,
    workflow,
)


async def history_has(service, instance_id: str, field: str) -> bool:
    history = await service.handle(instance_id).fetch_history()
    return any(event.HasField(field) for event in history.events)


# --- parallel ------------------------------------------------------------------------------------------

PARALLEL = """
id: fanout
specVersion: "0.8"
start: Both
functions:
  - {name: left, operation: "http://t#left"}
  - {name: right, operation: "http://t#right"}
  - {name: quick, type: expression, operation: "{quick: true}"}
states:
  - name: Both
    type: parallel
    completionType: COMPLETION
    branches:
      - name: Left
        actions: [{functionRef: left}]
      - name: Right
        actions: [{functionRef: right, sleep: {before: SLOW}}]
      - name: Quick
        actions: [{functionRef: quick}]
    onErrors:
      - {errorRef: boom, transition: Recover}
    end: true
  - {name: Recover, type: inject, data: {recovered: true}, end: true}
errors:
  - {name: boom, code: boom}
"""


def parallel(completion: str = "allOf", slow: str = "PT0.1S") -> WorkflowIR:
    return workflow(PARALLEL.replace("COMPLETION", completion).replace("SLOW", slow))


async def test_parallel_all_of_merges_every_branch(client):
    ir = parallel()
    async with running(client, [ir], mocks={"left": {"left": 1}, "right": {"right": 2}}) as (service, _):
        assert await finish(service, ir, {"in": 0}) == {"in": 0, "left": 1, "right": 2, "quick": True}


async def test_parallel_at_least_completes_after_enough_branches_and_cancels_the_rest(client):
    ir = workflow(
        PARALLEL.replace(
            "completionType: COMPLETION", "completionType: atLeast\n    numCompleted: 2"
        ).replace("SLOW", "PT60S")
    )
    async with running(client, [ir], mocks={"left": {"left": 1}, "right": {"right": 2}}) as (service, book):
        began = time.monotonic()
        started = await service.start(ir, {})
        result = await service.result(started.instance_id, timeout=RESULT_TIMEOUT)
        assert time.monotonic() - began < 30
        assert await history_has(service, started.instance_id, "timer_canceled_event_attributes")
    assert result == {"left": 1, "quick": True}
    assert "right" not in book.calls


async def test_a_failing_branch_fails_the_state_for_its_on_errors_and_stops_the_others(client):
    ir = parallel(slow="PT60S")
    async with running(client, [ir], mocks={"left": {"error": {"type": "boom"}}, "right": {}}) as (
        service,
        book,
    ):
        started = await service.start(ir, {"in": 0})
        result = await service.result(started.instance_id, timeout=RESULT_TIMEOUT)
        visited = (await service.describe(started.instance_id))["visited"]
    assert result == {"in": 0, "recovered": True}
    assert visited == ["Both", "Recover"]
    assert "right" not in book.calls


async def test_an_unhandled_branch_failure_fails_the_instance_with_its_code(client):
    ir = parallel()
    async with running(client, [ir], mocks={"left": {"error": {"type": "out_of_stock"}}, "right": {}}) as (
        service,
        _,
    ):
        with pytest.raises(InstanceFailed) as failed:
            await finish(service, ir, {})
    assert failed.value.code == "out_of_stock"


# --- foreach -------------------------------------------------------------------------------------------

FOREACH = """
id: each
specVersion: "0.8"
start: Each
functions:
  - {name: work, type: custom, operation: test.work}
states:
  - name: Each
    type: foreach
    inputCollection: "${ .items }"
    iterationParam: item
    outputCollection: "${ .results }"
    OPTIONS
    actions:
      - functionRef: {refName: work, arguments: {item: "${ .item }"}}
        actionDataFilter: {results: "${ .done }"}
    end: true
"""


class Probe:
    """An activity taking longer for earlier items (so completion order is the reverse of input order)."""

    def __init__(self) -> None:
        self.running = 0
        self.most = 0
        self.started: list[int] = []
        self.finished: list[int] = []

    def activity(self) -> Any:
        @activity.defn(name="test.work")
        async def work(arguments: dict) -> dict:
            item = arguments["item"]
            self.started.append(item)
            self.running += 1
            self.most = max(self.most, self.running)
            await asyncio.sleep(0.1 * (6 - item))
            self.running -= 1
            self.finished.append(item)
            return {"done": item * 10}

        return work


@pytest.mark.parametrize(
    ("options", "most"),
    [("mode: parallel", 5), ("mode: sequential", 1), ("batchSize: 2", 2)],
)
async def test_foreach_keeps_input_order_whatever_the_mode(client, options, most):
    ir = workflow(FOREACH.replace("OPTIONS", options))
    probe = Probe()
    async with running(client, [ir], activities=[probe.activity()]) as (service, _):
        result = await finish(service, ir, {"items": [1, 2, 3, 4, 5]})
    assert result == {"items": [1, 2, 3, 4, 5], "results": [10, 20, 30, 40, 50]}
    assert probe.most == most
    if most == 1:
        assert probe.started == probe.finished == [1, 2, 3, 4, 5]
    if most == 2:  # batches run one after the other, in input order
        assert sorted(probe.started[:2]) == [1, 2] and sorted(probe.started[2:4]) == [3, 4]
    if most == 5:
        assert probe.finished != [1, 2, 3, 4, 5], "completion order differs from input order"


# --- subflows ------------------------------------------------------------------------------------------

PARENT = """
id: parent
specVersion: "0.8"
start: Call
states:
  - name: Call
    type: operation
    actions:
      - subFlowRef: SUBFLOW
        actionDataFilter: {fromStateData: "${ {n} }", toStateData: "${ .child }"}
    onErrors:
      - {errorRef: child_broke, transition: Caught}
    end: true
  - {name: Caught, type: inject, data: {caught: true}, end: true}
errors:
  - {name: child_broke, code: child_broke}
"""
CHILD = """
id: child
specVersion: "0.8"
start: Double
functions:
  - {name: double, type: expression, operation: "{n: (.n * 2)}"}
  - {name: fail, type: custom, operation: builtin.fail}
states:
  - name: Double
    type: operation
    actions: [{functionRef: double}]
    transition: Check
  - name: Check
    type: switch
    dataConditions:
      - condition: "${ .n > 100 }"
        transition: Break
    defaultCondition: {end: true}
  - name: Break
    type: operation
    actions: [{functionRef: {refName: fail, arguments: {type: child_broke, message: too big}}}]
    end: true
"""
WAITING_CHILD = """
id: waiter
specVersion: "0.8"
start: Wait
events:
  - {name: Go, type: test.go, source: /t}
states:
  - name: Wait
    type: event
    onEvents: [{eventRefs: [Go], eventDataFilter: {toStateData: "${ .went }"}}]
    end: true
"""


async def test_a_sync_subflow_is_a_child_workflow_whose_output_is_merged(client):
    parent, child = workflow(PARENT.replace("SUBFLOW", "child")), workflow(CHILD)
    async with running(client, [parent, child]) as (service, _):
        started = await service.start(parent, {"n": 21, "keep": True})
        result = await service.result(started.instance_id, timeout=RESULT_TIMEOUT)
        child_id = f"{started.instance_id}/child/1"
        description = await service.handle(child_id).describe()
    assert result == {"n": 21, "keep": True, "child": {"n": 42}}
    assert description.parent_id == started.instance_id
    assert description.workflow_type == "sw:child"


async def test_a_subflow_failure_reaches_the_parents_on_errors(client):
    parent, child = workflow(PARENT.replace("SUBFLOW", "child")), workflow(CHILD)
    async with running(client, [parent, child]) as (service, _):
        assert await finish(service, parent, {"n": 60}) == {"n": 60, "caught": True}


@pytest.mark.parametrize(
    ("on_parent_complete", "child_status"),
    [("continue", WorkflowExecutionStatus.COMPLETED), ("terminate", WorkflowExecutionStatus.TERMINATED)],
)
async def test_an_async_subflow_runs_on_its_own_after_the_parent(client, on_parent_complete, child_status):
    ref = f"{{workflowId: waiter, invoke: async, onParentComplete: {on_parent_complete}}}"
    parent, child = workflow(PARENT.replace("SUBFLOW", ref)), workflow(WAITING_CHILD)
    async with running(client, [parent, child]) as (service, _):
        started = await service.start(parent, {"n": 1})
        assert await service.result(started.instance_id, timeout=RESULT_TIMEOUT) == {"n": 1}
        child_id = f"{started.instance_id}/waiter/1"
        if on_parent_complete == "continue":
            # The child is indexed like any instance: the router finds it waiting for its event.
            router = EventRouter(service, lambda: [])
            await route_until(router, cloud_event("test.go", "/t", {"ok": True}), child_id)
            assert await service.result(child_id, timeout=RESULT_TIMEOUT) == {"n": 1, "went": {"ok": True}}

        async def child_closed() -> Any:
            status = (await service.handle(child_id).describe()).status
            return status if status != WorkflowExecutionStatus.RUNNING else None

        assert await eventually(child_closed, what="the child to close") == child_status


# --- continueAs ----------------------------------------------------------------------------------------

COUNTDOWN = """
id: countdown-as-new
specVersion: "0.8"
start: Step
functions:
  - {name: decrement, type: expression, operation: "{left: (.left - 1)}"}
states:
  - name: Step
    type: operation
    actions: [{functionRef: decrement}]
    transition: Again
  - name: Again
    type: switch
    dataConditions:
      - condition: "${ .left > 0 }"
        end:
          continueAs:
            workflowId: countdown-as-new
            data: "${ {left, runs: ((.runs // 0) + 1)} }"
    defaultCondition: {end: true}
"""


async def test_continue_as_starts_a_new_execution_with_the_selected_data(client):
    ir = workflow(COUNTDOWN)
    async with running(client, [ir]) as (service, _):
        started = await service.start(ir, {"left": 3, "dropped": True})
        result = await service.result(started.instance_id, timeout=RESULT_TIMEOUT)
        chain = await run_chain(client, started.instance_id)
    assert result == {"left": 0, "runs": 2}
    assert chain == [
        WorkflowExecutionStatus.CONTINUED_AS_NEW,
        WorkflowExecutionStatus.CONTINUED_AS_NEW,
        WorkflowExecutionStatus.COMPLETED,
    ]


HANDOVER = """
id: handover
specVersion: "0.8"
start: Nap
states:
  - {name: Nap, type: sleep, duration: PT1S, end: {continueAs: {workflowId: waiter}}}
"""


async def test_events_received_before_a_continue_as_reach_the_new_execution(client):
    first, second = workflow(HANDOVER), workflow(WAITING_CHILD)
    async with running(client, [first, second]) as (service, _):
        started = await service.start(first, {"from": "handover"})
        await service.send_event(started.instance_id, cloud_event("test.go", "/t", {"early": True}))
        result = await service.result(started.instance_id, timeout=RESULT_TIMEOUT)
    assert result == {"from": "handover", "went": {"early": True}}


# --- compensation --------------------------------------------------------------------------------------

BOOKING = """
id: booking
specVersion: "0.8"
start: Flight
functions:
  - {name: book, operation: "http://t#book"}
  - {name: undo, operation: "http://t#undo"}
states:
  - name: Flight
    type: operation
    actions: [{functionRef: {refName: book, arguments: {what: flight}}}]
    compensatedBy: CancelFlight
    transition: Hotel
  - name: Hotel
    type: operation
    actions: [{functionRef: {refName: book, arguments: {what: hotel}}}]
    compensatedBy: CancelHotel
    transition: Decide
  - name: Decide
    type: switch
    dataConditions:
      - condition: "${ .abort }"
        end: {compensate: true}
    defaultCondition: {end: true}
  - name: CancelFlight
    type: operation
    usedForCompensation: true
    actions: [{functionRef: {refName: undo, arguments: {what: flight}}}]
  - name: CancelHotel
    type: operation
    usedForCompensation: true
    actions: [{functionRef: {refName: undo, arguments: {what: hotel}}}]
    transition: NoteHotel
  - {name: NoteHotel, type: inject, usedForCompensation: true, data: {hotel: cancelled}}
"""


@pytest.mark.parametrize("abort", [True, False])
async def test_compensation_undoes_completed_states_newest_first(client, abort):
    ir = workflow(BOOKING)
    async with running(client, [ir], mocks={"book": {}, "undo": {}}) as (service, book):
        started = await service.start(ir, {"abort": abort})
        result = await service.result(started.instance_id, timeout=RESULT_TIMEOUT)
        visited = (await service.describe(started.instance_id))["visited"]
    if abort:
        assert visited == ["Flight", "Hotel", "Decide", "CancelHotel", "NoteHotel", "CancelFlight"]
        assert book.calls["undo"] == [{"what": "hotel"}, {"what": "flight"}]
        assert result == {"abort": True, "hotel": "cancelled"}
    else:
        assert visited == ["Flight", "Hotel", "Decide"] and "undo" not in book.calls


# --- the published 0.8 examples ------------------------------------------------------------------------


def _delay(workflow_id: str, duration: str) -> WorkflowIR:
    return workflow(f"""
        id: {workflow_id}
        specVersion: "0.8"
        start: Wait
        states:
          - {{name: Wait, type: sleep, duration: {duration}, transition: Done}}
          - {{name: Done, type: inject, data: {{{workflow_id}: done}}, end: true}}
    """)


async def test_example_05_runs_both_subflows_in_parallel(client, examples_dir, tmp_path):
    ir = example(examples_dir, "05-parallel-execution.json", tmp_path)
    short, long = _delay("shortdelayworkflowid", "PT0.2S"), _delay("longdelayworkflowid", "PT2S")
    async with running(client, [ir, short, long]) as (service, _):
        began = time.monotonic()
        result = await finish(service, ir, {})
        elapsed = time.monotonic() - began
    assert result == {"shortdelayworkflowid": "done", "longdelayworkflowid": "done"}
    assert elapsed < 2.0 + 1.5, "the branches overlap: the total is about the longer delay"


def _fix_23_sub(document: dict) -> None:
    """Published defects: the actions call 'Check Tire Pressure' (and so on) where the functions are named
    checkTirePressure; the produced DisplayChecksOnDashboard event is never defined."""
    for action, function in zip(document["states"][0]["actions"], document["functions"], strict=True):
        action["functionRef"] = function["name"]
    document["events"] = [{"name": "DisplayChecksOnDashboard", "type": "car.dashboard", "kind": "produced"}]


async def test_example_23_checks_the_car_until_it_is_turned_off(client, examples_dir, tmp_path):
    ir = example(examples_dir, "23-car-vitals-checks.json", tmp_path)
    sub = example(examples_dir, "23-car-vitals-checks.sub-vitalscheck.json", tmp_path, _fix_23_sub)
    names = ("checkTirePressure", "checkOilPressure", "checkCoolantLevel", "checkBattery")
    mocks = {name: {"evaluations": {name: "ok"}} for name in names}
    sink = Collected()
    async with running(client, [ir, sub], mocks=mocks, sinks=[sink]) as (service, book):
        router = EventRouter(service, lambda: [ir])
        on = cloud_event("car.events", "my/car", {"on": True})
        [instance] = (await router.route(on)).started
        await waiting_in(service, instance, "CheckContinueVitalChecks")
        off = cloud_event("car.events", "my/car", {"on": False})
        # Published defect: CarTurnedOnEvent and CarTurnedOffEvent have the same type and source, so the
        # "off" event also starts a new instance; it reaches the running one too.
        routed = await route_until(router, off, instance)
        assert routed.started == [start_instance_id(ir.id, off, ir.events[0])]
        await service.result(instance, timeout=RESULT_TIMEOUT)
        visited = (await service.describe(instance))["visited"]
        await service.terminate(routed.started[0])
    assert visited == ["WhenCarIsOn", "DoCarVitalChecks", "CheckContinueVitalChecks"]
    assert all(len(book.calls[name]) >= 1 for name in names)
    assert sink.events[0]["type"] == "car.dashboard"
    assert sink.events[0]["data"] == {name: "ok" for name in names}


def _fix_26_sub(document: dict) -> None:
    """Published defect: the subflows use the parent's functions and events without referencing them."""
    document["functions"] = "file://orderfunctions.yml"
    document["events"] = "file://orderevents.yml"


async def test_example_26_orders_food_through_subflows_and_events(client, examples_dir, tmp_path):
    ir = example(examples_dir, "26-online-food-ordering.yaml", tmp_path)
    place = example(
        examples_dir, "26-online-food-ordering.sub-placeorderworkflow.yaml", tmp_path, _fix_26_sub
    )
    deliver = example(
        examples_dir, "26-online-food-ordering.sub-deliverorderworkflow.yaml", tmp_path, _fix_26_sub
    )
    published = json.loads((examples_dir / "26-online-food-ordering.event.json").read_text())
    mocks = {
        "Submit Order Function": {"results": {"status": ["Order Submitted"]}},
        "Get Order ETA Function": {"results": {"status": []}},
        "Dispatch Courrier Function": {},
        "Deliver Order Function": {},
        "Charge For Order Function": {"outcome": {"status": ["Order Charged"]}},
    }
    order = "ORDER-12345"
    async with running(client, [ir, place, deliver], mocks=mocks) as (service, book):
        # Only the top-level workflow is deployed for event starts: were the subflows too, the food order
        # event would also start a standalone placeorderworkflow (0.8 cannot mark a definition subflow-only).
        router = EventRouter(service, lambda: [ir])
        # the order this session is for: routed events of other orders never reach it or its subflows
        started = await service.start(ir, {}, correlation={"orderid": order})
        placing = f"{started.instance_id}/placeorderworkflow/1"
        await waiting_in(service, placing, "Submit Order")
        await route_until(router, parse_event(published), placing)
        await waiting_in(service, started.instance_id, "Wait for ETA Deadline")
        eta = cloud_event(
            "org.orders.eta", "/orderseta", {"results": {"status": ["Order ETA Received"]}}, orderid=order
        )
        await route_until(router, eta, started.instance_id)
        delivering = f"{started.instance_id}/deliverorderworkflow/2"
        await waiting_in(service, delivering, "Wait for Order Pickup")
        picked = cloud_event(
            "org.orders.delivery", "/orderspickup", {"data": {"status": ["Order Picked up"]}}, orderid=order
        )
        await route_until(router, picked, delivering)
        await waiting_in(service, delivering, "Wait for Delivery Confirmation")
        delivered = cloud_event("org.orders.delivery", "/orderdelivery", {"data": {"status": ["Order Delievered"]}},
                                orderid=order)  # fmt: skip
        await route_until(router, delivered, delivering)
        result = await service.result(started.instance_id, timeout=RESULT_TIMEOUT)
    assert result == json.loads((examples_dir / "26-online-food-ordering.expected.json").read_text())
    assert book.calls["Submit Order Function"] == [{"order": published["data"]["order"]}]


def _fix_27(document: dict) -> None:
    """Published defect: the output filter counts in .count while the quota check reads .customerCount."""
    document["states"][0]["stateDataFilter"]["output"] = "${ .customerCount = .customerCount + 1 }"


@pytest.mark.parametrize("fixed", [True, False])
async def test_example_27_continues_as_new_once_the_quota_is_consumed(client, examples_dir, tmp_path, fixed):
    ir = example(examples_dir, "27-continuing-as-a-new-execution.json", tmp_path, _fix_27 if fixed else None)
    async with running(client, [ir], mocks={"NotifyCustomerFunction": {}}) as (service, book):
        started = await service.start(ir, {"quota": {"maxConsumedEvents": 2}})
        instance = started.instance_id
        for n in range(4):
            await service.send_event(
                instance, cloud_event("org.events.customerEvent", "customerSource", {"customerId": f"C{n}"})
            )

        async def notified_four_times() -> bool:
            return len(book.calls.get("NotifyCustomerFunction", [])) == 4

        await eventually(notified_four_times, what="four notifications")
        await waiting_in(service, instance, "WaitForCustomerEvent")
        status = await service.describe(instance)
        runs = await run_chain(client, instance)
        await service.terminate(instance)
    assert [call["customerId"] for call in book.calls["NotifyCustomerFunction"]] == ["C0", "C1", "C2", "C3"]
    if fixed:  # three events pass the quota of 2; the fourth was carried into the new execution
        assert runs.count(WorkflowExecutionStatus.CONTINUED_AS_NEW) == 1
        assert status["data"]["customerCount"] == 1 and status["data"]["eventCustomerId"] == "C3"
    else:  # as published it never continues: it counts in .count
        assert runs == [WorkflowExecutionStatus.RUNNING]
        assert status["data"]["count"] == 4
