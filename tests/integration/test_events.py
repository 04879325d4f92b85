"""Events end to end on a real Temporal dev server: event, switch and callback states, eventRef actions,
produced events, the event router, and the published 0.8 examples that consume or produce events."""

from __future__ import annotations

import asyncio
import json
import shutil
import textwrap
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from temporalio.common import SearchAttributeKey

from swengine.compiler.pipeline import compile_path, compile_text
from swengine.core.errors import EventError, NotFound
from swengine.core.ir import SEARCH_CORRELATION, WorkflowIR
from swengine.runtime.cloudevents import parse_event, parse_http, start_instance_id
from swengine.runtime.mocks import MockBook, MockSpec, mock_activities
from swengine.runtime.router import EventRouter, RouteResult, router_sink
from swengine.runtime.service import Service
from swengine.runtime.worker import build_worker
from tests.integration.conftest import run_chain, running

RESULT_TIMEOUT = 30.0


# --- helpers -------------------------------------------------------------------------------------------


def workflow(text: str) -> WorkflowIR:
    return compile_text(textwrap.dedent(text))


def cloud_event(
    type_: str, source: str, data: Any = None, *, id: str | None = None, **attributes: Any
) -> dict:
    """A valid CloudEvent (checked by parse_event, as the REST API would)."""
    event = {
        "specversion": "1.0",
        "id": id or str(uuid.uuid4()),
        "source": source,
        "type": type_,
        **attributes,
    }
    if data is not None:
        event.update(datacontenttype="application/json", data=data)
    return parse_event(event)


async def eventually(
    probe: Callable[[], Awaitable[Any]], *, timeout: float = 15.0, what: str = "condition"
) -> Any:
    """Poll until ``probe`` gives something truthy (visibility and state changes trail by a moment)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await probe()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}; last value {value!r}")
        await asyncio.sleep(0.05)


async def finish(service: Service, ir: WorkflowIR, data: Any) -> Any:
    """Start an instance and wait (boundedly) for its output."""
    started = await service.start(ir, data)
    return await service.result(started.instance_id, timeout=RESULT_TIMEOUT)


async def waiting_in(service: Service, instance_id: str, state: str) -> dict:
    """Wait until the instance is in ``state`` (it is then waiting there, for these workflows)."""

    async def probe() -> dict | None:
        try:
            status = await service.describe(instance_id)
        except NotFound:  # a child workflow not started yet
            return None
        return status if status.get("current_state") == state else None

    return await eventually(probe, what=f"{instance_id} to reach {state}")


async def route_until(router: EventRouter, event: dict, instance_id: str) -> Any:
    """Route until the router's visibility query sees ``instance_id`` (it trails a start by a moment)."""

    async def probe() -> Any:
        result = await router.route(event)
        return result if instance_id in result.delivered else None

    return await eventually(probe, what=f"the router to reach {instance_id}")


class Collected:
    """A sink remembering every event the emit activity sent."""

    def __init__(self) -> None:
        self.events: list[dict] = []

    async def __call__(self, events: list[dict]) -> None:
        self.events.extend(events)


class RouteLater:
    """A sink forwarding to a router built after the worker (the router needs the worker's service)."""

    router: EventRouter | None = None

    async def __call__(self, events: list[dict]) -> None:
        assert self.router is not None
        await router_sink(self.router)(events)


# --- event state ---------------------------------------------------------------------------------------

SHOP = """
id: shop
specVersion: "0.8"
start: Wait
events:
  - {name: Paid, type: shop.paid, source: /shop}
  - {name: Cancelled, type: shop.cancelled, source: /shop}
functions:
  - {name: ship, operation: "http://shop#ship"}
  - {name: refund, operation: "http://shop#refund"}
states:
  - name: Wait
    type: event
    exclusive: EXCLUSIVE
    onEvents:
      - eventRefs: [Paid]
        eventDataFilter: {toStateData: "${ .payment }"}
        actions: [{functionRef: ship}]
      - eventRefs: [Cancelled]
        eventDataFilter: {toStateData: "${ .cancellation }"}
        actions: [{functionRef: refund}]
    end: true
"""
SHOP_MOCKS = {"ship": {"shipped": True}, "refund": {"refunded": True}}


async def test_exclusive_event_state_runs_only_the_arriving_events_actions(client):
    ir = workflow(SHOP.replace("EXCLUSIVE", "true"))
    async with running(client, [ir], mocks=SHOP_MOCKS) as (service, book):
        started = await service.start(ir, {})
        await service.send_event(started.instance_id, cloud_event("shop.cancelled", "/shop", {"why": "late"}))
        result = await service.result(started.instance_id, timeout=RESULT_TIMEOUT)
    assert result == {"cancellation": {"why": "late"}, "refunded": True}
    assert "ship" not in book.calls


async def test_non_exclusive_event_state_waits_for_every_event_in_any_order(client):
    ir = workflow(SHOP.replace("EXCLUSIVE", "false"))
    async with running(client, [ir], mocks=SHOP_MOCKS) as (service, book):
        started = await service.start(ir, {})
        # Sent in the opposite order of the onEvents: both are buffered until the state takes them.
        await service.send_event(started.instance_id, cloud_event("shop.cancelled", "/shop", {"why": "late"}))
        await asyncio.sleep(0.3)
        assert (await service.describe(started.instance_id))["status"] == "running"
        await service.send_event(started.instance_id, cloud_event("shop.paid", "/shop", {"amount": 5}))
        result = await service.result(started.instance_id, timeout=RESULT_TIMEOUT)
    assert result == {
        "payment": {"amount": 5},
        "cancellation": {"why": "late"},
        "shipped": True,
        "refunded": True,
    }
    assert len(book.calls["ship"]) == len(book.calls["refund"]) == 1


