"""Exactly-once events through the REST API: the same CloudEvent delivered ten times at once is consumed once
and starts at most one instance; an event that arrives before its instance waits for it is kept, not lost."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from temporalio.client import Client

from swengine.runtime.router import EventRouter
from tests.api.conftest import Api, ApiFactory, deploy, start, unique
from tests.reliability.conftest import eventually

STRUCTURED = {"content-type": "application/cloudevents+json"}
COPIES = 10

# Ends as soon as its first event is in: the tightest race between a duplicate and a finished instance.
ONE_SHOT = """id: {id}
version: "1.0"
specVersion: "0.8"
start: Receive
events:
  - {{name: ping, type: com.example.reliability.ping, source: /reliability}}
states:
  - name: Receive
    type: event
    onEvents: [{{eventRefs: [ping], eventDataFilter: {{toStateData: "${{ .ping }}"}}}}]
    end: true
"""

# Consumes two events of the same type, correlated by order id: a duplicate consumed twice would end it early.
TWO_STEP = """id: {id}
version: "1.0"
specVersion: "0.8"
start: First
events:
  - name: item
    type: com.example.reliability.item
    source: /reliability
    correlation: [{{contextAttributeName: orderid}}]
states:
  - name: First
    type: event
    onEvents: [{{eventRefs: [item], eventDataFilter: {{toStateData: "${{ .first }}"}}}}]
    transition: Second
  - name: Second
    type: event
    onEvents: [{{eventRefs: [item], eventDataFilter: {{toStateData: "${{ .second }}"}}}}]
    end: true
"""

# Naps before it waits: events sent during the nap must be buffered until the event state consumes them.
NAP_THEN_WAIT = """id: {id}
version: "1.0"
specVersion: "0.8"
start: Nap
events:
  - {{name: go, type: {type}, source: /reliability}}
states:
  - {{name: Nap, type: sleep, duration: PT2S, transition: Wait}}
  - name: Wait
    type: event
    onEvents: [{{eventRefs: [go], eventDataFilter: {{toStateData: "${{ .go }}"}}}}]
    end: true
