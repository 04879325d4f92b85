"""/events: structured, binary and batch CloudEvents routed to waiting instances and to event-started
definitions; malformed events refused before any reaches an instance."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from tests.api.conftest import Api, assert_problem, deploy, deploy_file, start, unique

DECIDED = {"specversion": "1.0", "source": "/approvals", "type": "com.example.approval.decided"}


def decision(approved: bool, request_id: str, **extra: Any) -> dict[str, Any]:
    return {**DECIDED, "id": unique("evt"), "requestid": request_id, "data": {"approved": approved}, **extra}


PLACED = {"specversion": "1.0", "source": "/shop", "type": "com.example.order.placed"}


def placed(order_id: str) -> dict[str, Any]:
    return {**PLACED, "id": unique("evt"), "orderid": order_id, "data": {"id": order_id, "items": 2}}


async def test_structured_event_reaches_the_waiting_instance(api: Api) -> None:
    await deploy_file(api, "approval.sw.yaml")
    waiting = await start(api, "approval", correlation={"requestid": "req-1"})
    other = await start(api, "approval", correlation={"requestid": "req-other"})
    unknown = await start(api, "approval")  # correlation never given: not guessed at
    event = decision(True, "req-1")
    response = await api.http.post(
        "/events", content=json.dumps(event), headers={"content-type": "application/cloudevents+json"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["delivered"] == [waiting]
    assert body["started"] == []
    assert body["results"] == [
        {"id": event["id"], "source": "/approvals", "type": DECIDED["type"], "delivered": [waiting], "started": [],
         "fates": {waiting: "consumed"}, "unrouted": False},
    ]  # fmt: skip
    result = await api.http.get(f"/instances/{waiting}/result", params={"wait": "true"})
    assert result.json()["output"]["outcome"] == "approved"
    for untouched in (other, unknown):
        status = (await api.http.get(f"/instances/{untouched}")).json()
        assert (status["status"], status["pending_events"]) == ("running", 0)
        await api.http.post(f"/instances/{untouched}/terminate")


async def test_an_event_without_the_correlation_its_waiters_need_reaches_none(api: Api) -> None:
    """Anyone may send the type; without ``requestid`` no waiting instance could ever take it, so none is
    given it to buffer (a flood of them once pushed a matching event out of an instance's buffer)."""
    await deploy_file(api, "approval.sw.yaml")
    waiting = await start(api, "approval", correlation={"requestid": "req-2"})
    for event in (
        {**DECIDED, "id": unique("evt"), "data": {}},
        {**decision(True, "req-2"), "source": "/else"},
    ):
        response = await api.http.post(
            "/events", content=json.dumps(event), headers={"content-type": "application/cloudevents+json"}
        )
        assert response.status_code == 200, response.text
        expected = [] if "requestid" not in event else [waiting]  # the source is the instance's to judge
        assert response.json()["delivered"] == expected
    status = (await api.http.get(f"/instances/{waiting}")).json()
    assert status["status"] == "running" and status["pending_events"] <= 1
    await api.http.post(f"/instances/{waiting}/terminate")


async def test_structured_event_starts_a_correlated_instance_once(api: Api) -> None:
    await deploy_file(api, "intake.sw.yaml")
    event = placed("o-1")
    answers = []
    for _ in range(2):  # the same event twice: one instance, consumed once
        response = await api.http.post(
            "/events", content=json.dumps(event), headers={"content-type": "application/cloudevents+json"}
        )
        assert response.status_code == 200, response.text
        answers.append(response.json()["started"])
    assert answers[0] == ["intake/orderid=o-1"]
    assert answers[1] in ([], ["intake/orderid=o-1"])  # never a second instance
    result = await api.http.get("/instances/intake/orderid=o-1/result", params={"wait": "true"})
    assert result.json()["output"] == {"order": {"id": "o-1", "items": 2}, "confirmed": "o-1"}


async def test_binary_mode(api: Api) -> None:
    await deploy_file(api, "approval.sw.yaml")
    waiting = await start(api, "approval", correlation={"requestid": "req-2"})
    headers = {
        "ce-specversion": "1.0", "ce-id": unique("bin"), "ce-source": "/approvals", "ce-type": DECIDED["type"],
        "ce-requestid": "req-2", "content-type": "application/json",
    }  # fmt: skip
    response = await api.http.post("/events", content=json.dumps({"approved": False}), headers=headers)
    assert response.status_code == 200, response.text
    assert waiting in response.json()["delivered"]
    result = await api.http.get(f"/instances/{waiting}/result", params={"wait": "true"})
    assert result.json()["output"]["outcome"] == "rejected"


async def test_batch_answers_per_event(api: Api) -> None:
    await deploy_file(api, "intake.sw.yaml")
    events = [placed("o-3"), placed("o-4")]
    response = await api.http.post(
        "/events", content=json.dumps(events), headers={"content-type": "application/cloudevents-batch+json"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert [item["id"] for item in body["results"]] == [events[0]["id"], events[1]["id"]]
    assert body["started"] == ["intake/orderid=o-3", "intake/orderid=o-4"]


async def test_an_event_nobody_consumes_reaches_nobody(api: Api) -> None:
    event = {**decision(True, "x"), "type": "com.example.unheard"}
    response = await api.http.post(
        "/events", json=event, headers={"content-type": "application/cloudevents+json"}
    )
    assert response.json() == {
        "delivered": [],
        "started": [],
        "unrouted": [event["id"]],
        "results": [
            {
                "id": event["id"],
                "source": "/approvals",
                "type": "com.example.unheard",
                "delivered": [],
                "started": [],
                "unrouted": True,
                "fates": {},
            }
        ],
    }


async def test_malformed_events_are_refused_and_reach_no_instance(api: Api) -> None:
    await deploy_file(api, "approval.sw.yaml")
    waiting = await start(api, "approval")
    no_id = {key: value for key, value in decision(True, "req-5").items() if key != "id"}
    cases = [
        (json.dumps(no_id), {"content-type": "application/cloudevents+json"}),
        ("{not json", {"content-type": "application/cloudevents+json"}),
        (
            json.dumps([decision(True, "req-6"), no_id]),
            {"content-type": "application/cloudevents-batch+json"},
        ),
        (json.dumps({"approved": True}), {"content-type": "application/json"}),  # neither mode
    ]
    for body, headers in cases:
        assert_problem(await api.http.post("/events", content=body, headers=headers), 400, "invalid_event")
    status = (await api.http.get(f"/instances/{waiting}")).json()
    assert (status["status"], status["pending_events"], status["current_state"]) == ("running", 0, "Wait")
    assert_problem(await api.http.get("/instances/intake/orderid=req-6"), 404, "instance_not_found")
    await api.http.post(f"/instances/{waiting}/terminate")


PRODUCER = """id: {id}
specVersion: "0.8"
start: Decide
events:
  - name: decided
    type: com.example.approval.decided
    source: /approvals
    kind: produced
states:
  - name: Decide
    type: inject
    data: {{approved: true}}
    end:
      produceEvents:
        - eventRef: decided
          data: "${{ . }}"
          contextAttributes: {{requestid: r-9}}
"""


async def test_an_event_a_workflow_produces_is_routed_to_the_waiting_instance(api: Api) -> None:
    await deploy_file(api, "approval.sw.yaml")
    waiting = await start(api, "approval", correlation={"requestid": "r-9"})
    producer = unique("approver")
    await deploy(api, PRODUCER.format(id=producer))
    produced = await start(api, producer)
    await api.http.get(f"/instances/{produced}/result", params={"wait": "true"})
    result = await api.http.get(f"/instances/{waiting}/result", params={"wait": "true", "timeout": 20})
    assert result.json()["output"]["outcome"] == "approved"
    detail = (await api.http.get(f"/instances/{produced}")).json()
    assert [event["type"] for event in detail["produced_events"]] == [DECIDED["type"]]


async def test_a_1_0_child_workflow_that_listens_is_reached_by_routed_events(api: Api) -> None:
    """``run.workflow`` children are indexed as top-level instances are (0.8 subflows always were)."""
    child, parent = unique("listener"), unique("delegator")
    head = "document: {dsl: '1.0.3', namespace: kids, name: %s, version: '1.0.0'}\n"
    await deploy(api, head % child + "do:\n  - wait: {listen: {to: {one: {with: {type: kids.ping}}}}}\n")
    await deploy(
        api,
        head % parent
        + f"do:\n  - delegate: {{run: {{workflow: {{namespace: kids, name: {child}, version: '1.0.0'}}}}}}\n",
    )
    instance = await start(api, f"kids/{parent}")
    event = {
        "specversion": "1.0",
        "id": unique("ping"),
        "source": "/kids",
        "type": "kids.ping",
        "data": {"n": 1},
    }
    for _ in range(100):  # until the child is listed as waiting
        routed = await api.http.post("/events", content=json.dumps({**event, "id": unique("ping")}),
                                     headers={"content-type": "application/cloudevents+json"})  # fmt: skip
        if routed.json()["delivered"]:
            break
        await asyncio.sleep(0.1)
    assert routed.json()["delivered"] and routed.json()["delivered"][0].startswith(instance)
    done = await api.http.get(f"/instances/{instance}/result", params={"wait": "true", "timeout": 20})
    assert done.status_code == 200, done.text


WAITER = """\
id: {id}
version: "{version}"
specVersion: "0.8"
start: Wait
events: [{{name: Ping, type: {type}, source: /versions}}]
states:
  - {{name: Wait, type: event, onEvents: [{{eventRefs: [Ping]}}], end: true}}
"""


async def test_an_instance_of_an_older_version_still_gets_the_events_its_version_waits_for(api: Api) -> None:
    name = unique("versioned")
    await deploy(api, WAITER.format(id=name, version="1", type="ver.ping"))
    waiting = await start(api, name)
    await deploy(
        api, WAITER.format(id=name, version="2", type="ver.pong")
    )  # the latest waits for another type
    event = {"specversion": "1.0", "source": "/versions", "type": "ver.ping", "data": {}}
    for _ in range(100):
        routed = await api.http.post("/events", content=json.dumps({**event, "id": unique("v")}),
                                     headers={"content-type": "application/cloudevents+json"})  # fmt: skip
        if routed.json()["delivered"]:
            break
        await asyncio.sleep(0.1)
    assert routed.json()["delivered"] == [waiting]
