"""Cross-cutting behaviour: problem+json for every error, body limits, bearer tokens, health, docs."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from temporalio.client import Client

from swengine.api.deps import Engine
from swengine.core.settings import Settings
from swengine.runtime.service import Service
from swengine.runtime.store import SqliteDefinitionStore
from tests.api.conftest import Api, ApiFactory, assert_problem, spec, unique


async def chunks(data: bytes, size: int = 1000) -> AsyncIterator[bytes]:
    for offset in range(0, len(data), size):
        yield data[offset : offset + size]


async def test_unknown_route_and_wrong_method_are_problems(api: Api) -> None:
    assert_problem(await api.http.get("/nowhere"), 404, "not_found")
    response = await api.http.put("/definitions")
    assert_problem(response, 405, "method_not_allowed")
    assert "POST" in response.headers["allow"]


async def test_declared_body_over_the_limit_is_413(make_api: ApiFactory) -> None:
    async with make_api(max_body=2000) as api:
        big = spec(unique("big")) + "#" * 3000
        for path in ("/definitions", "/definitions/validate", "/events", "/instances"):
            response = await api.http.post(path, content=big, headers={"content-type": "application/yaml"})
            assert_problem(response, 413, "payload_too_large")
        files = {"file": ("big.yaml", big.encode(), "text/yaml")}
        assert_problem(await api.http.post("/definitions", files=files), 413, "payload_too_large")
        small = await api.http.post(
            "/definitions", content=spec(unique("ok")), headers={"content-type": "text/yaml"}
        )
        assert small.status_code == 201


async def test_streamed_body_over_the_limit_is_413(make_api: ApiFactory) -> None:
    async with make_api(max_body=2000) as api:
        body = (spec(unique("streamed")) + "#" * 5000).encode()
        response = await api.http.post(
            "/definitions", content=chunks(body), headers={"content-type": "text/yaml"}
        )
        assert "content-length" not in response.request.headers
        assert_problem(response, 413, "payload_too_large")
        event = json.dumps({"specversion": "1.0", "id": "1", "source": "s", "type": "t", "data": "x" * 5000})
        streamed = await api.http.post("/events", content=chunks(event.encode()),
                                       headers={"content-type": "application/cloudevents+json"})  # fmt: skip
        assert_problem(streamed, 413, "payload_too_large")
        fits = spec(unique("fits")).encode()
        ok = await api.http.post(
            "/definitions", content=chunks(fits, 50), headers={"content-type": "text/yaml"}
        )
        assert ok.status_code == 201


async def test_an_unexpected_error_is_a_500_problem_without_internals(
    make_api: ApiFactory, tmp_path, monkeypatch
) -> None:
    store = SqliteDefinitionStore(tmp_path / "broken.db")

    def explode(definition_id=None):
        raise RuntimeError("secret internals at /srv/app.py line 12")

    monkeypatch.setattr(store, "list", explode)
    async with make_api(store=store) as api:
        response = await api.http.get("/definitions")
        body = assert_problem(response, 500, "internal_error")
        assert "secret" not in response.text and "Traceback" not in response.text
        assert body["instance"] == "/definitions"
        assert (await api.http.get("/healthz")).status_code == 200  # still serving


async def test_bearer_tokens(make_api: ApiFactory) -> None:
    async with make_api(tokens=("alpha", "beta")) as api:
        missing = await api.http.get("/definitions")
        assert_problem(missing, 401, "unauthorized")
        assert missing.headers["www-authenticate"].startswith("Bearer")
        wrong = await api.http.get("/definitions", headers={"authorization": "Bearer gamma"})
        assert_problem(wrong, 401, "unauthorized")
        basic = await api.http.get("/definitions", headers={"authorization": "Basic YWxwaGE6"})
        assert_problem(basic, 401, "unauthorized")
        for token in ("alpha", "beta"):
            ok = await api.http.get("/definitions", headers={"authorization": f"Bearer {token}"})
            assert ok.status_code == 200
        for path in ("/instances", "/instances/x", "/events"):
            response = await (api.http.post if path == "/events" else api.http.get)(path)
            assert_problem(response, 401, "unauthorized")
        assert (await api.http.get("/healthz")).status_code == 200
        assert (await api.http.get("/readyz")).status_code == 200


async def test_health_and_readiness(api: Api) -> None:
    assert (await api.http.get("/healthz")).json() == {"status": "ok"}
    ready = await api.http.get("/readyz")
    assert ready.json() == {"status": "ready", "checks": {"temporal": "ok", "store": "ok"}}


async def test_not_ready_when_temporal_is_unreachable(make_api: ApiFactory, tmp_path) -> None:
    async with make_api() as api:
        nowhere = await Client.connect("127.0.0.1:1", lazy=True)
        api.app.state.engine = Engine(Settings(), Service(nowhere), api.store, api.app.state.engine.router)
        body = assert_problem(await api.http.get("/readyz"), 503, "not_ready")
        assert body["checks"]["store"] == "ok"
        assert body["checks"]["temporal"].startswith("failed")


async def test_openapi_documents_every_route_and_the_problem_shape(api: Api) -> None:
    schema = (await api.http.get("/openapi.json")).json()
    assert {"/definitions", "/definitions/validate", "/definitions/{definition_id}", "/instances",
            "/instances/{instance_id}", "/instances/{instance_id}/result", "/instances/{instance_id}/cancel",
            "/instances/{instance_id}/terminate", "/instances/{instance_id}/events", "/events", "/healthz",
            "/readyz"} <= set(schema["paths"])  # fmt: skip
    assert "ProblemDetails" in schema["components"]["schemas"]
    conflict = schema["paths"]["/definitions"]["post"]["responses"]["409"]
    assert "application/problem+json" in conflict["content"]
    assert "multipart/form-data" in schema["paths"]["/definitions"]["post"]["requestBody"]["content"]
    events = schema["paths"]["/events"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert events["$ref"].endswith("EventsRouted")
    assert (await api.http.get("/docs")).status_code == 200
