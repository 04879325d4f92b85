"""``dataInputSchema`` references through the API (issue 11, item 2): refused at deploy, never fetched, and
the server's own URLs included; nothing of a file is quoted back."""

from __future__ import annotations

import json

from tests.api.conftest import Api, assert_problem, unique

JSON_TYPE = {"content-type": "application/json"}


def _document(reference: str) -> str:
    schema = {"type": "object", "properties": {"a": {"$ref": reference}}}
    return json.dumps({"id": unique("ref"), "version": "1", "specVersion": "0.8", "start": "S",
                       "dataInputSchema": {"schema": schema},
                       "states": [{"name": "S", "type": "inject", "data": {}, "end": True}]})  # fmt: skip


async def test_schema_references_leaving_the_document_are_refused_at_deploy(api: Api) -> None:
    own = str(api.http.base_url.join("/openapi.json"))
    for reference in (own, "http://127.0.0.1:9/s.json", "file:///etc/passwd", "/etc/passwd", "other.json"):
        response = await api.http.post("/definitions", content=_document(reference), headers=JSON_TYPE)
        body = assert_problem(response, 422, "invalid_document")
        assert body["problems"][0]["code"] in ("remote_reference_refused", "file_reference_not_found")
        assert "root:x:0" not in response.text
    local = _document("#/$defs/x").replace(
        '"type": "object"', '"type": "object", "$defs": {"x": {"type": "integer"}}'
    )
    definition = json.loads(local)["id"]
    assert (await api.http.post("/definitions", content=local, headers=JSON_TYPE)).status_code == 201
    refused = await api.http.post("/instances", json={"definition": definition, "input": {"a": "x"}})
    assert_problem(refused, 400, "invalid_input")
    started = await api.http.post("/instances", json={"definition": definition, "input": {"a": 1}})
    assert started.status_code == 201
