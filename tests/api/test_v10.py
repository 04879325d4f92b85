"""A 1.0 definition through the REST API: deployed as ``namespace/name`` at ``document.version``, started,
its progress as task pointers, and a faulted instance's RFC 7807 error on the result route."""

from __future__ import annotations

import asyncio

from tests.api.conftest import Api, assert_problem, deploy, start, unique


def task_document(name: str, body: str) -> str:
    return f"document: {{dsl: '1.0.3', namespace: tests, name: {name}, version: '2.1.0'}}\ndo:\n{body}"


GREET = "  - greet:\n      set: {greeting: '${ \"hello \" + .name }'}\n"
BOOM = "  - boom:\n      raise: {error: {type: https://example.com/boom, status: 418, title: teapot}}\n"


async def test_deploy_start_and_read_a_1_0_definition(api: Api) -> None:
    name = unique("greet")
    deployed = await deploy(api, task_document(name, GREET))
    assert (deployed["id"], deployed["version"]) == (f"tests/{name}", "2.1.0")
    fetched = await api.http.get(f"/definitions/tests/{name}")
    assert fetched.status_code == 200 and fetched.json()["version"] == "2.1.0"

    instance_id = await start(api, f"tests/{name}", {"name": "Ada"})
    result = await api.http.get(f"/instances/{instance_id}/result", params={"wait": "true"})
    assert result.json()["output"] == {"greeting": "hello Ada"}
    detail = (await api.http.get(f"/instances/{instance_id}")).json()
    assert detail["visited"][-1] == "/do/0/greet"


async def test_a_faulted_1_0_instance_reports_its_error_object(api: Api) -> None:
    name = unique("boom")
    await deploy(api, task_document(name, BOOM))
    instance_id = await start(api, f"tests/{name}")
    response = await api.http.get(f"/instances/{instance_id}/result", params={"wait": "true"})
    error = assert_problem(response, 409, "instance_failed")["error"]
    assert {key: error[key] for key in ("type", "status", "instance", "title")} == {
        "type": "https://example.com/boom", "status": 418, "instance": "/do/0/boom", "title": "teapot",
    }  # fmt: skip


WAIT = (
    "  - decision:\n      listen:\n        to:\n          one:\n            with: {type: com.example.v10.decided}\n"
    "            correlate: {request: {from: .requestid, expect: '${ .request }'}}\n"
)


async def test_post_events_routes_to_a_waiting_listen_task(api: Api) -> None:
    name = unique("listen")
    await deploy(api, task_document(name, WAIT))
    instance_id = await start(api, f"tests/{name}", {"request": "r-9"})
    event = {
        "specversion": "1.0", "id": unique("e"), "source": "/tests", "type": "com.example.v10.decided",
        "requestid": "r-9", "data": {"approved": True},
    }  # fmt: skip
    for _ in range(50):  # visibility indexes a new instance a moment after its start
        routed = await api.http.post(
            "/events", json=event, headers={"content-type": "application/cloudevents+json"}
        )
        if instance_id in routed.json()["delivered"]:
            break
        await asyncio.sleep(0.1)
    result = await api.http.get(f"/instances/{instance_id}/result", params={"wait": "true"})
    assert result.json()["output"] == [{"approved": True}]
