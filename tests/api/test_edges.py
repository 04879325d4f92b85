"""The API's edges (issue 11, item 9): authentication before anything else, bounded request bodies and
batches, and a client that leaves mid-body; the last two over a real loopback server (uvicorn, raw sockets)."""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
import uvicorn

from swengine.api.server import bind
from swengine.core.settings import SettingError, Settings
from tests.api.conftest import Api, ApiFactory, assert_problem, unique
from tests.reliability.conftest import clean_env, swengine_command

AUTH = {"authorization": "Bearer alpha"}


async def test_the_documentation_needs_the_token_too(make_api: ApiFactory) -> None:
    async with make_api(tokens=("alpha",)) as api:
        for path in ("/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect", "/no-such-route"):
            assert_problem(await api.http.get(path), 401, "unauthorized")
        for path in ("/docs", "/redoc", "/openapi.json"):
            assert (await api.http.get(path, headers=AUTH)).status_code == 200
        assert (await api.http.get("/healthz")).status_code == 200


async def test_no_answer_may_be_framed_or_sniffed_and_the_console_runs_only_its_own_script(
    make_api: ApiFactory,
) -> None:
    async with make_api(tokens=("alpha",)) as api:
        for path, headers in (("/ui/", {}), ("/healthz", {}), ("/definitions", {}), ("/definitions", AUTH)):
            answer = await api.http.get(path, headers=headers)
            assert (answer.headers["x-frame-options"], answer.headers["x-content-type-options"]) == (
                "DENY", "nosniff")  # fmt: skip
        policy = (await api.http.get("/ui/")).headers["content-security-policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]


async def test_a_token_need_not_be_ascii(make_api: ApiFactory) -> None:
    async with make_api(tokens=("clé-secrète",)) as api:
        header = {"authorization": "Bearer clé-secrète".encode()}  # sent as UTF-8 bytes, as HTTP clients do
        assert (await api.http.get("/definitions", headers=header)).status_code == 200
        assert_problem(
            await api.http.get("/definitions", headers={"authorization": b"Bearer cl\xe9"}),
            401,
            "unauthorized",
        )


async def test_every_documented_operation_needs_the_token(make_api: ApiFactory) -> None:
    async with make_api(tokens=("alpha",)) as api:
        for path, item in api.app.openapi()["paths"].items():
            for method in item:
                response = await api.http.request(method.upper(), path.replace("{", "x").replace("}", ""))
                if path in ("/healthz", "/readyz"):
                    assert response.status_code == 200, (method, path)
                else:
                    assert_problem(response, 401, "unauthorized")


async def test_a_request_without_a_token_is_refused_before_its_body_is_read(make_api: ApiFactory) -> None:
    async with make_api(tokens=("alpha",), max_body=100) as api:
        malformed = await api.http.post(
            "/instances", content=b"{nope", headers={"content-type": "application/json"}
        )
        assert_problem(malformed, 401, "unauthorized")
        huge = await api.http.post("/definitions", content=b"x" * 1000)
        assert_problem(huge, 401, "unauthorized")
        with_token = await api.http.post(
            "/instances", content=b"{nope", headers={**AUTH, "content-type": "application/json"}
        )
        assert_problem(with_token, 400, "malformed_json")


def test_tokens_that_name_no_token_are_refused() -> None:
    for value in (",", " , ,", " "):
        with pytest.raises(SettingError, match="SWENGINE_TOKENS"):
            Settings.from_env({"SWENGINE_TOKENS": value})
    assert Settings.from_env({"SWENGINE_TOKENS": ""}).tokens == ()


def test_serve_refuses_to_start_with_tokens_that_name_none() -> None:
    done = subprocess.run(swengine_command("serve", "--port", "1"), env=clean_env(SWENGINE_TOKENS=","),
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 2
    assert "SWENGINE_TOKENS" in done.stderr and "Traceback" not in done.stderr


async def test_an_undefined_jq_variable_fails_validation(api: Api) -> None:
    def document(expression: str) -> str:
        return json.dumps({
            "id": unique("vars"), "version": "1", "specVersion": "0.8", "start": "A",
            "constants": {"k": 1},
            "states": [{"name": "A", "type": "foreach", "inputCollection": "${ .xs }", "iterationParam": "x",
                        "actions": [{"functionRef": {"refName": "f", "arguments": {"v": expression}}}],
                        "end": True}],
            "functions": [{"name": "f", "type": "custom", "operation": "builtin:echo"}],
        })  # fmt: skip

    refused = await api.http.post(
        "/definitions", content=document("${ $typo }"), headers={"content-type": "application/json"}
    )
    body = assert_problem(refused, 422, "invalid_document")
    assert [p["code"] for p in body["problems"]] == ["invalid_expression"]
    assert "typo" in body["problems"][0]["message"]
    fine = document("${ [$x, $CONST.k, (reduce .[] as $i (0; . + $i))] }")
    assert (
        await api.http.post("/definitions", content=fine, headers={"content-type": "application/json"})
    ).status_code == 201


async def test_a_batch_over_the_event_bound_is_refused_whole(make_api: ApiFactory) -> None:
    async with make_api(max_batch=3) as api:
        events = [{"specversion": "1.0", "id": f"e{i}", "source": "/t", "type": "t.batch"} for i in range(4)]
        headers = {"content-type": "application/cloudevents-batch+json"}
        body = assert_problem(
            await api.http.post("/events", json=events, headers=headers), 413, "batch_too_large"
        )
        assert "3" in body["detail"]
        assert (await api.http.post("/events", json=events[:3], headers=headers)).status_code == 200


@asynccontextmanager
async def loopback(api: Api) -> AsyncIterator[int]:
    """The API on a real loopback socket (uvicorn, as ``serve`` runs it); yields the port."""
    sock = bind("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(api.app, lifespan="off", log_level="warning"))
    task = asyncio.ensure_future(server.serve(sockets=[sock]))
    try:
        while not server.started:
            await asyncio.sleep(0.01)
        yield sock.getsockname()[1]
    finally:
        server.should_exit = True
        await task
        sock.close()


async def _stalled_request(
    port: int, *, declared: int, sent: bytes
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"POST /definitions HTTP/1.1\r\nhost: x\r\ncontent-type: application/yaml\r\n"
                 + f"content-length: {declared}\r\n\r\n".encode() + sent)  # fmt: skip
    await writer.drain()
    return reader, writer


async def test_a_stalled_body_is_cut_off_at_the_read_deadline(make_api: ApiFactory) -> None:
    async with make_api(body_timeout=1.0) as api, loopback(api) as port:
        reader, writer = await _stalled_request(port, declared=1000, sent=b"id: x\n")
        answer = await asyncio.wait_for(reader.read(), 30)  # generous liveness bound; the deadline is 1 s
        writer.close()
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 408")
        assert json.loads(body)["code"] == "request_timeout"


async def test_a_client_leaving_mid_body_costs_one_line_not_a_traceback(
    make_api: ApiFactory, caplog: pytest.LogCaptureFixture
) -> None:
    async with make_api() as api, loopback(api) as port:
        with caplog.at_level(logging.INFO):
            for _ in range(3):
                _, writer = await _stalled_request(port, declared=1000, sent=b"id: x\n")
                await asyncio.sleep(0.1)
                writer.close()
            await asyncio.sleep(0.5)
            assert (await api.http.get("/healthz")).status_code == 200
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR or record.exc_info]
    assert errors == []
    gone = [record for record in caplog.records if "disconnected" in record.getMessage()]
    assert len(gone) == 3