"""


def cloud_event(event_type: str, data: Any, **attributes: Any) -> dict[str, Any]:
    return {"specversion": "1.0", "id": unique("evt"), "source": "/reliability", "type": event_type,
            "data": data, **attributes}  # fmt: skip


async def deliver_concurrently(
    http: httpx.AsyncClient, event: dict[str, Any], copies: int = COPIES
) -> list[Any]:
    body = json.dumps(event)
    responses = await asyncio.gather(
        *(http.post("/events", content=body, headers=STRUCTURED) for _ in range(copies))
    )
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses]
    return [r.json() for r in responses]


async def runs_of(client: Client, instance_id: str) -> list[str]:
    """Every run Temporal has of this workflow id (a second run would be a second instance)."""
    quoted = instance_id.replace("'", "\\'")
    return [execution.run_id async for execution in client.list_workflows(f"WorkflowId = '{quoted}'")]


async def result(api: Api, instance_id: str) -> dict[str, Any]:
    response = await api.http.get(f"/instances/{instance_id}/result", params={"wait": "true", "timeout": 30})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_ten_copies_of_a_starting_event_start_one_instance_that_consumes_it_once(
    make_api: ApiFactory, client: Client
) -> None:
    async with make_api() as api:
        definition = unique("one-shot")
        await deploy(api, ONE_SHOT.format(id=definition))
        for attempt in range(3):  # the race is timing-dependent: try it more than once
            event = cloud_event("com.example.reliability.ping", {"attempt": attempt})
            answers = await deliver_concurrently(api.http, event)
            started = [i for answer in answers for i in answer["started"]]
            reached = {i for answer in answers for i in [*answer["started"], *answer["delivered"]]}
            assert len(started) == 1 and reached == set(started), answers
            instance_id = started[0]
            assert (await result(api, instance_id))["output"] == {"ping": {"attempt": attempt}}
            late = await deliver_concurrently(api.http, event, copies=3)  # after it ended: reaches nobody
            assert all(answer["started"] == [] == answer["delivered"] for answer in late), late
            assert len(await runs_of(client, instance_id)) == 1


async def test_ten_copies_of_each_correlated_event_are_consumed_once_by_one_instance(
    make_api: ApiFactory, client: Client
) -> None:
    async with make_api() as api:
        definition = unique("two-step")
        await deploy(api, TWO_STEP.format(id=definition))
        order = unique("order")
        first = cloud_event("com.example.reliability.item", {"n": 1}, orderid=order)
        answers = await deliver_concurrently(api.http, first)
        instance_id = f"{definition}/orderid={order}"
        assert [i for answer in answers for i in answer["started"]] == [instance_id]

        async def waits_in_second() -> bool:
            detail = (await api.http.get(f"/instances/{instance_id}")).json()
            return bool(detail["current_state"] == "Second" and detail["status"] == "running")

        await eventually(waits_in_second, 10, "the instance to wait for its second event")
        await asyncio.sleep(0.5)  # had a duplicate been consumed as the second event, it would end now
        assert (await api.http.get(f"/instances/{instance_id}")).json()["status"] == "running"

        second = cloud_event("com.example.reliability.item", {"n": 2}, orderid=order)
        await deliver_concurrently(api.http, second)
        assert (await result(api, instance_id))["output"] == {"first": {"n": 1}, "second": {"n": 2}}
        late = await deliver_concurrently(api.http, first, copies=3)  # the first event again: no new session
        assert all(answer["started"] == [] for answer in late), late
        assert len(await runs_of(client, instance_id)) == 1


async def test_copies_routed_by_two_api_replicas_at_once_still_start_one_instance(
    make_api: ApiFactory, client: Client
) -> None:
    """Two routers share nothing but Temporal (as two API processes would): the id made from the event's
    source + id is never reused, so the one that loses the race cannot start a second run."""
    async with make_api() as api:
        definition = unique("one-shot")
        await deploy(api, ONE_SHOT.format(id=definition))
        replicas = [EventRouter(api.service, api.store.latest) for _ in range(2)]
        for attempt in range(3):
            event = cloud_event("com.example.reliability.ping", {"attempt": attempt})
            routed = await asyncio.gather(*(replicas[i % 2].route(dict(event)) for i in range(COPIES)))
            started = [i for outcome in routed for i in outcome.started]
            assert started, routed
            assert (await result(api, started[0]))["output"] == {"ping": {"attempt": attempt}}
            assert len(await runs_of(client, started[0])) == 1


async def test_events_sent_before_the_instance_waits_are_kept_until_it_does(make_api: ApiFactory) -> None:
    async with make_api() as api:
        event_type = f"com.example.reliability.{unique('go')}"
        definition = unique("nap-then-wait")
        await deploy(api, NAP_THEN_WAIT.format(id=definition, type=event_type))
        direct, routed = await start(api, definition), await start(api, definition)
        for instance_id in (direct, routed):
            detail = (await api.http.get(f"/instances/{instance_id}")).json()
            assert detail["current_state"] == "Nap", detail  # not waiting yet
        to_one = cloud_event(event_type, {"via": "instance"})
        for _ in range(COPIES):  # duplicates too, while it naps
            response = await api.http.post(f"/instances/{direct}/events", json=to_one, headers=STRUCTURED)
            assert response.status_code == 200, response.text
        # through the router, which finds running instances by the event types their definition consumes
        await eventually(lambda: _listed(api, definition, 2), 10, "both instances to be listed")
        answers = await deliver_concurrently(api.http, cloud_event(event_type, {"via": "router"}), copies=3)
        assert {routed, direct} <= {i for answer in answers for i in answer["delivered"]}
        assert (await result(api, direct))["output"] == {"go": {"via": "instance"}}
        assert (await result(api, routed))["output"] == {"go": {"via": "router"}}
        assert (await api.http.get(f"/instances/{direct}")).json()["visited"] == ["Nap", "Wait"]


async def _listed(api: Api, definition: str, count: int) -> bool:
    response = await api.http.get("/instances", params={"definition": definition, "status": "running"})
    return len(response.json()["instances"]) >= count
