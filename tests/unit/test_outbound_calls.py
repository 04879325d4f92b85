"""Calls to the outside: answers are read with a bound (one over the payload limit fails its call as
``payload_too_large`` before it is held whole, a compressed one by its expanded size); an OpenAPI document's
credentials go to the document's host only, the operation gets ``authentication``'s."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from swengine.activities.http import invoke_http
from swengine.activities.rest import invoke_rest
from swengine.core.limits import PAYLOAD_LIMIT
from tests.standins import standin_server

BIG = b'{"rows": "' + b"x" * PAYLOAD_LIMIT + b'"}'


class _Answers(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        body, encoding = {"/big": (BIG, None), "/bomb": (gzip.compress(BIG), "gzip"),
                          "/small": (b'{"ok": true}', None)}[self.path]  # fmt: skip
        self.send_response(200)
        self.send_header("content-type", "application/json")
        if encoding:
            self.send_header("content-encoding", encoding)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def base(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with standin_server(_Answers) as url:
        monkeypatch.setenv("SWENGINE_REST_ALLOW", url.removeprefix("http://"))
        yield url


def _http(url: str) -> dict[str, object]:
    return {"function": "f", "protocol": "http", "arguments": {"method": "get", "endpoint": url}}


@pytest.mark.parametrize("path", ["/big", "/bomb"])
async def test_an_answer_over_the_limit_fails_the_call_in_either_dsl(base: str, path: str):
    assert len(gzip.compress(BIG)) < PAYLOAD_LIMIT // 100  # the bomb is small on the wire
    with pytest.raises(ApplicationError) as too_large:
        await ActivityEnvironment().run(invoke_http, _http(base + path))
    assert (too_large.value.type, too_large.value.non_retryable) == ("payload_too_large", True)
    plain = {"function": "f", "operation": f"rest:get:{base}{path}", "arguments": {}}
    with pytest.raises(ApplicationError) as too_large:
        await ActivityEnvironment().run(invoke_rest, plain)
    assert too_large.value.type == "payload_too_large"


async def test_an_answer_within_the_limit_is_the_result(base: str):
    assert await ActivityEnvironment().run(invoke_http, _http(base + "/small")) == {"ok": True}


class _Documents(BaseHTTPRequestHandler):
    """Serves an OpenAPI document (to Basic credentials only) whose operation lives on ``api_base``."""

    api_base = ""

    def do_GET(self) -> None:  # noqa: N802
        if self.headers.get("authorization") != "Basic ZG9jOnJlYWRlcg==":  # doc:reader
            self.send_response(401)
            self.end_headers()
            return
        document = {"openapi": "3.0.0", "servers": [{"url": self.api_base}],
                    "paths": {"/seen": {"get": {"operationId": "seen"}}}}  # fmt: skip
        body = json.dumps(document).encode()
        self.send_response(200)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class _Api(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        body = json.dumps({"authorization": self.headers.get("authorization")}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


async def test_an_openapi_document_s_credentials_never_reach_the_api_host(monkeypatch):
    with standin_server(_Api) as api, standin_server(_Documents) as documents:
        _Documents.api_base = api
        monkeypatch.setenv(
            "SWENGINE_REST_ALLOW", f"{api.removeprefix('http://')},{documents.removeprefix('http://')}"
        )
        basic = {"basic": {"username": "doc", "password": "reader"}}
        arguments = {"document": {"endpoint": {"uri": f"{documents}/openapi.json", "authentication": basic}},
                     "operationId": "seen"}  # fmt: skip
        call = {"function": "f", "protocol": "openapi", "arguments": arguments}
        assert await ActivityEnvironment().run(invoke_http, call) == {"authorization": None}
        arguments["authentication"] = {"bearer": {"token": "api-token"}}
        assert await ActivityEnvironment().run(invoke_http, call) == {"authorization": "Bearer api-token"}