FILTERS = """
id: filters
specVersion: "0.8"
start: Wait
events:
  - {name: Arrived, type: customer.arrived, source: /door, dataOnly: DATA_ONLY}
states:
  - name: Wait
    type: event
    onEvents:
      - eventRefs: [Arrived]
        eventDataFilter: FILTER
    end: true
"""


@pytest.mark.parametrize(
    ("data_only", "data_filter", "expected"),
    [
        ("true", '{data: "${ .customer }", toStateData: "${ .info }"}', {"kept": 1, "info": {"name": "Ada"}}),
        ("true", "{useData: false, data: \"${ .customer }\"}", {"kept": 1}),
        ("true", "{}", {"kept": 1, "customer": {"name": "Ada"}, "extra": True}),
        ("false", '{data: "${ {who: .data.customer.name, room: .roomid, src: .source} }"}',
         {"kept": 1, "who": "Ada", "room": "R1", "src": "/door"}),
    ],
)  # fmt: skip
async def test_event_data_filters_and_data_only(client, data_only, data_filter, expected):
    ir = workflow(FILTERS.replace("DATA_ONLY", data_only).replace("FILTER", data_filter))
    event = cloud_event(
        "customer.arrived", "/door", {"customer": {"name": "Ada"}, "extra": True}, roomid="R1"
    )
    async with running(client, [ir]) as (service, _):
        started = await service.start(ir, {"kept": 1})
        await service.send_event(started.instance_id, event)
        assert await service.result(started.instance_id, timeout=RESULT_TIMEOUT) == expected


TIMEOUT = """
id: patience
specVersion: "0.8"
start: Begin
events:
  - {name: A, type: test.a, source: /t}
  - {name: B, type: test.b, source: /t}
functions:
  - {name: act, operation: "http://t#act"}
states:
  - {name: Begin, type: inject, data: {begun: true}, transition: Wait}
  - name: Wait
    type: event
    exclusive: EXCLUSIVE
    timeouts: {eventTimeout: PT1S}
    onEvents:
      - eventRefs: [A, B]
        actions: [{functionRef: act}]
    transition: After
  - {name: After, type: inject, data: {after: true}, end: true}
"""


@pytest.mark.parametrize("exclusive", ["true", "false"])
async def test_event_timeout_moves_on_without_running_actions(client, exclusive):
    ir = workflow(TIMEOUT.replace("EXCLUSIVE", exclusive))
    async with running(client, [ir], mocks={"act": {"acted": True}}) as (service, book):
        started = await service.start(ir, {})
        if exclusive == "false":  # one of the two: the state must still time out, and run nothing
            await service.send_event(started.instance_id, cloud_event("test.a", "/t", {"a": 1}))
        result = await service.result(started.instance_id, timeout=RESULT_TIMEOUT)
        status = await service.describe(started.instance_id)
    assert result == {"begun": True, "after": True}
    assert status["visited"] == ["Begin", "Wait", "After"]
    assert "act" not in book.calls


EARLY = """
id: early
specVersion: "0.8"
start: Nap
events:
  - {name: Ping, type: test.ping, source: /t}
states:
  - {name: Nap, type: sleep, duration: PT1S, transition: Wait}
  - name: Wait
    type: event
    onEvents: [{eventRefs: [Ping]}]
    end: true
"""


async def test_an_event_sent_before_the_state_waits_is_buffered_until_consumed(client):
    ir = workflow(EARLY)
    async with running(client, [ir]) as (service, _):
        started = await service.start(ir, {})
        await service.send_event(started.instance_id, cloud_event("test.ping", "/t", {"early": True}))
        status = await service.describe(started.instance_id)
        assert status["current_state"] == "Nap" and status["pending_events"] == 1
        assert await service.result(started.instance_id, timeout=RESULT_TIMEOUT) == {"early": True}


COUNTER = """
id: counter
specVersion: "0.8"
start: Wait
events:
  - {name: Tick, type: test.tick, source: /t}
functions:
  - {name: increment, type: expression, operation: ".count + 1"}
states:
  - name: Wait
    type: event
    onEvents:
      - eventRefs: [Tick]
        actions: [{functionRef: increment, actionDataFilter: {toStateData: "${ .count }"}}]
    transition: Enough
  - name: Enough
    type: switch
    dataConditions:
      - {condition: "${ .count >= LIMIT }", end: true}
    defaultCondition: {transition: Wait}
"""


async def test_a_duplicate_delivery_is_consumed_once(client):
    ir = workflow(COUNTER.replace("LIMIT", "2"))
    first = cloud_event("test.tick", "/t", {"n": 1})
    async with running(client, [ir]) as (service, _):
        started = await service.start(ir, {"count": 0})
        for event in (
            first,
            first,
            {**first, "data": {"n": "changed, same id"}},
            cloud_event("test.tick", "/t", {"n": 2}),
        ):
            await service.send_event(started.instance_id, event)
        result = await service.result(started.instance_id, timeout=RESULT_TIMEOUT)
        status = await service.describe(started.instance_id)
    assert result == {"count": 2, "n": 2}
    assert status["visited"] == ["Wait", "Enough", "Wait", "Enough"]


