"""The ``rest`` engine activity: finds the OpenAPI operation and calls it, only on hosts the operator allowed."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Iterator

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from swengine.activities import rest_allow
from swengine.activities.rest import invoke_rest
from swengine.activities.rest_allow import address_refusal, url_allowed
from tests.standins import JsonHandler, standin_server

OPENAPI = {
    "openapi": "3.0.0",
    "paths": {
        "/greet/{name}": {
            "get": {
                "operationId": "greet",
                "parameters": [
                    {"name": "name", "in": "path"},
                    {"name": "lang", "in": "query"},
                    {"name": "Host", "in": "header"},
                    {"name": "X-Trace", "in": "header"},
                ],
            }
        },
        "/orders": {"post": {"operationId": "placeOrder"}},
        "/broken": {"get": {"operationId": "broken"}},
        "/{anything}": {
            "get": {"operationId": "anything", "parameters": [{"name": "anything", "in": "path"}]}
        },
        "/moved": {"get": {"operationId": "moved"}},
    },
}


class _Handler(JsonHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if self.path == "/openapi.json":
            self._send(200, OPENAPI)
        elif self.path.startswith("/greet/"):
            self._send(200, {"path": self.path})
        elif self.path == "/moved":
            self.send_response(302)
            self.send_header("location", "http://127.0.0.1:1/elsewhere")
            self.send_header("content-length", "0")
            self.end_headers()
        elif self.path == "/admin" or self.path.startswith("/admin?"):
            self._send(200, {"admin": True})
        else:
            self._send(404, {"error": "no such thing"})

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        self._send(201, {"received": body})


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with standin_server(_Handler) as url:
        monkeypatch.setenv("SWENGINE_REST_ALLOW", url.removeprefix("http://"))
        yield f"{url}/openapi.json"


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


async def test_path_parameters_are_encoded_and_never_leave_their_segment(server: str):
    reply = await _call(server, "greet", {"name": "../../admin?x=1"})
    assert reply == {"path": "/greet/..%2F..%2Fadmin%3Fx%3D1"}


async def test_a_header_may_not_choose_the_site_an_allowed_server_answers_for(server: str):
    with pytest.raises(ApplicationError) as refused:
        await _call(server, "greet", {"name": "ada", "Host": "admin.internal"})
    assert (refused.value.type, refused.value.non_retryable) == ("rest_not_allowed", True)
    assert await _call(server, "greet", {"name": "ada", "X-Trace": "7"}) == {"path": "/greet/ada"}
    plain = {
        "function": "f",
        "operation": f"rest:get:{server}",
        "arguments": {"HEADER_Host": "metadata.internal"},
    }
    with pytest.raises(ApplicationError) as refused:
        await ActivityEnvironment().run(invoke_rest, plain)
    assert refused.value.type == "rest_not_allowed"


async def test_a_url_in_a_path_parameter_stays_on_the_allowed_origin(server: str):
    other = f"http://127.0.0.1:{_free_port()}/y"
    with pytest.raises(ApplicationError) as failed:  # encoded, it is one segment of the allowed server: 404
        await _call(server, "anything", {"anything": other})
    assert failed.value.type == "404"


async def test_another_port_of_an_allowed_host_is_refused(server: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SWENGINE_REST_ALLOW", f"127.0.0.1:{_free_port()}")
    with pytest.raises(ApplicationError) as failed:
        await _call(server, "greet", {"name": "ada"})
    assert (failed.value.type, failed.value.non_retryable) == ("rest_not_allowed", True)


async def test_a_bare_host_allows_only_the_default_port(server: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SWENGINE_REST_ALLOW", "127.0.0.1")
    with pytest.raises(ApplicationError) as failed:
        await _call(server, "greet", {"name": "ada"})
    assert failed.value.type == "rest_not_allowed"


async def test_redirects_are_not_followed(server: str):
    with pytest.raises(ApplicationError) as failed:
        await _call(server, "moved", {})
    assert (failed.value.type, failed.value.non_retryable) == ("rest_not_allowed", True)


def test_allow_list_entries_name_scheme_host_and_port():
    assert url_allowed("http://api.test/x", ["api.test"])
    assert url_allowed("https://api.test/x", ["api.test"])
    assert not url_allowed("http://api.test:8080/x", ["api.test"])
    assert url_allowed("http://api.test:8080/x", ["api.test:8080"])
    assert not url_allowed("https://api.test:8080/x", ["http://api.test:8080"])
    assert not url_allowed("http://user@api.test/x", ["api.test"])
    assert not url_allowed("file:///etc/passwd", ["api.test"])
    assert not url_allowed("http://api.test/x", ["not a host:port:x"])


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize(
    "address", ["127.0.0.1", "::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254", "fe80::1"]
)
async def test_a_listed_name_resolving_inwards_is_refused_in_any_spelling(address: str, monkeypatch):
    async def resolve(self: object, host: str, *args: object, **kwargs: object) -> list[tuple]:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (address, 0))]

    monkeypatch.setattr(type(asyncio.get_running_loop()), "getaddrinfo", resolve)
    assert await address_refusal("http://api.example.test/") is not None
    monkeypatch.undo()


async def test_a_listed_name_resolving_outwards_passes(monkeypatch):
    async def resolve(self: object, host: str, *args: object, **kwargs: object) -> list[tuple]:
        return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("::ffff:203.0.113.7", 0))]

    monkeypatch.setattr(type(asyncio.get_running_loop()), "getaddrinfo", resolve)
    assert await address_refusal("http://api.example.test/") is None
    monkeypatch.undo()


class _Host(JsonHandler):
    def do_GET(self) -> None:  # noqa: N802
        self._send(200, {"host": self.headers.get("host")})


async def test_a_name_is_reached_at_the_address_it_was_checked_at(monkeypatch):
    """DNS rebinding: the name answers an outside address first and loopback after. The connection goes to the
    address the check saw (outside, unreachable here), never to a later answer: loopback is never reached."""
    answers = iter(["203.0.113.7"] + ["127.0.0.1"] * 10)
    reached: list[str] = []

    class Counting(_Host):
        def do_GET(self) -> None:  # noqa: N802
            reached.append(self.path)
            super().do_GET()

    async def resolve(self: object, host: str, *args: object, **kwargs: object) -> list[tuple]:
        return [
            (
                socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (next(answers) if host == "api.example.test" else host, 0),
            )
        ]

    with standin_server(Counting) as url:
        port = url.rsplit(":", 1)[1]
        monkeypatch.setenv("SWENGINE_REST_ALLOW", f"api.example.test:{port}")
        monkeypatch.setattr(type(asyncio.get_running_loop()), "getaddrinfo", resolve)
        plain = {"function": "f", "operation": f"rest:get:http://api.example.test:{port}/x", "arguments": {}}
        with pytest.raises(Exception):  # noqa: B017, PT011 - refused or unreachable: either way not loopback
            await ActivityEnvironment().run(invoke_rest, plain)
        monkeypatch.undo()
    assert reached == []


async def test_a_pinned_call_still_names_its_host(monkeypatch):
    async def resolve(self: object, host: str, *args: object, **kwargs: object) -> list[tuple]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 0))]

    with standin_server(_Host) as url:
        port = url.rsplit(":", 1)[1]
        monkeypatch.setenv("SWENGINE_REST_ALLOW", f"api.example.test:{port}")
        monkeypatch.setattr(type(asyncio.get_running_loop()), "getaddrinfo", resolve)
        monkeypatch.setattr(rest_allow, "_inward", lambda address: False)  # as if 127.0.0.1 were outside
        plain = {"function": "f", "operation": f"rest:get:http://api.example.test:{port}/x", "arguments": {}}
        answer = await ActivityEnvironment().run(invoke_rest, plain)
        monkeypatch.undo()
    assert answer == {"host": f"api.example.test:{port}"}
