"""Payload and history limits: oversized or too deeply nested data fails its state with a clear, catchable
error (or is refused at the API) instead of leaving an instance stuck retrying; a 20,000-iteration loop
finishes through continue-as-new with its data intact."""

from __future__ import annotations

import time
from typing import Any

import pytest
from temporalio.client import Client

from swengine.compiler.pipeline import compile_text
from swengine.core.limits import MAX_DEPTH, PAYLOAD_LIMIT
from swengine.runtime.service import InstanceFailed
from tests.api.conftest import Api, ApiFactory, assert_problem, deploy, start, unique
from tests.integration.conftest import run_chain, running

STRUCTURED = {"content-type": "application/cloudevents+json"}
BLOB = "x" * (PAYLOAD_LIMIT // 4 + 1000)
"""Small enough to send, four of them are over the payload limit."""

WAIT = """id: {id}
version: "1.0"
specVersion: "0.8"
start: Wait
events:
  - {{name: poke, type: com.example.reliability.poke, source: /reliability}}
states:
  - name: Wait
    type: event
    onEvents: [{{eventRefs: [poke], eventDataFilter: {{toStateData: "${{ .poke }}"}}}}]
    end: true
"""

# Each operation produces too much (or too deep) data; onErrors catches it by its stable code.
OVERSIZED = """id: {id}
version: "1.0"
specVersion: "0.8"
start: FromActivity
errors:
  - {{name: too big, code: payload_too_large}}
  - {{name: too deep, code: nesting_too_deep}}
functions:
  - {{name: echo, type: custom, operation: builtin.echo}}
  - {{name: quadruple, type: expression, operation: "[.blob, .blob, .blob, .blob]"}}
  - {{name: nest, type: expression, operation: "reduce range(600) as $i (0; [.])"}}
states:
  - name: FromActivity
    type: operation
    actions:
      - functionRef: {{refName: echo, arguments: {{a: "${{ .blob }}", b: "${{ .blob }}", c: "${{ .blob }}", d: "${{ .blob }}"}}}}
        actionDataFilter: {{toStateData: "${{ .echoed }}"}}
    onErrors: [{{errorRef: too big, transition: FromExpression}}]
    transition: FromExpression
  - name: FromExpression
    type: operation
    actions:
      - functionRef: quadruple
        actionDataFilter: {{toStateData: "${{ .quadrupled }}"}}
    onErrors: [{{errorRef: too big, transition: Deep}}]
    transition: Deep
  - name: Deep
    type: operation
    actions:
      - functionRef: nest
        actionDataFilter: {{toStateData: "${{ .nested }}"}}
    onErrors: [{{errorRef: too deep, transition: Survived}}]
    transition: Survived
  - name: Survived
    type: inject
    data: {{survived: true}}
    end: true
"""

UNCAUGHT = """id: {id}
version: "1.0"
specVersion: "0.8"
start: Grow
functions:
  - {{name: quadruple, type: expression, operation: "[.blob, .blob, .blob, .blob]"}}
states:
  - name: Grow
    type: operation
    actions: [{{functionRef: quadruple, actionDataFilter: {{toStateData: "${{ .quadrupled }}"}}}}]
    end: true
"""

COUNTDOWN = """id: long-countdown
version: "1.0"
specVersion: "0.8"
start: Check
functions:
  - {name: decrement, type: expression, operation: ".count - 1"}
  - {name: tally, type: expression, operation: ".ticks + 1"}
states:
  - name: Check
    type: switch
    dataConditions:
      - {condition: "${ .count <= 0 }", transition: Liftoff}
    defaultCondition: {transition: Tick}
  - name: Tick
    type: operation
    actions:
      - {functionRef: decrement, actionDataFilter: {toStateData: "${ .count }"}}
      - {functionRef: tally, actionDataFilter: {toStateData: "${ .ticks }"}}
    transition: Check
  - {name: Liftoff, type: inject, data: {message: liftoff}, end: true}
"""
ITERATIONS = 20_000


def cloud_event(data: Any) -> dict[str, Any]:
    return {"specversion": "1.0", "id": unique("evt"), "source": "/reliability",
            "type": "com.example.reliability.poke", "data": data}  # fmt: skip


def nested(depth: int) -> Any:
    value: Any = 0
    for _ in range(depth):
        value = [value]
    return value


async def test_oversized_or_too_deep_events_and_inputs_are_refused_at_the_api(make_api: ApiFactory) -> None:
    # the body limit above the payload limit, so the payload limit itself answers
    async with make_api(max_body=4 * PAYLOAD_LIMIT) as api:
        definition = unique("wait")
        await deploy(api, WAIT.format(id=definition))
        waiting = await start(api, definition)

        big = cloud_event({"blob": "x" * (PAYLOAD_LIMIT + 1)})
        for path in ("/events", f"/instances/{waiting}/events"):
            problem = assert_problem(
                await api.http.post(path, json=big, headers=STRUCTURED), 413, "payload_too_large"
            )
            assert "over the limit" in problem["detail"]
        deep = cloud_event(nested(MAX_DEPTH + 1))
        for path in ("/events", f"/instances/{waiting}/events"):
            assert_problem(await api.http.post(path, json=deep, headers=STRUCTURED), 400, "nesting_too_deep")
        binary = {"ce-specversion": "1.0", "ce-id": unique("bin"), "ce-source": "/reliability",
                  "ce-type": "com.example.reliability.poke", "content-type": "application/octet-stream"}  # fmt: skip
        response = await api.http.post("/events", content=b"\xff" * (PAYLOAD_LIMIT + 1), headers=binary)
        assert_problem(response, 413, "payload_too_large")

        too_big_input = {"definition": definition, "input": {"blob": "x" * (PAYLOAD_LIMIT + 1)}}
        assert_problem(await api.http.post("/instances", json=too_big_input), 413, "payload_too_large")
        too_deep_input = {"definition": definition, "input": {"deep": nested(MAX_DEPTH + 1)}}
        assert_problem(await api.http.post("/instances", json=too_deep_input), 400, "nesting_too_deep")

        # nothing reached the waiting instance, which still works
        detail = (await api.http.get(f"/instances/{waiting}")).json()
        assert (detail["status"], detail["current_state"], detail["pending_events"]) == ("running", "Wait", 0)
        fine = cloud_event(nested(MAX_DEPTH - 1))
        assert (
            await api.http.post(f"/instances/{waiting}/events", json=fine, headers=STRUCTURED)
        ).status_code == 200
        result = await api.http.get(f"/instances/{waiting}/result", params={"wait": "true"})
        assert result.json()["output"] == {"poke": nested(MAX_DEPTH - 1)}


async def test_oversized_results_fail_their_state_with_a_catchable_error(make_api: ApiFactory) -> None:
    async with make_api() as api:
        caught, uncaught = unique("oversized"), unique("uncaught")
        await deploy(api, OVERSIZED.format(id=caught))
        await deploy(api, UNCAUGHT.format(id=uncaught))
        began = time.monotonic()
        instance = await start(api, caught, {"blob": BLOB})
        result = await _result(api, instance)
        assert result["status"] == "completed", result
        assert result["output"]["survived"] is True
        assert set(result["output"]) == {"blob", "survived"}  # nothing oversized was merged
        detail = (await api.http.get(f"/instances/{instance}")).json()
        assert detail["visited"] == ["FromActivity", "FromExpression", "Deep", "Survived"]

        failing = await start(api, uncaught, {"blob": BLOB})
        failed = await api.http.get(f"/instances/{failing}/result", params={"wait": "true", "timeout": 30})
        problem = assert_problem(failed, 409, "instance_failed")
        assert problem["error"]["code"] == "payload_too_large"
        assert "over the limit" in problem["error"]["message"]
        assert time.monotonic() - began < 30  # failed at once, no retry loop


async def _result(api: Api, instance_id: str) -> dict[str, Any]:
    response = await api.http.get(f"/instances/{instance_id}/result", params={"wait": "true", "timeout": 30})
    body: dict[str, Any] = response.json()
    return body


async def test_twenty_thousand_iterations_finish_through_continue_as_new(client: Client) -> None:
    ir = compile_text(COUNTDOWN)
    async with running(client, [ir]) as (service, _):
        started = await service.start(ir, {"count": ITERATIONS, "ticks": 0, "keep": {"note": "intact"}})
        output = await service.result(started.instance_id, timeout=240)
        assert output == {"count": 0, "ticks": ITERATIONS, "keep": {"note": "intact"}, "message": "liftoff"}
        assert len(await run_chain(client, started.instance_id)) > 1
        first = client.get_workflow_handle(started.instance_id, run_id=started.run_id)
        events = [event async for event in first.fetch_history_events()]
        assert events[-1].HasField("workflow_execution_continued_as_new_event_attributes")
        status = await service.describe(started.instance_id)
        assert status["visited"][-2:] == ["Check", "Liftoff"]
        assert len(status["visited"]) <= 2000  # carried over, but bounded


ENDLESS_WITH_DEADLINE = """id: endless-with-deadline
version: "1.0"
specVersion: "0.8"
start: Check
timeouts: {workflowExecTimeout: PT4S}
functions: [{name: increment, type: expression, operation: ".n + 1"}]
states:
  - name: Check
    type: switch
    dataConditions: [{condition: "${ .n < 0 }", transition: Done}]
    defaultCondition: {transition: Step}
  - name: Step
    type: operation
    actions: [{functionRef: increment, actionDataFilter: {toStateData: "${ .n }"}}]
    transition: Check
  - {name: Done, type: inject, data: {}, end: true}
"""


async def test_workflow_exec_timeout_holds_across_continue_as_new(client: Client) -> None:
    """The deadline travels with the instance: each continued run does not get a fresh one."""
    ir = compile_text(ENDLESS_WITH_DEADLINE)
    async with running(client, [ir]) as (service, _):
        began = time.monotonic()
        started = await service.start(ir, {"n": 0})
        with pytest.raises(InstanceFailed) as failed:
            await service.result(started.instance_id, timeout=30)
        assert failed.value.code == "workflow_timeout"
        assert time.monotonic() - began < 10
        assert len(await run_chain(client, started.instance_id)) > 1  # it did continue as new on the way


UNCONSUMED = COUNTDOWN.replace("start: Check", "start: Nap").replace(
    "states:\n", "states:\n  - {name: Nap, type: sleep, duration: PT3S, transition: Check}\n"
)
"""The countdown after a nap, during which the events arrive."""


async def test_events_nobody_consumes_never_block_continue_as_new(make_api: ApiFactory) -> None:
    """Three ~900 KB events of a type the instance never consumes, then its automatic continue-as-new (1,000
    states): it used to carry 2.7 MB, over Temporal's limit, and fail its task forever."""
    async with make_api() as api:
        definition = unique("unconsumed")
        await deploy(api, UNCONSUMED.replace("id: long-countdown", f"id: {definition}"))
        instance = await start(api, definition, {"count": 600, "ticks": 0})
        for index in range(3):
            event = {
                **cloud_event({"blob": "y" * 900_000}),
                "id": f"big-{index}",
                "type": "com.example.nobody",
            }
            sent = await api.http.post(f"/instances/{instance}/events", json=event, headers=STRUCTURED)
            assert sent.status_code == 200, sent.text
        detail = (await api.http.get(f"/instances/{instance}")).json()
        assert detail["current_state"] == "Nap" and detail["pending_events"] == 1
        assert [(drop["id"], drop["type"]) for drop in detail["dropped_events"]] == [
            ("big-0", "com.example.nobody"), ("big-1", "com.example.nobody")]  # fmt: skip
        assert all(drop["reason"] for drop in detail["dropped_events"])
        result = await _result(api, instance)
        assert result["status"] == "completed", result
        assert result["output"] == {"count": 0, "ticks": 600, "message": "liftoff"}
        after = (await api.http.get(f"/instances/{instance}")).json()  # a later run (1,200 states > 1,000)
        assert [drop["id"] for drop in after["dropped_events"]] == ["big-0", "big-1"]