ORDER_STEPS = """
id: orderflow
specVersion: "0.8"
start: Created
events:
  - name: Created
    type: order.created
    source: /orders
    correlation: [{contextAttributeName: orderId}]
  - name: Shipped
    type: order.shipped
    source: /orders
    correlation: [{contextAttributeName: orderId}]
states:
  - name: Created
    type: event
    onEvents: [{eventRefs: [Created], eventDataFilter: {toStateData: "${ .created }"}}]
    transition: Shipped
  - name: Shipped
    type: event
    onEvents: [{eventRefs: [Shipped], eventDataFilter: {toStateData: "${ .shipped }"}}]
    end: true
"""


async def test_correlation_learned_from_the_first_event_filters_the_later_ones(client):
    ir = workflow(ORDER_STEPS)
    async with running(client, [ir]) as (service, _):
        started = await service.start(ir, {})
        instance = started.instance_id
        await service.send_event(instance, cloud_event("order.created", "/orders", {"n": 1}, orderid="O-1"))
        await waiting_in(service, instance, "Shipped")
        await service.send_event(
            instance, cloud_event("order.shipped", "/orders", {"n": "other"}, orderid="O-2")
        )
        await service.send_event(instance, cloud_event("order.shipped", "/orders", {"n": "no id"}))
        await service.send_event(instance, cloud_event("order.shipped", "/orders", {"n": 2}, orderid="O-1"))
        result = await service.result(instance, timeout=RESULT_TIMEOUT)
        indexed = (await service.handle(instance).describe()).typed_search_attributes
    assert result == {"created": {"n": 1}, "shipped": {"n": 2}}
    assert indexed.get(SearchAttributeKey.for_keyword_list(SEARCH_CORRELATION)) == ["orderId=O-1"]


async def test_correlation_learned_before_a_continue_as_new_still_filters_after_it(client):
    """1,200 states between the two events: the instance continues as new (every 1,000 states) and the next
    run knows the learned ``orderId`` only from the search attribute the first run indexed."""
    counting = ORDER_STEPS.replace("transition: Shipped", "transition: Count").replace(
        "states:",
        """functions:
  - {name: bump, type: expression, operation: '.count + 1'}
states:
  - name: Count
    type: operation
    actions: [{functionRef: bump, actionDataFilter: {toStateData: "${ .count }"}}]
    transition: Enough
  - name: Enough
    type: switch
    dataConditions: [{condition: "${ .count >= 600 }", transition: Shipped}]
    defaultCondition: {transition: Count}""",
    )
    ir = workflow(counting)
    async with running(client, [ir]) as (service, _):
        started = await service.start(ir, {"count": 0})
        instance = started.instance_id
        await service.send_event(instance, cloud_event("order.created", "/orders", {"n": 1}, orderid="O-1"))
        await waiting_in(service, instance, "Shipped")
        await service.send_event(
            instance, cloud_event("order.shipped", "/orders", {"n": "other"}, orderid="O-2")
        )
        await service.send_event(instance, cloud_event("order.shipped", "/orders", {"n": 2}, orderid="O-1"))
        result = await service.result(instance, timeout=RESULT_TIMEOUT)
        runs = await run_chain(client, instance)
    assert result == {"count": 600, "created": {"n": 1}, "shipped": {"n": 2}}
    assert len(runs) >= 2


# --- switch and callback -------------------------------------------------------------------------------

VISA = """
id: visa
specVersion: "0.8"
start: Decide
events:
  - {name: Approved, type: visa.approved, source: /visa}
  - {name: Rejected, type: visa.rejected, source: /visa}
states:
  - name: Decide
    type: switch
    timeouts: {eventTimeout: PT1S}
    eventConditions:
      - {eventRef: Approved, transition: Welcome, eventDataFilter: {toStateData: "${ .decision }"}}
      - {eventRef: Rejected, transition: Goodbye}
    defaultCondition: {transition: Undecided}
  - {name: Welcome, type: inject, data: {outcome: welcome}, end: true}
  - {name: Goodbye, type: inject, data: {outcome: goodbye}, end: true}
  - {name: Undecided, type: inject, data: {outcome: undecided}, end: true}
"""


@pytest.mark.parametrize(
    ("event_type", "expected"),
    [
        ("visa.approved", {"decision": {"by": "consul"}, "outcome": "welcome"}),
        ("visa.rejected", {"by": "consul", "outcome": "goodbye"}),
        (None, {"outcome": "undecided"}),
    ],
)
async def test_switch_event_conditions_follow_the_arriving_event_or_the_default(client, event_type, expected):
    ir = workflow(VISA)
    async with running(client, [ir]) as (service, _):
        started = await service.start(ir, {})
        if event_type:
            await service.send_event(started.instance_id, cloud_event(event_type, "/visa", {"by": "consul"}))
        assert await service.result(started.instance_id, timeout=RESULT_TIMEOUT) == expected


CALLBACK = """
id: credit
specVersion: "0.8"
start: Check
events:
  - name: Checked
    type: credit.checked
    source: /credit
    correlation: [{contextAttributeName: customerid}]
functions:
  - {name: requestCheck, operation: "http://credit#check"}
states:
  - name: Check
    type: callback
    action:
      functionRef: {refName: requestCheck, arguments: {customer: "${ .customer }"}}
      actionDataFilter: {toStateData: "${ .request }"}
    eventRef: Checked
    eventDataFilter: {data: "${ .decision }", toStateData: "${ .decision }"}
    timeouts: {eventTimeout: PT1S}
    transition: Done
  - {name: Done, type: inject, data: {done: true}, end: true}
"""


