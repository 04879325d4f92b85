"""The ``rest`` engine activity: finds the OpenAPI operation and calls it, only on hosts the operator allowed."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from swengine.activities.rest import invoke_rest
from tests.standins import JsonHandler

OPENAPI = {
    "openapi": "3.0.0",
    "paths": {
        "/greet/{name}": {
            "get": {
                "operationId": "greet",
                "parameters": [{"name": "name", "in": "path"}, {"name": "lang", "in": "query"}],
            }
        },
        "/orders": {"post": {"operationId": "placeOrder"}},
        "/broken": {"get": {"operationId": "broken"}},
    },
}


class _Handler(JsonHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if self.path == "/openapi.json":
            self._send(200, OPENAPI)
        elif self.path.startswith("/greet/"):
            self._send(200, {"path": self.path})
        else:
            self._send(404, {"error": "no such thing"})

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        self._send(201, {"received": body})


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    monkeypatch.setenv("SWENGINE_REST_ALLOW", "127.0.0.1")
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/openapi.json"
    finally:
        httpd.shutdown()


async def _call(spec: str, operation: str, arguments: dict) -> object:
    payload = {"function": "f", "operation": f"{spec}#{operation}", "arguments": arguments}
    return await ActivityEnvironment().run(invoke_rest, payload)


async def test_path_and_query_parameters_are_placed_as_declared(server: str):
    assert await _call(server, "greet", {"name": "ada", "lang": "en"}) == {"path": "/greet/ada?lang=en"}


async def test_other_arguments_are_the_json_body(server: str):
    assert await _call(server, "placeOrder", {"item": "tea", "qty": 2}) == {
        "received": {"item": "tea", "qty": 2}
    }


async def test_a_client_error_is_a_non_retryable_error_named_by_its_status(server: str):
    with pytest.raises(ApplicationError) as failed:
        await _call(server, "broken", {})
    assert (failed.value.type, failed.value.non_retryable) == ("404", True)


async def test_an_unknown_operation_is_refused(server: str):
    with pytest.raises(ApplicationError) as failed:
        await _call(server, "nope", {})
    assert failed.value.type == "rest_operation_not_found"


async def test_hosts_the_operator_did_not_allow_are_refused(server: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SWENGINE_REST_ALLOW", "example.org")
    with pytest.raises(ApplicationError) as failed:
        await _call(server, "greet", {"name": "ada"})
    assert (failed.value.type, failed.value.non_retryable) == ("rest_not_allowed", True)
