"""Lifecycle CloudEvents (``io.serverlessworkflow.{workflow,task}.*.v1``, dsl.md 1.0.3) sent to ``K_SINK`` (a real
loopback HTTP sink) for instances started while the operator has them on, for both DSLs; and suspending and
resuming an instance through the API."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from temporalio.api.enums.v1 import EventType

from tests.api.conftest import Api, ApiFactory, assert_problem, deploy, start, unique
from tests.standins import event_sink

HEAD = "document: {dsl: '1.0.3', namespace: life, name: %s, version: '1.0.0'}\n"
TASKS = """use:
  retries:
    once: {delay: {milliseconds: 10}, limit: {attempt: {count: 1}}}
do:
  - first:
      set: {a: 1}
  - guarded:
      try:
        - boom:
            raise: {error: {type: https://example.com/boom, status: 503}}
      catch:
        errors: {with: {status: 503}}
        retry: once
  - decision:
      listen:
        to:
          one:
            with: {type: com.example.life.decided}
  - last:
      set: {done: true}
"""
FAULT = "do:\n  - boom:\n      raise: {error: {type: https://example.com/boom, status: 418, title: teapot}}\n"
STATES = """id: %s
version: "1.0"
specVersion: "0.8"
start: Hello
functions: [{name: fail, type: custom, operation: builtin.fail}]
errors: [{name: oops, code: oops}]
states:
  - {name: Hello, type: inject, data: {hello: true}, transition: Risky}
  - name: Risky
    type: operation
    actions: [{functionRef: {refName: fail, arguments: {type: oops}}}]
    onErrors: [{errorRef: oops, transition: Bye}]
    transition: Bye
  - {name: Bye, type: inject, data: {bye: true}, end: true}
"""


@pytest.fixture
def sink(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    with event_sink() as (url, received):
        monkeypatch.setenv("K_SINK", url)  # the worker's emit and lifecycle activities read it
        yield received


@pytest.fixture
async def api(make_api: ApiFactory, sink: list[dict[str, Any]]) -> Any:
    async with make_api() as serving:
        serving.service.lifecycle_events = True  # the operator's SWENGINE_LIFECYCLE_EVENTS
        yield serving


def lifecycle(received: list[dict[str, Any]], instance_id: str) -> list[tuple[str, str | None]]:
    """(type without prefix and version, task pointer) of an instance's lifecycle events, each id once."""
    seen: dict[str, dict[str, Any]] = {}
    for event in received:
        if event["type"].startswith("io.serverlessworkflow.") and event["source"].endswith(instance_id):
            seen.setdefault(event["id"], event)
    return [
        (event["type"].removeprefix("io.serverlessworkflow.").removesuffix(".v1"), event["data"].get("task"))
        for event in seen.values()
    ]


async def result(api: Api, instance_id: str) -> Any:
    return (await api.http.get(f"/instances/{instance_id}/result", params={"wait": "true"})).json()


async def test_a_1_0_instance_publishes_workflow_task_retry_and_correlation_events(
    api: Api, sink: list[dict[str, Any]]
) -> None:
    name = unique("tasks")
    await deploy(api, HEAD % name + TASKS)
    instance_id = await start(api, f"life/{name}")
    event = {"specversion": "1.0", "id": unique("e"), "source": "/t", "type": "com.example.life.decided"}
    for _ in range(200):  # the instance reaches its listen task a moment after its start
        view = (await api.http.get(f"/instances/{instance_id}")).json()
        if view.get("current_state") == "/do/2/decision":
            break
        await asyncio.sleep(0.05)
    sent = await api.http.post(f"/instances/{instance_id}/events", json=event,
                               headers={"content-type": "application/cloudevents+json"})  # fmt: skip
    assert sent.status_code == 200
    assert (await result(api, instance_id))["output"] == {"done": True}
    task = [("task.created", None), ("task.started", None)]
    boom = "/do/1/guarded/try/0/boom"
    assert lifecycle(sink, instance_id) == [
        ("workflow.started", None),
        *[(kind, "/do/0/first") for kind, _ in task], ("task.completed", "/do/0/first"),
        *[(kind, "/do/1/guarded") for kind, _ in task],
        *[(kind, boom) for kind, _ in task], ("task.faulted", boom),
        ("task.retried", "/do/1/guarded"),
        *[(kind, boom) for kind, _ in task], ("task.faulted", boom),
        ("task.completed", "/do/1/guarded"),
        *[(kind, "/do/2/decision") for kind, _ in task], ("workflow.correlation-started", None),
        ("workflow.correlation-completed", None), ("task.completed", "/do/2/decision"),
        *[(kind, "/do/3/last") for kind, _ in task], ("task.completed", "/do/3/last"),
        ("workflow.completed", None),
    ]  # fmt: skip
    events = {e["type"]: e for e in sink if e["source"].endswith(instance_id)}
    started = events["io.serverlessworkflow.workflow.started.v1"]
    assert started["data"]["name"] == instance_id and started["specversion"] == "1.0"
    assert started["data"]["definition"] == {"name": name, "namespace": "life", "version": "1.0.0"}
    assert started["data"]["startedAt"] and started["time"]
    assert events["io.serverlessworkflow.workflow.completed.v1"]["data"]["output"] == {"done": True}
    faulted = events["io.serverlessworkflow.task.faulted.v1"]["data"]
    assert faulted["workflow"] == instance_id and faulted["error"]["status"] == 503 and faulted["faultedAt"]


async def test_a_faulted_1_0_instance_and_a_0_8_instance(api: Api, sink: list[dict[str, Any]]) -> None:
    name = unique("fault")
    await deploy(api, HEAD % name + FAULT)
    faulted = await start(api, f"life/{name}")
    await result(api, faulted)
    assert [kind for kind, _ in lifecycle(sink, faulted)] == [
        "workflow.started", "task.created", "task.started", "task.faulted", "workflow.faulted",
    ]  # fmt: skip
    error = next(e for e in sink if e["type"].endswith("workflow.faulted.v1"))["data"]["error"]
    assert (error["type"], error["status"], error["instance"]) == (
        "https://example.com/boom",
        418,
        "/do/0/boom",
    )

    states = unique("states")
    await deploy(api, STATES % states)
    instance_id = await start(api, states)
    assert (await result(api, instance_id))["output"] == {"hello": True, "bye": True}
    assert lifecycle(sink, instance_id) == [
        ("workflow.started", None),
        ("task.created", "/states/0"), ("task.started", "/states/0"), ("task.completed", "/states/0"),
        ("task.created", "/states/1"), ("task.started", "/states/1"), ("task.faulted", "/states/1"),
        ("task.created", "/states/2"), ("task.started", "/states/2"), ("task.completed", "/states/2"),
        ("workflow.completed", None),
    ]  # fmt: skip
    handled = next(
        e for e in sink if e["type"].endswith("task.faulted.v1") and e["source"].endswith(instance_id)
    )
    assert handled["data"]["error"]["type"] == "oops"


async def until_woken(api: Api, instance_id: str) -> None:
    """Until the history holds the nap's timer firing and a workflow task completed after it."""
    for _ in range(400):
        kinds = [event.event_type async for event in api.service.handle(instance_id).fetch_history_events()]
        fired = [i for i, kind in enumerate(kinds) if kind == EventType.EVENT_TYPE_TIMER_FIRED]
        if fired and EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED in kinds[fired[0] :]:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the nap never ended")


async def test_suspend_holds_the_next_task_until_resume(api: Api, sink: list[dict[str, Any]]) -> None:
    name = unique("pause")
    await deploy(
        api, HEAD % name + "do:\n  - nap:\n      wait: {seconds: 1}\n  - after:\n      set: {after: true}\n"
    )
    instance_id = await start(api, f"life/{name}")
    answer = await api.http.post(f"/instances/{instance_id}/suspend")
    assert answer.status_code == 202 and answer.json()["status"] == "suspend_requested"

    async def suspended() -> bool:
        view = (await api.http.get(f"/instances/{instance_id}")).json()
        return bool(view.get("suspended"))

    for _ in range(100):
        if await suspended():
            break
        await asyncio.sleep(0.05)
    assert await suspended()
    await until_woken(api, instance_id)  # the nap is over and the interpreter has seen it: it stays put
    view = (await api.http.get(f"/instances/{instance_id}")).json()
    assert view["status"] == "running" and "/do/1/after" not in view["visited"]

    assert (await api.http.post(f"/instances/{instance_id}/resume")).status_code == 202
    assert (await result(api, instance_id))["output"] == {"after": True}
    kinds = [kind for kind, _ in lifecycle(sink, instance_id)]
    assert kinds.index("workflow.suspended") < kinds.index("workflow.resumed")
    assert kinds[kinds.index("workflow.resumed") + 1 :][:2] == ["task.created", "task.started"]

    assert_problem(await api.http.post(f"/instances/{instance_id}/suspend"), 409, "instance_not_running")
    assert_problem(await api.http.post("/instances/no-such-instance/resume"), 404, "instance_not_found")


LONG_LOOP = """\
id: %s
specVersion: "0.8"
start: Begin
functions: [{name: inc, type: expression, operation: ".n + 1"}]
states:
  - {name: Begin, type: inject, data: {n: 0}, transition: Loop}
  - {name: Loop, type: operation, actions: [{functionRef: inc, actionDataFilter: {toStateData: "${ .n }"}}],
     transition: Check}
  - {name: Check, type: switch, dataConditions: [{condition: "${ .n < 499 }", transition: Loop}],
     defaultCondition: {transition: Nap}}
  - {name: Nap, type: sleep, duration: PT1S, transition: Done}
  - {name: Done, type: inject, data: {done: true}, end: true}
"""


async def test_a_suspended_instance_stays_suspended_when_its_run_continues_as_new(api: Api) -> None:
    """Nap -> Done is the run's 1,000th state: the next run begins there, and must begin suspended."""
    name = unique("long")
    await deploy(api, LONG_LOOP % name)
    instance_id = await start(api, name)
    first_run = (await api.service.handle(instance_id).describe()).run_id
    for _ in range(200):
        if (await api.http.get(f"/instances/{instance_id}")).json().get("current_state") == "Nap":
            break
        await asyncio.sleep(0.05)
    assert (await api.http.post(f"/instances/{instance_id}/suspend")).status_code == 202
    await asyncio.sleep(2)  # the nap (1 s) is over
    assert (await api.service.handle(instance_id).describe()).run_id != first_run  # it continued as new
    view = (await api.http.get(f"/instances/{instance_id}")).json()
    assert (view["status"], view.get("suspended")) == ("running", True)
    assert (await api.http.post(f"/instances/{instance_id}/resume")).status_code == 202
    assert (await result(api, instance_id))["output"] == {"n": 499, "done": True}