async def test_callback_state_runs_its_action_then_merges_the_callback_event(client):
    ir = workflow(CALLBACK)
    async with running(client, [ir], mocks={"requestCheck": {"ticket": 7}}) as (service, book):
        started = await service.start(ir, {"customer": "C-1"})
        await waiting_in(service, started.instance_id, "Check")
        await eventually(lambda: asyncio.sleep(0, result=book.calls.get("requestCheck")), what="the action")
        decision = cloud_event("credit.checked", "/credit", {"decision": "approved"}, customerid="C-1")
        await service.send_event(started.instance_id, decision)
        result = await service.result(started.instance_id, timeout=RESULT_TIMEOUT)
    assert book.calls["requestCheck"] == [{"customer": "C-1"}]
    assert result == {"customer": "C-1", "request": {"ticket": 7}, "decision": "approved", "done": True}


async def test_callback_event_timeout_moves_on_with_the_actions_results(client):
    ir = workflow(CALLBACK)
    async with running(client, [ir], mocks={"requestCheck": {"ticket": 7}}) as (service, _):
        result = await finish(service, ir, {"customer": "C-1"})
    assert result == {"customer": "C-1", "request": {"ticket": 7}, "done": True}


# --- eventRef actions and produced events --------------------------------------------------------------

VET = """
id: vet
specVersion: "0.8"
start: Appointment
events:
  - {name: MakeAppointment, type: vet.appointment.requested, kind: produced}
  - {name: AppointmentInfo, type: vet.appointment.made, source: /vet}
states:
  - name: Appointment
    type: operation
    actions:
      - eventRef:
          triggerEventRef: MakeAppointment
          data: "${ .patient }"
          contextAttributes: {clinic: north}
          resultEventRef: AppointmentInfo
          resultEventTimeout: TIMEOUT
          invoke: INVOKE
        actionDataFilter: {results: "${ .slot }", toStateData: "${ .appointment }"}
    onErrors:
      - {errorRef: timeout, transition: NoAppointment}
    end: true
  - {name: NoAppointment, type: inject, data: {appointment: none}, end: true}
errors:
  - {name: timeout, code: timeout}
"""


def vet(timeout: str = "PT10S", invoke: str = "sync") -> WorkflowIR:
    return workflow(VET.replace("TIMEOUT", timeout).replace("INVOKE", invoke))


async def test_event_ref_produces_the_trigger_then_merges_the_result_event(client):
    ir = vet()
    sink = Collected()
    async with running(client, [ir], sinks=[sink]) as (service, _):
        started = await service.start(ir, {"patient": {"name": "Mia"}})
        await eventually(lambda: asyncio.sleep(0, result=sink.events), what="the trigger event")
        answer = cloud_event("vet.appointment.made", "/vet", {"slot": "Tue 10:00"})
        await service.send_event(started.instance_id, answer)
        result = await service.result(started.instance_id, timeout=RESULT_TIMEOUT)
    [trigger] = sink.events
    assert trigger["type"] == "vet.appointment.requested" and trigger["data"] == {"name": "Mia"}
    assert trigger["clinic"] == "north" and trigger["swengineinstance"] == started.instance_id
    assert parse_event(trigger) == trigger
    assert result == {"patient": {"name": "Mia"}, "appointment": "Tue 10:00"}


async def test_a_missing_result_event_is_an_error_on_errors_can_handle(client):
    ir = vet(timeout="PT1S")
    async with running(client, [ir]) as (service, _):
        result = await finish(service, ir, {"patient": {"name": "Mia"}})
    assert result == {"patient": {"name": "Mia"}, "appointment": "none"}


async def test_an_event_ref_invoked_async_does_not_wait_for_a_result(client):
    ir = vet(invoke="async")
    sink = Collected()
    async with running(client, [ir], sinks=[sink]) as (service, _):
        started = await service.start(ir, {"patient": {"name": "Mia"}})
        result = await service.result(started.instance_id, timeout=RESULT_TIMEOUT)
        status = await service.describe(started.instance_id)
    assert result == {"patient": {"name": "Mia"}}
    assert [e["type"] for e in status["produced_events"]] == ["vet.appointment.requested"]
    assert [e["id"] for e in sink.events] == [e["id"] for e in status["produced_events"]]


PRODUCER = """
id: producer
specVersion: "0.8"
start: First
events:
  - {name: Progress, type: job.progress, kind: produced, source: /jobs}
  - {name: Finished, type: job.finished, kind: produced}
states:
  - name: First
    type: inject
    data: {step: 1}
    transition:
      nextState: Second
      produceEvents: [{eventRef: Progress, data: "${ {step} }", contextAttributes: {jobid: J-1}}]
  - name: Second
    type: inject
    data: {step: 2}
    end:
      produceEvents:
        - {eventRef: Progress, data: {literal: true}}
        - {eventRef: Finished, data: "${ .step }"}
"""


async def test_produce_events_on_transitions_and_end_reach_the_status_and_the_sink(client):
    ir = workflow(PRODUCER)
    sink = Collected()
    async with running(client, [ir], sinks=[sink]) as (service, _):
        started = await service.start(ir, {})
        await service.result(started.instance_id, timeout=RESULT_TIMEOUT)
        produced = (await service.describe(started.instance_id))["produced_events"]
    assert [(e["type"], e["data"]) for e in produced] == [
        ("job.progress", {"step": 1}),
        ("job.progress", {"literal": True}),
        ("job.finished", 2),
    ]
    assert produced[0]["jobid"] == "J-1" and produced[0]["source"] == "/jobs"
    assert produced[2]["source"] == "/swengine/producer"
    assert len({e["id"] for e in produced}) == 3
    assert sink.events == produced
    assert all(parse_event(e) == e for e in produced)


