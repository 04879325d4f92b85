"""/instances: start (idempotent), status, result, list, cancel, terminate, and events sent to one instance."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from fastapi.routing import APIRoute
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ApplicationError

from swengine.api.models import INSTANCE_ROUTE_SUFFIXES
from swengine.api.routes import instances
from swengine.api.visibility import encode_page_token
from swengine.core.ir import WORKFLOW_NAME, workflow_type
from swengine.core.ir_codec import encode
from swengine.interpreter.events import search_index
from tests.api.conftest import Api, assert_problem, deploy, deploy_file, spec, start, unique

DECIDED = {"specversion": "1.0", "source": "/approvals", "type": "com.example.approval.decided"}
STRUCTURED = {"content-type": "application/cloudevents+json"}

FAILING = """id: {id}
specVersion: "0.8"
start: Boom
functions:
  - {{name: boom, type: custom, operation: builtin.fail}}
states:
  - name: Boom
    type: operation
    actions:
      - functionRef: {{refName: boom, arguments: {{type: out_of_stock, message: no more}}}}
    end: true
"""


async def listed(api: Api, expected: int, **params: str) -> list[dict[str, Any]]:
    """Visibility trails a start by a moment: poll until ``expected`` instances show."""
    for _ in range(50):
        instances = (await api.http.get("/instances", params=params)).json()["instances"]
        if len(instances) >= expected:
            return list(instances)
        await asyncio.sleep(0.1)
    return list(instances)


async def test_start_then_result_and_status(api: Api) -> None:
    await deploy_file(api, "greeting.sw.yaml")
    response = await api.http.post(
        "/instances", json={"definition": "greeting", "input": {"person": {"name": "Ada"}}}
    )
    assert response.status_code == 201
    started = response.json()
    assert started["definition"] == "greeting" and started["version"] == "1.0" and started["run_id"]

    result = await api.http.get(f"/instances/{started['instance_id']}/result", params={"wait": "true"})
    assert result.status_code == 200
    assert result.json() == {
        "instance_id": started["instance_id"], "status": "completed",
        "output": {"greeting": "Welcome to swengine, Ada!"},
    }  # fmt: skip
    detail = (await api.http.get(f"/instances/{started['instance_id']}")).json()
    assert detail["status"] == "completed"
    assert detail["visited"] == ["Greet"]
    assert detail["definition"]["id"] == "greeting"
    assert detail["closed_at"]


async def test_start_a_given_version_and_instance_id(api: Api) -> None:
    name = unique("pinned")
    await deploy(api, spec(name, version="1.0", greeting="v1"))
    await deploy(api, spec(name, version="2.0", greeting="v2"))
    instance_id = unique("mine")
    response = await api.http.post("/instances", params={"version": "1.0"},
                                   json={"definition": name, "instance_id": instance_id})  # fmt: skip
    assert response.json()["instance_id"] == instance_id and response.json()["version"] == "1.0"
    output = (await api.http.get(f"/instances/{instance_id}/result", params={"wait": "true"})).json()[
        "output"
    ]
    assert output == {"greeting": "v1"}
    latest = await start(api, name)
    assert (await api.http.get(f"/instances/{latest}/result?wait=true")).json()["output"] == {
        "greeting": "v2"
    }


async def test_start_refusals(api: Api) -> None:
    name = unique("typed")
    schema = "dataInputSchema:\n  schema:\n    type: object\n    properties: {name: {type: string}}\n"
    await deploy(api, spec(name, extra=schema))
    assert_problem(
        await api.http.post("/instances", json={"definition": "nope"}), 404, "definition_not_found"
    )
    missing_version = await api.http.post("/instances", json={"definition": name, "version": "7"})
    assert_problem(missing_version, 404, "definition_not_found")
    bad_input = await api.http.post("/instances", json={"definition": name, "input": {"name": 42}})
    assert_problem(bad_input, 400, "invalid_input")
    malformed = await api.http.post(
        "/instances", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert_problem(malformed, 400, "malformed_json")
    body = assert_problem(await api.http.post("/instances", json={"input": {}}), 422, "invalid_request")
    assert body["errors"][0]["location"] == "body.definition"
    unknown_field = await api.http.post("/instances", json={"definition": name, "inptu": {}})
    assert_problem(unknown_field, 422, "invalid_request")
    for unaddressable in (
        "victim/result",
        "a/events",
        "a/../b",
        "./a",
    ):  # GET /instances/victim/result is victim's
        started = await api.http.post("/instances", json={"definition": name, "instance_id": unaddressable})
        assert_problem(started, 422, "invalid_request")


def test_every_instance_route_suffix_is_one_an_id_may_not_end_in() -> None:
    suffixes = {
        route.path.rsplit("/", 1)[1]
        for route in instances.router.routes
        if isinstance(route, APIRoute) and route.path.startswith("/instances/{instance_id:path}/")
    }
    assert suffixes and suffixes <= INSTANCE_ROUTE_SUFFIXES


async def test_idempotency_key_returns_the_same_instance(api: Api) -> None:
    name = unique("once")
    await deploy(api, spec(name))
    headers = {"Idempotency-Key": "order-42"}
    first = await api.http.post("/instances", json={"definition": name}, headers=headers)
    second = await api.http.post("/instances", json={"definition": name}, headers=headers)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()
    assert "order-42" not in first.json()["instance_id"]
    await api.http.get(f"/instances/{first.json()['instance_id']}/result?wait=true")
    after_completion = await api.http.post("/instances", json={"definition": name}, headers=headers)
    assert after_completion.json()["run_id"] == first.json()["run_id"]
    other_key = await api.http.post(
        "/instances", json={"definition": name}, headers={"Idempotency-Key": "order-43"}
    )
    assert other_key.json()["instance_id"] != first.json()["instance_id"]
    assert len(await listed(api, 3, definition=name)) == 2


async def test_an_idempotency_key_reused_with_another_body_is_422(api: Api) -> None:
    name = unique("once")
    await deploy(api, spec(name))
    headers = {"Idempotency-Key": "order-44"}
    first = await api.http.post("/instances", json={"definition": name, "input": {"n": 1}}, headers=headers)
    assert first.status_code == 201
    other = await api.http.post("/instances", json={"definition": name, "input": {"n": 2}}, headers=headers)
    assert_problem(other, 422, "idempotency_key_reused")
    same = await api.http.post("/instances", json={"definition": name, "input": {"n": 1}}, headers=headers)
    assert (same.status_code, same.json()) == (200, first.json())


async def test_concurrent_starts_with_one_key_start_one_run(api: Api) -> None:
    name = unique("race")
    await deploy(api, spec(name))  # ends at once: the closed-id reuse that let a second run start
    for round_ in range(3):
        headers = {"Idempotency-Key": f"race-{round_}"}
        request = {"definition": name, "input": {"round": round_}}
        answers = await asyncio.gather(
            *(api.http.post("/instances", json=request, headers=headers) for _ in range(40))
        )
        assert sorted({answer.status_code for answer in answers}) in ([200, 201], [201])
        assert [answer.status_code for answer in answers].count(201) == 1
        assert len({(answer.json()["instance_id"], answer.json()["run_id"]) for answer in answers}) == 1
    assert len(await listed(api, 3, definition=name)) == 3


async def test_a_running_instance_id_cannot_be_started_twice(api: Api) -> None:
    await deploy_file(api, "approval.sw.yaml")
    instance_id = await start(api, "approval", instance_id=unique("approval"))
    again = await api.http.post("/instances", json={"definition": "approval", "instance_id": instance_id})
    assert_problem(again, 409, "instance_exists")
    await api.http.post(f"/instances/{instance_id}/terminate")


async def test_result_of_a_running_instance_is_202(api: Api) -> None:
    await deploy_file(api, "approval.sw.yaml")
    instance_id = await start(api, "approval")
    now = await api.http.get(f"/instances/{instance_id}/result")
    assert now.status_code == 202
    assert now.json() == {"instance_id": instance_id, "status": "running", "output": None}
    waited = await api.http.get(f"/instances/{instance_id}/result", params={"wait": "true", "timeout": "0.3"})
    assert waited.status_code == 202
    assert_problem(await api.http.get("/instances/nope/result"), 404, "instance_not_found")
    assert_problem(await api.http.get(f"/instances/{instance_id}/result?timeout=0"), 422, "invalid_request")
    await api.http.post(f"/instances/{instance_id}/terminate")


async def test_send_an_event_to_one_instance(api: Api) -> None:
    await deploy_file(api, "approval.sw.yaml")
    instance_id = await start(api, "approval")
    detail = (await api.http.get(f"/instances/{instance_id}")).json()
    assert (detail["status"], detail["current_state"]) == ("running", "Wait")

    malformed = await api.http.post(
        f"/instances/{instance_id}/events", json={"type": "x"}, headers=STRUCTURED
    )
    assert_problem(malformed, 400, "invalid_event")
    assert (await api.http.get(f"/instances/{instance_id}")).json()["pending_events"] == 0

    event = {**DECIDED, "id": "d-1", "requestid": "r-1", "data": {"approved": True}}
    sent = await api.http.post(f"/instances/{instance_id}/events", json=event, headers=STRUCTURED)
    assert sent.status_code == 200
    assert sent.json() == {"instance_id": instance_id, "events": ["d-1"]}
    result = await api.http.get(f"/instances/{instance_id}/result", params={"wait": "true"})
    assert result.json()["output"]["outcome"] == "approved"

    closed = await api.http.post(f"/instances/{instance_id}/events", json=event, headers=STRUCTURED)
    assert_problem(closed, 409, "instance_not_running")
    unknown = await api.http.post("/instances/nope/events", json=event, headers=STRUCTURED)
    assert_problem(unknown, 404, "instance_not_found")


async def test_cancel(api: Api) -> None:
    await deploy_file(api, "approval.sw.yaml")
    instance_id = await start(api, "approval")
    response = await api.http.post(f"/instances/{instance_id}/cancel")
    assert response.status_code == 202
    assert response.json() == {"instance_id": instance_id, "status": "cancel_requested"}
    result = await api.http.get(f"/instances/{instance_id}/result", params={"wait": "true"})
    assert_problem(result, 409, "instance_cancelled")
    assert (await api.http.get(f"/instances/{instance_id}")).json()["status"] == "cancelled"
    assert_problem(await api.http.post(f"/instances/{instance_id}/cancel"), 409, "instance_not_running")
    assert_problem(await api.http.post("/instances/nope/cancel"), 404, "instance_not_found")


async def test_terminate(api: Api) -> None:
    await deploy_file(api, "approval.sw.yaml")
    instance_id = await start(api, "approval")
    response = await api.http.post(f"/instances/{instance_id}/terminate", json={"reason": "no longer needed"})
    assert response.json() == {"instance_id": instance_id, "status": "terminated"}
    assert (await api.http.get(f"/instances/{instance_id}")).json()["status"] == "terminated"
    assert_problem(await api.http.get(f"/instances/{instance_id}/result"), 409, "instance_terminated")
    assert_problem(await api.http.post(f"/instances/{instance_id}/terminate"), 409, "instance_not_running")
    assert_problem(await api.http.post("/instances/nope/terminate"), 404, "instance_not_found")


async def test_a_failed_instance_reports_its_error_code(api: Api) -> None:
    name = unique("failing")
    await deploy(api, FAILING.format(id=name))
    instance_id = await start(api, name)
    body = assert_problem(
        await api.http.get(f"/instances/{instance_id}/result?wait=true"), 409, "instance_failed"
    )
    assert body["error"]["code"] == "out_of_stock"
    assert (await api.http.get(f"/instances/{instance_id}")).json()["status"] == "failed"


async def test_list_filters_by_definition_and_status_and_pages(api: Api) -> None:
    await deploy_file(api, "approval.sw.yaml")
    name = unique("listed")
    await deploy(api, spec(name))
    done = [await start(api, name) for _ in range(3)]
    for instance_id in done:
        await api.http.get(f"/instances/{instance_id}/result?wait=true")
    waiting = await start(api, "approval")

    mine = await listed(api, 3, definition=name, status="completed")
    assert sorted(item["instance_id"] for item in mine) == sorted(done)
    assert all(item["definition"] == name and item["status"] == "completed" for item in mine)
    running = await listed(api, 1, definition="approval", status="running")
    assert waiting in [item["instance_id"] for item in running]

    page = (await api.http.get("/instances", params={"definition": name, "limit": 2})).json()
    assert len(page["instances"]) == 2 and page["next_page_token"]
    rest = (
        await api.http.get("/instances", params={"definition": name, "page_token": page["next_page_token"]})
    ).json()
    assert {i["instance_id"] for i in page["instances"] + rest["instances"]} == set(done)

    assert_problem(await api.http.get("/instances", params={"status": "sleeping"}), 422, "invalid_request")
    assert_problem(
        await api.http.get("/instances", params={"definition": "x' OR 'a"}), 422, "invalid_request"
    )
    forged = [encode_page_token(json.dumps([when, "x", "r"]).encode()) for when in (
        "2026-01-01T00:00:00", "9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00+00:00")]  # fmt: skip
    for token in ("%%%", "bm90IGEgdG9rZW4=", *forged):  # well-formed tokens anyone can make, with odd dates
        assert_problem(
            await api.http.get("/instances", params={"page_token": token}), 400, "invalid_page_token"
        )
    await api.http.post(f"/instances/{waiting}/terminate")


async def test_unknown_instance_is_404(api: Api) -> None:
    assert_problem(await api.http.get("/instances/does-not-exist"), 404, "instance_not_found")


async def test_instances_run_under_their_definitions_type_and_old_ones_stay_listed(api: Api) -> None:
    """New instances: type ``sw:<id>`` and no search attribute (nothing to route); one started under the
    old single type with its ``SwDefinition`` attribute is listed beside them, and answered the same."""
    name = unique("typed")
    await deploy(api, spec(name))
    typed = await start(api, name)
    description = await api.service.handle(typed).describe()
    assert description.workflow_type == workflow_type(name)
    assert len(description.typed_search_attributes) == 0

    ir = api.store.lookup(name, None)
    assert ir is not None
    old = await api.service.client.start_workflow(
        WORKFLOW_NAME,
        encode(api.service.request_for(ir, {})),
        id=unique("old-type"),
        task_queue=api.service.task_queue,
        search_attributes=search_index(ir, legacy=True),
    )
    assert await old.result() == {"greeting": "hello"}
    both = await listed(api, 2, definition=name)
    assert sorted(item["instance_id"] for item in both) == sorted([typed, old.id])
    assert {item["definition"] for item in both} == {name}
    everything = await listed(api, 2)
    assert {typed, old.id} <= {item["instance_id"] for item in everything}


async def test_a_workflow_type_naming_no_definition_fails_plainly(api: Api) -> None:
    handle = await api.service.client.start_workflow(
        "not-a-definition", {}, id=unique("stray"), task_queue=api.service.task_queue
    )
    with pytest.raises(WorkflowFailureError) as failure:
        await handle.result()
    cause = failure.value.cause
    assert isinstance(cause, ApplicationError) and cause.type == "unknown_workflow_type"
    assert cause.non_retryable
