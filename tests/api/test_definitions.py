"""/definitions: deploy (raw YAML/JSON and multipart), refusals with every problem, versions, schedules."""

from __future__ import annotations

import asyncio
import json

import yaml
from temporalio.service import RPCError

from swengine.runtime.schedules import schedule_id
from tests.api.conftest import Api, assert_problem, deploy, spec, unique

BROKEN = """id: broken
specVersion: "0.8"
start: Nowhere
states:
  - name: First
    type: inject
    transition: Missing
  - name: Second
    type: sleep
    duration: not-a-duration
    end: true
"""


async def test_deploy_yaml_then_redeploy_is_unchanged(api: Api) -> None:
    name = unique("hello")
    response = await api.http.post(
        "/definitions", content=spec(name), headers={"content-type": "application/yaml"}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "created"
    assert (body["id"], body["version"], body["media_type"]) == (name, "1.0", "application/yaml")
    assert len(body["content_hash"]) == 64
    assert response.headers["location"] == f"/definitions/{name}?version=1.0"

    again = await api.http.post("/definitions", content=spec(name), headers={"content-type": "text/yaml"})
    assert again.status_code == 200
    assert again.json()["status"] == "unchanged"
    assert again.json()["content_hash"] == body["content_hash"]


async def test_json_body_is_stored_as_json(api: Api) -> None:
    name = unique("json")
    document = yaml.safe_load(spec(name))
    response = await api.http.post("/definitions", json=document)
    assert response.status_code == 201
    assert response.json()["media_type"] == "application/json"
    stored = (await api.http.get(f"/definitions/{name}")).json()
    assert json.loads(stored["source"]) == document


async def test_multipart_upload_in_field_file(api: Api) -> None:
    name = unique("upload")
    files = {"file": ("flow.sw.yaml", spec(name).encode(), "application/octet-stream")}
    response = await api.http.post("/definitions", files=files)
    assert response.status_code == 201, response.text
    assert response.json()["media_type"] == "application/yaml"

    missing = await api.http.post("/definitions", files={"other": ("x.yaml", b"id: x", "text/yaml")})
    assert_problem(missing, 400, "missing_file")


async def test_invalid_document_is_refused_with_every_problem_located(api: Api) -> None:
    response = await api.http.post(
        "/definitions", content=BROKEN, headers={"content-type": "application/yaml"}
    )
    body = assert_problem(response, 422, "invalid_document")
    codes = {problem["code"] for problem in body["problems"]}
    assert len(body["problems"]) >= 3, body["problems"]
    assert all(problem["line"] and problem["column"] and problem["path"] for problem in body["problems"])
    assert any("Missing" in problem["message"] for problem in body["problems"]), codes
    assert (await api.http.get("/definitions/broken")).status_code == 404


async def test_a_task_dsl_release_we_do_not_run_is_refused_with_one_clear_problem(api: Api) -> None:
    document = (
        "document: {dsl: '1.1.0', namespace: ex, name: nope, version: '1.0.0'}\ndo:\n  - a: {set: {x: 1}}\n"
    )
    response = await api.http.post(
        "/definitions", content=document, headers={"content-type": "application/yaml"}
    )
    body = assert_problem(response, 422, "invalid_document")
    assert [problem["code"] for problem in body["problems"]] == ["unsupported_dsl_version"]
    assert body["problems"][0]["line"] == 1


async def test_problems_in_an_upload_name_the_file(api: Api) -> None:
    response = await api.http.post(
        "/definitions", files={"file": ("mine.yaml", BROKEN.encode(), "text/yaml")}
    )
    body = assert_problem(response, 422, "invalid_document")
    assert body["detail"].startswith("mine.yaml:")


async def test_same_version_with_other_content_conflicts_unless_replaced(api: Api) -> None:
    name = unique("versioned")
    first = await deploy(api, spec(name, greeting="one"))
    changed = spec(name, greeting="two")
    conflict = await api.http.post(
        "/definitions", content=changed, headers={"content-type": "application/yaml"}
    )
    body = assert_problem(conflict, 409, "definition_version_conflict")
    assert body["deployed_hash"] == first["content_hash"]

    replaced = await api.http.post(
        "/definitions",
        params={"replace": "true"},
        content=changed,
        headers={"content-type": "application/yaml"},
    )
    assert replaced.status_code == 200
    assert replaced.json()["status"] == "updated"
    assert "two" in (await api.http.get(f"/definitions/{name}")).json()["source"]


async def test_get_latest_or_a_version_with_source_and_ir(api: Api) -> None:
    name = unique("multi")
    await deploy(api, spec(name, version="1.0", greeting="old"))
    await deploy(api, spec(name, version="2.0", greeting="new"))

    latest = (await api.http.get(f"/definitions/{name}")).json()
    assert latest["version"] == "2.0"
    assert latest["ir"]["id"] == name
    assert latest["ir"]["states"][0]["data"] == {"greeting": "new"}
    older = (await api.http.get(f"/definitions/{name}", params={"version": "1.0"})).json()
    assert "old" in older["source"]

    listed = (await api.http.get("/definitions", params={"id": name})).json()["definitions"]
    assert [item["version"] for item in listed] == ["1.0", "2.0"]
    everything = (await api.http.get("/definitions")).json()["definitions"]
    assert {item["id"] for item in everything} >= {name}

    assert_problem(
        await api.http.get(f"/definitions/{name}", params={"version": "9"}), 404, "definition_not_found"
    )
    assert_problem(await api.http.get("/definitions/nothing-here"), 404, "definition_not_found")


async def test_delete_one_version_then_all(api: Api) -> None:
    name = unique("gone")
    await deploy(api, spec(name, version="1.0"))
    await deploy(api, spec(name, version="2.0"))

    assert (await api.http.delete(f"/definitions/{name}", params={"version": "2.0"})).status_code == 204
    assert (await api.http.get(f"/definitions/{name}")).json()["version"] == "1.0"
    assert (await api.http.delete(f"/definitions/{name}")).status_code == 204
    assert_problem(await api.http.get(f"/definitions/{name}"), 404, "definition_not_found")
    assert_problem(await api.http.delete(f"/definitions/{name}"), 404, "definition_not_found")


async def test_validate_is_a_dry_run(api: Api) -> None:
    name = unique("dry")
    valid = await api.http.post(
        "/definitions/validate", content=spec(name), headers={"content-type": "text/yaml"}
    )
    assert valid.status_code == 200
    assert valid.json() == {
        "valid": True, "id": name, "version": "1.0", "content_hash": valid.json()["content_hash"], "problems": [],
    }  # fmt: skip
    assert (await api.http.get(f"/definitions/{name}")).status_code == 404

    invalid = await api.http.post(
        "/definitions/validate", content=BROKEN, headers={"content-type": "text/yaml"}
    )
    assert invalid.status_code == 200
    assert invalid.json()["valid"] is False
    assert invalid.json()["problems"] and all(p["line"] for p in invalid.json()["problems"])


async def test_refuses_other_media_types_and_non_utf8(api: Api) -> None:
    xml = await api.http.post(
        "/definitions", content=b"<workflow/>", headers={"content-type": "application/xml"}
    )
    assert_problem(xml, 415, "unsupported_media_type")
    latin1 = await api.http.post(
        "/definitions", content="id: caf\xe9".encode("latin-1"), headers={"content-type": "text/yaml"}
    )
    assert_problem(latin1, 400, "invalid_encoding")


async def test_untyped_body_is_sniffed(api: Api) -> None:
    name = unique("sniffed")
    as_json = await api.http.post("/definitions", content=json.dumps(yaml.safe_load(spec(name))))
    assert as_json.status_code == 201
    assert as_json.json()["media_type"] == "application/json"


async def test_a_scheduled_definition_gets_a_temporal_schedule_that_starts_it(api: Api) -> None:
    name = unique("ticker")
    text = spec(name).replace(
        "start: Greet\n", 'start:\n  stateName: Greet\n  schedule:\n    interval: "R/PT1S"\n'
    )
    deployed = await deploy(api, text)
    assert deployed["scheduled"] is True
    assert deployed["schedule_id"] == schedule_id(name)
    handle = api.service.client.get_schedule_handle(schedule_id(name))
    try:
        for _ in range(100):
            listed = (await api.http.get("/instances", params={"definition": name})).json()["instances"]
            if listed:
                break
            await asyncio.sleep(0.2)
        assert listed and listed[0]["instance_id"].startswith(f"{name}-scheduled")
    finally:
        assert (await api.http.delete(f"/definitions/{name}")).status_code == 204
    try:
        await handle.describe()
        raise AssertionError("the schedule outlived its definition")
    except RPCError:
        pass


SONATAFLOW_ECHO = """id: {id}
start: Echo
functions: [{{name: echo, type: custom, operation: builtin.echo}}]
states:
  - {{name: Echo, type: operation, actions: [functionRef: {{refName: echo, arguments: {{value: .x}}}}], end: true}}
"""


async def test_the_dialect_is_chosen_per_deployment_and_stored(api: Api) -> None:
    definition_id = unique("sonataflow")
    text = SONATAFLOW_ECHO.format(id=definition_id)
    headers = {"content-type": "application/yaml"}
    refused = await api.http.post("/definitions", content=text, headers=headers)
    assert_problem(refused, 422, "invalid_document")  # standard: no specVersion
    response = await api.http.post(
        "/definitions", content=text, headers=headers, params={"dialect": "sonataflow"}
    )
    assert response.status_code == 201, response.text
    assert response.json()["dialect"] == "sonataflow"
    stored = (await api.http.get(f"/definitions/{definition_id}")).json()
    assert stored["dialect"] == "sonataflow" and stored["source"] == text
    started = await api.http.post("/instances", json={"definition": definition_id, "input": {"x": 4}})
    instance = started.json()["instance_id"]
    result = await api.http.get(f"/instances/{instance}/result", params={"wait": "true"})
    assert result.json()["output"]["value"] == 4
    unknown = await api.http.post("/definitions", content=text, headers=headers, params={"dialect": "kogito"})
    assert_problem(unknown, 400, "unknown_dialect")