# --- the router ----------------------------------------------------------------------------------------

GREETER = """
id: greeter
specVersion: "0.8"
start: Greet
events:
  - {name: Hello, type: greet.hello, source: /people}
states:
  - name: Greet
    type: event
    onEvents: [{eventRefs: [Hello], eventDataFilter: {toStateData: "${ .greeted }"}}]
    end: true
"""


async def test_a_start_event_starts_one_instance_however_often_it_is_routed(client):
    ir = workflow(GREETER)
    async with running(client, [ir]) as (service, _):
        router = EventRouter(service, lambda: [ir])
        hello = cloud_event("greet.hello", "/people", {"name": "Ada"})
        first = await router.route(hello)
        [instance] = first.started
        assert first.delivered == []
        assert await service.result(instance, timeout=RESULT_TIMEOUT) == {"greeted": {"name": "Ada"}}
        again = await router.route(hello)
        other = await router.route(cloud_event("greet.hello", "/people", {"name": "Bob"}))
    assert again.started == again.delivered == []
    assert len(other.started) == 1 and other.started != first.started


COLLEGE = """
id: college
specVersion: "0.8"
start: Collect
events:
  - name: Submitted
    type: app.submitted
    source: /apply
    correlation: [{contextAttributeName: applicantId}]
  - name: Scores
    type: app.scores
    source: /apply
    correlation: [{contextAttributeName: applicantId}]
states:
  - name: Collect
    type: event
    exclusive: false
    onEvents:
      - {eventRefs: [Submitted], eventDataFilter: {toStateData: "${ .application }"}}
      - {eventRefs: [Scores], eventDataFilter: {toStateData: "${ .scores }"}}
    end: true
"""


async def test_correlated_start_events_gather_in_the_instance_the_first_one_started(client):
    ir = workflow(COLLEGE)
    async with running(client, [ir]) as (service, _):
        router = EventRouter(service, lambda: [ir])
        scores = cloud_event("app.scores", "/apply", {"sat": 1500}, applicantid="A-1")
        first = await router.route(scores)
        assert first.started == ["college/applicantId=A-1"]
        duplicate = await router.route(scores)
        other = await router.route(cloud_event("app.submitted", "/apply", {"n": 2}, applicantid="A-2"))
        submitted = await router.route(cloud_event("app.submitted", "/apply", {"n": 1}, applicantid="A-1"))
        result = await service.result("college/applicantId=A-1", timeout=RESULT_TIMEOUT)
        again = await router.route(scores)
    assert duplicate.delivered == ["college/applicantId=A-1"] and duplicate.started == []
    assert other.started == ["college/applicantId=A-2"]
    assert submitted.delivered == ["college/applicantId=A-1"]
    assert result == {"application": {"n": 1}, "scores": {"sat": 1500}}
    assert again.started == again.delivered == [], "a closed instance already consumed this very event"


async def test_running_instances_waiting_for_the_type_are_signalled_unless_their_correlation_conflicts(
    client,
):
    ir = workflow(ORDER_STEPS)
    async with running(client, [ir]) as (service, _):
        router = EventRouter(service, lambda: [])  # not startable by events here: only (b) applies
        one = (await service.start(ir, {})).instance_id
        two = (await service.start(ir, {})).instance_id
        await service.send_event(one, cloud_event("order.created", "/orders", {}, orderid="O-1"))
        await service.send_event(two, cloud_event("order.created", "/orders", {}, orderid="O-2"))

        async def learned() -> bool:
            key = SearchAttributeKey.for_keyword_list(SEARCH_CORRELATION)
            found = [e.typed_search_attributes.get(key) async for e in client.list_workflows(
                f"WorkflowId = '{one}' OR WorkflowId = '{two}'")]  # fmt: skip
            return sorted(map(str, found)) == ["['orderId=O-1']", "['orderId=O-2']"]

        await eventually(learned, what="both instances to index their correlation")
        shipped = cloud_event("order.shipped", "/orders", {"to": "one"}, orderid="O-1")
        result = await router.route(shipped)
        assert result.delivered == [one] and result.started == []
        assert await service.result(one, timeout=RESULT_TIMEOUT) == {"created": {}, "shipped": {"to": "one"}}
        assert (await service.describe(two))["status"] == "running"
        await service.terminate(two)


async def test_an_event_nothing_consumes_reaches_nothing(client):
    ir = workflow(GREETER)
    async with running(client, [ir]) as (service, _):
        router = EventRouter(service, lambda: [ir])
        result = await router.route(cloud_event("nobody.cares", "/void", {"x": 1}))
        wrong_source = await router.route(cloud_event("greet.hello", "/robots", {"x": 1}))
        quoted = await router.route(cloud_event("o'brien\\type", "/void", {"x": 1}))  # quoted in the query
    assert (result.delivered, result.started) == ([], [])
    assert (quoted.delivered, quoted.started) == ([], [])
    assert (wrong_source.delivered, wrong_source.started) == ([], [])


async def test_a_malformed_cloud_event_is_refused_before_it_reaches_an_instance(client):
    ir = workflow(EARLY)
    async with running(client, [ir]) as (service, _):
        started = await service.start(ir, {})
        body = json.dumps({"specversion": "1.0", "source": "/t", "type": "test.ping", "data": {}}).encode()
        with pytest.raises(EventError, match="'id'"):
            parse_http({"content-type": "application/cloudevents+json"}, body)
        await waiting_in(service, started.instance_id, "Wait")
        assert (await service.describe(started.instance_id))["pending_events"] == 0
        await service.terminate(started.instance_id)


async def test_produced_events_start_and_wake_other_workflows_through_the_router_sink(client):
    producer = workflow(PRODUCER)
    greeter = workflow(
        GREETER.replace("greet.hello", "job.finished").replace("/people", "/swengine/producer")
    )
    forward = RouteLater()
    async with running(client, [producer, greeter], sinks=[forward]) as (service, _):
        forward.router = EventRouter(service, lambda: [greeter])
        started = await service.start(producer, {})
        await service.result(started.instance_id, timeout=RESULT_TIMEOUT)
        produced = (await service.describe(started.instance_id))["produced_events"]
        instance = start_instance_id("greeter", produced[2], greeter.events[0])
        assert await service.result(instance, timeout=RESULT_TIMEOUT) == {"greeted": 2}


async def test_a_long_event_timeout_passes_under_time_skipping(time_skipping_env):
    ir = workflow(TIMEOUT.replace("EXCLUSIVE", "true").replace("PT1S", "P3D"))
    task_queue = f"test-{uuid.uuid4()}"
    async with build_worker(time_skipping_env.client, task_queue=task_queue):
        service = Service(time_skipping_env.client, task_queue=task_queue, search_attributes=False)
        started = await service.start(ir, {})
        await time_skipping_env.sleep(timedelta(days=2))
        assert (await service.describe(started.instance_id))["current_state"] == "Wait"
        # Service.result uses a handle from get_workflow_handle, which the test server does not skip time
        # for on its own: skip past the timeout explicitly.
        await time_skipping_env.sleep(timedelta(days=1, minutes=1))
        assert await service.result(started.instance_id, timeout=RESULT_TIMEOUT) == {
            "begun": True,
            "after": True,
        }


# --- the published 0.8 examples ------------------------------------------------------------------------


def example(
    examples_dir: Path, name: str, tmp_path: Path, patch: Callable[[dict], None] | None = None
) -> WorkflowIR:
    """Compile an example staged with the files it references (under the names it uses), after ``patch``."""
    prefix = name.split(".", 1)[0]
    for path in examples_dir.glob(prefix + ".*"):
        shutil.copy(path, tmp_path / path.name[len(prefix) + 1 :])
    source = examples_dir / name
    document = (
        yaml.safe_load(source.read_text()) if source.suffix == ".yaml" else json.loads(source.read_text())
    )
    if patch is not None:
        patch(document)
    target = tmp_path / (source.stem + ".json")
    target.write_text(json.dumps(document))
    return compile_path(target)


def example_json(examples_dir: Path, suffix: str) -> Any:
    return json.loads(next(examples_dir.glob(f"*{suffix}")).read_text())


async def test_example_03_greets_from_its_event(client, examples_dir, tmp_path):
    ir = example(examples_dir, "03-event-based-greeting.yaml", tmp_path)
    published = example_json(examples_dir, "03-event-based-greeting.event.json")
    with pytest.raises(EventError, match="'id'"):
        parse_event(published)  # published without an id: refused, as any event without one
    mock = example_json(examples_dir, "03-event-based-greeting.mock-greetingFunction.json")
    async with running(client, [ir], mocks={"greetingFunction": mock}) as (service, book):
        result = await EventRouter(service, lambda: [ir]).route(parse_event({**published, "id": "greet-1"}))
        output = await service.result(result.started[0], timeout=RESULT_TIMEOUT)
    assert output == example_json(examples_dir, "03-event-based-greeting.expected.json")
    assert book.calls["greetingFunction"] == [{"name": "John"}]


async def test_example_12_produces_the_completion_event(client, examples_dir, tmp_path):
    ir = example(examples_dir, "12-send-cloudevent-on-workflow-completion.json", tmp_path)
    expected = example_json(examples_dir, ".expected-event.json")
    orders = expected["data"]["provisionedOrders"]
    sink = Collected()
    data = example_json(examples_dir, "12-send-cloudevent-on-workflow-completion.input.json")
    async with running(
        client, [ir], mocks={"provisionOrderFunction": {"sequence": orders}}, sinks=[sink]
    ) as (
        service,
        _,
    ):
        await finish(service, ir, data)
    [event] = sink.events
    assert {k: event[k] for k in ("specversion", "type", "datacontenttype")} == {
        k: expected[k] for k in ("specversion", "type", "datacontenttype")
    }
    # The definition's data is "${ .provisionedOrders }" (the array); the published event wraps it in an
    # object: we follow the definition.
    assert event["data"] == orders


async def test_example_13_calls_the_function_for_the_vital_sign_received(client, examples_dir, tmp_path):
    ir = example(examples_dir, "13-monitor-patient-vital-signs.json", tmp_path)
    published = example_json(examples_dir, "13-monitor-patient-vital-signs.event.json")
    with pytest.raises(EventError, match="use 'patientid'"):
        parse_event(published)  # CloudEvents attribute names are lowercase
    event = parse_event(
        {**{k: v for k, v in published.items() if k != "patientId"}, "patientid": "PID-12345"}
    )
    mocks = {"sendTylenolOrder": {"ordered": True}, "callNurse": {}, "callPulmonologist": {}}
    async with running(client, [ir], mocks=mocks) as (service, book):
        router = EventRouter(service, lambda: [ir])
        [instance] = (await router.route(event)).started
        await service.result(instance, timeout=RESULT_TIMEOUT)
        visited = (await service.describe(instance))["visited"]
    assert instance == "patientVitalsWorkflow/patientId=PID-12345"
    assert list(book.calls) == ["sendTylenolOrder"] and visited == ["MonitorVitals"]


async def test_example_14_finalizes_once_all_three_correlated_events_arrived(client, examples_dir, tmp_path):
    ir = example(examples_dir, "14-finalize-college-application.json", tmp_path)
    async with running(client, [ir], mocks={"finalizeApplicationFunction": {"final": True}}) as (
        service,
        book,
    ):
        router = EventRouter(service, lambda: [ir])
        kinds = [
            "org.application.recommendationLetter",
            "org.application.satscores",
            "org.application.submitted",
        ]
        results = [
            await router.route(
                cloud_event(kind, "applicationsource", {kind.rsplit(".", 1)[1]: True}, applicantid="S1")
            )
            for kind in kinds
        ]
        instance = results[0].started[0]
        output = await service.result(instance, timeout=RESULT_TIMEOUT)
    assert [r.delivered for r in results[1:]] == [[instance], [instance]]
    assert output == {"recommendationLetter": True, "satscores": True, "submitted": True, "final": True}
    assert len(book.calls["finalizeApplicationFunction"]) == 1


def _fix_15(document: dict) -> None:
    """Published defect: the callback calls callCreditCheckMicroservice, which is defined as creditCheckFunction."""
    document["states"][0]["action"]["functionRef"]["refName"] = "creditCheckFunction"


@pytest.mark.parametrize(
    ("suffix", "path"), [("event-approved", "StartApplication"), ("event-denied", "RejectApplication")]
)
async def test_example_15_decides_on_the_credit_check_callback(client, examples_dir, tmp_path, suffix, path):
    ir = example(examples_dir, "15-perform-customer-credit-check.json", tmp_path, _fix_15)
    start_application = workflow("""
        id: startApplicationWorkflowId
        specVersion: "0.8"
        start: S
        states: [{name: S, type: inject, data: {started: true}, end: true}]
    """)
    data = example_json(examples_dir, "15-perform-customer-credit-check.input.json")
    published = example_json(examples_dir, f"15-perform-customer-credit-check.{suffix}.json")
    # Published without id, source and the customerId correlation attribute; its creditCheck is an array, which
    # the definition's conditions (.creditCheck | .decision) cannot read: the example's text shows one object.
    event = parse_event({
        **published, "id": f"credit-{suffix}", "source": "creditCheckSource", "customerid": "customer123",
        "data": {"creditCheck": published["data"]["creditCheck"][0]},
    })  # fmt: skip
    mocks = {"creditCheckFunction": {}, "sendRejectionEmailFunction": {"sent": True}}
    async with running(client, [ir, start_application], mocks=mocks) as (service, book):
        started = await service.start(ir, data, correlation={"customerId": "customer123"})
        await waiting_in(service, started.instance_id, "CheckCredit")
        await route_until(EventRouter(service, lambda: [ir]), event, started.instance_id)
        await service.result(started.instance_id, timeout=RESULT_TIMEOUT)
        visited = (await service.describe(started.instance_id))["visited"]
    assert visited == ["CheckCredit", "EvaluateDecision", path]
    assert book.calls["creditCheckFunction"] == [{"customer": data["customer"]}]
    assert ("sendRejectionEmailFunction" in book.calls) == (path == "RejectApplication")


async def test_example_16_stores_a_bid_of_the_type_it_consumes(client, examples_dir, tmp_path):
    ir = example(examples_dir, "16-handle-car-auction-bids.json", tmp_path)
    published = example_json(examples_dir, "16-handle-car-auction-bids.event.json")
    published = {**published, "id": "bid-1", "source": "carBidEventSource"}
    async with running(client, [ir], mocks={"StoreBidFunction": {"stored": True}}) as (service, book):
        router = EventRouter(service, lambda: [ir])
        # Published defect: the event's type is carBidType, the definition consumes carBidMadeType.
        assert await router.route(parse_event(published)) == RouteResult()
        [instance] = (await router.route(parse_event({**published, "type": "carBidMadeType"}))).started
        output = await service.result(instance, timeout=RESULT_TIMEOUT)
    assert book.calls["StoreBidFunction"] == [{"bid": published["data"]["bid"]}]
    assert output == {**published["data"], "stored": True}


async def test_example_18_calls_the_vet_service_through_events(client, examples_dir, tmp_path):
    ir = example(examples_dir, "18-event-based-service-invocation.json", tmp_path)
    data = example_json(examples_dir, "18-event-based-service-invocation.input.json")
    sink = Collected()
    async with running(client, [ir], sinks=[sink]) as (service, _):
        started = await service.start(ir, data)
        await eventually(lambda: asyncio.sleep(0, result=sink.events), what="the appointment request")
        [request] = sink.events
        answer = cloud_event(
            "events.vet.appointments", "VetServiceSource", {"appointmentInfo": {"at": "10:00"}}
        )
        await route_until(EventRouter(service, lambda: [ir]), answer, started.instance_id)
        output = await service.result(started.instance_id, timeout=RESULT_TIMEOUT)
    assert request["type"] == "events.vet.appointments" and request["data"] == data["patientInfo"]
    assert request["source"] == "VetServiceSource"
    assert output == {**data, "at": "10:00"}


@pytest.mark.parametrize(
    ("available", "path"), [("true", "SendPaymentSuccess"), ("false", "SendInsufficientResults")]
)
async def test_example_19_confirms_a_payment_with_reused_definitions(
    client, examples_dir, tmp_path, available, path
):
    ir = example(examples_dir, "19-reusing-function-and-event-definitions.json", tmp_path)
    mocks = {"checkFundsAvailability": {"funds": {"available": available}}, "sendSuccessEmail": {},
             "sendInsufficientFundsEmail": {}}  # fmt: skip
    sink = Collected()
    async with running(client, [ir], mocks=mocks, sinks=[sink]) as (service, book):
        payment = cloud_event(
            "payment.receive",
            "paymentEventSource",
            {"payment": {"amount": 30}, "customer": "C"},
            accountid="AC-1",
        )
        [instance] = (await EventRouter(service, lambda: [ir]).route(payment)).started
        await service.result(instance, timeout=RESULT_TIMEOUT)
        visited = (await service.describe(instance))["visited"]
    assert visited == ["PaymentReceived", "ConfirmBasedOnFunds", path]
    assert book.calls["checkFundsAvailability"] == [{"account": None, "paymentamount": 30}]
    assert [(e["type"], e["data"]) for e in sink.events] == [("payment.confirmation", {"amount": 30})]


def _fix_20(document: dict) -> None:
    """Published defects: the event is named StorePatient but referenced as NewPatientEvent; the function
    StorePatient is defined as StoreNewPatientInfo."""
    document["events"][0]["name"] = "NewPatientEvent"
    document["functions"][0]["name"] = "StorePatient"


async def test_example_20_onboards_a_new_patient(client, examples_dir, tmp_path):
    ir = example(examples_dir, "20-new-patient-onboarding.json", tmp_path, _fix_20)
    data = example_json(examples_dir, "20-new-patient-onboarding.event-data.json")
    mocks = {
        "StorePatient": {"stored": True},
        "AssignDoctor": {"doctor": "Dr. Who"},
        "ScheduleAppt": {"at": "9:00"},
    }
    async with running(client, [ir], mocks=mocks) as (service, book):
        # The definition's source "newpatient/+" reads like a wildcard; 0.8 defines none: sources match exactly.
        event = cloud_event("new.patients.event", "newpatient/+", data)
        [instance] = (await EventRouter(service, lambda: [ir]).route(event)).started
        output = await service.result(instance, timeout=RESULT_TIMEOUT)
    assert list(book.calls) == ["StorePatient", "AssignDoctor", "ScheduleAppt"]
    assert output == {**data, "stored": True, "doctor": "Dr. Who", "at": "9:00"}


def _fix_21(document: dict) -> None:
    """Published defect: workflowExecTimeout PT30D is not ISO 8601 (P30D)."""
    document["timeouts"]["workflowExecTimeout"]["duration"] = "P30D"


async def test_example_21_follows_an_order_through_its_events(client, examples_dir, tmp_path):
    ir = example(examples_dir, "21-purchase-order-deadline.json", tmp_path, _fix_21)
    mocks = {
        name: {} for name in ("LogNewOrderCreated", "LogOrderConfirmed", "LogOrderShipped", "CancelOrder")
    }
    sink = Collected()
    async with running(client, [ir], mocks=mocks, sinks=[sink]) as (service, book):
        router = EventRouter(service, lambda: [ir])
        [instance] = (
            await router.route(cloud_event("my.company.orders", "/orders/new", {}, orderid="O-9"))
        ).started
        # Shipped before confirmed: buffered until the instance waits for it.
        await route_until(
            router, cloud_event("my.company.orders", "/orders/shipped", {}, orderid="O-9"), instance
        )
        await route_until(
            router, cloud_event("my.company.orders", "/orders/confirmed", {}, orderid="O-9"), instance
        )
        await service.result(instance, timeout=RESULT_TIMEOUT)
        visited = (await service.describe(instance))["visited"]
    assert visited == ["StartNewOrder", "WaitForOrderConfirmation", "WaitOrderShipped"]
    assert list(book.calls) == ["LogNewOrderCreated", "LogOrderConfirmed", "LogOrderShipped"]
    assert [e["type"] for e in sink.events] == ["my.company.orders"]


async def test_example_22_accumulates_readings_until_the_deadline_then_reports(
    time_skipping_env, examples_dir, tmp_path
):
    ir = example(examples_dir, "22-accumulate-room-readings.json", tmp_path)
    book = MockBook(
        {"LogReading": MockSpec(returns={}), "ProduceReport": MockSpec(returns={"report": "done"})}
    )
    task_queue = f"test-{uuid.uuid4()}"
    mocks = mock_activities(book, [ir])
    async with build_worker(time_skipping_env.client, task_queue=task_queue, extra_activities=mocks):
        service = Service(time_skipping_env.client, task_queue=task_queue, search_attributes=False)
        reading = cloud_event("my.home.sensors", "/home/rooms/+", {"temperature": 21}, roomid="kitchen")
        started = await service.start(ir, {}, first_event=reading)
        await time_skipping_env.sleep(timedelta(minutes=10))
        assert (await service.describe(started.instance_id))["status"] == "running", (
            "keepActive: stays active"
        )
        humidity = cloud_event("my.home.sensors", "/home/rooms/+", {"humidity": 40}, roomid="kitchen")
        await service.send_event(started.instance_id, humidity)
        await time_skipping_env.sleep(timedelta(minutes=5))
        assert (await service.describe(started.instance_id))["status"] == "running"
        await time_skipping_env.sleep(timedelta(hours=1))
        await service.result(started.instance_id, timeout=RESULT_TIMEOUT)
    # both readings accumulated in one kept-active instance, reported by runBefore at the deadline
    assert book.calls["ProduceReport"] == [{"data": {"temperature": 21, "humidity": 40}}]
    assert len(book.calls["LogReading"]) == 2
