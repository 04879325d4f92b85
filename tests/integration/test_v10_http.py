"""1.0 ``call: http`` end to end against a loopback server: method, query, headers, body, the three outputs,
redirects, and the operator's allow-list (a host not allowed faults with ``authorization``)."""

from __future__ import annotations

import base64
import ipaddress
import json
import socket
import textwrap
from collections.abc import Iterator
from typing import Any

import pytest

from swengine.compiler.pipeline import compile_text
from tests.integration.conftest import outcome
from tests.standins import standin_server

ERRORS = "https://serverlessworkflow.io/spec/1.0.0/errors/"


@pytest.fixture
def base(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with standin_server() as url:
        monkeypatch.setenv("SWENGINE_REST_ALLOW", url.split("://", 1)[1])  # host:port of the stand-in
        yield url


def call(base: str, arguments: str) -> Any:
    text = (
        "document: {dsl: '1.0.3', namespace: http, name: call, version: '1.0.0'}\n"
        "do:\n  - request:\n      call: http\n      with:\n"
        + textwrap.indent(arguments.format(base=base), " " * 8)
    )
    return compile_text(text)


async def test_method_query_headers_and_body_reach_the_server(client, base):
    ir = call(
        base,
        """
        method: post
        endpoint: '{base}/anything'
        query: {{page: '${{ .page }}'}}
        headers: {{x-token: secret-ish}}
        body: {{order: '${{ .order }}'}}
        """,
    )
    echoed = await outcome(client, ir, {"page": "2", "order": 7})
    assert echoed == {"method": "POST", "args": {"page": "2"}, "token": "secret-ish", "json": {"order": 7}}


async def test_raw_output_is_the_body_in_base64(client, base):
    ir = call(base, "method: get\nendpoint: '{base}/v2/pet/3'\noutput: raw\n")
    raw = await outcome(client, ir)
    assert json.loads(base64.b64decode(raw)) == {"id": 3, "name": "pet-3", "status": "available"}


async def test_a_uri_template_value_stays_in_its_path_segment(client, base):
    ir = call(base, "method: get\nendpoint: '{base}/v2/pet/{{petId}}'\n")
    assert (await outcome(client, ir, {"petId": 3}))["id"] == 3
    escaping = await outcome(client, ir, {"petId": "3/../7"})  # unescaped: /v2/pet/7, another pet
    assert escaping["fault"]["status"] == 404


async def test_a_header_may_not_choose_the_site_the_server_answers_for(client, base):
    ir = call(base, "method: get\nendpoint: '{base}/v2/pet/1'\nheaders: {{Host: admin.internal}}\n")
    refused = await outcome(client, ir)
    assert (refused["fault"]["type"], refused["fault"]["status"]) == (ERRORS + "authorization", 403)


async def test_a_redirect_faults_unless_redirects_are_followed(client, base):
    target = "'{base}/redirect-to?url=/v2/pet/4'"
    refused = await outcome(client, call(base, f"method: get\nendpoint: {target}\n"))
    assert (refused["fault"]["type"], refused["fault"]["status"]) == (ERRORS + "communication", 302)
    followed = await outcome(client, call(base, f"method: get\nendpoint: {target}\nredirect: true\n"))
    assert followed == {"id": 4, "name": "pet-4", "status": "available"}


async def test_a_host_the_operator_did_not_allow_faults_with_authorization(client, base, monkeypatch):
    monkeypatch.setenv("SWENGINE_REST_ALLOW", "somewhere-else.example")
    refused = await outcome(client, call(base, "method: get\nendpoint: '{base}/v2/pet/1'\n"))
    assert (refused["fault"]["type"], refused["fault"]["status"]) == (ERRORS + "authorization", 403)
    assert refused["fault"]["instance"] == "/do/0/request"


async def test_a_named_basic_authentication_policy_is_sent(client, base):
    text = (
        "document: {dsl: '1.0.3', namespace: http, name: auth, version: '1.0.0'}\n"
        "use:\n  authentications:\n    login: {basic: {username: ada, password: '${ .password }'}}\n"
        "do:\n  - request:\n      call: http\n      with:\n        method: get\n"
        f"        endpoint: {{uri: '{base}/basic-auth/ada/s3cret', authentication: {{use: login}}}}\n"
    )
    assert await outcome(client, compile_text(text), {"password": "s3cret"}) == {
        "authenticated": True,
        "user": "ada",
    }


def _loopback_name() -> str | None:
    """This machine's name when it resolves to a loopback address (as Debian's /etc/hosts makes it)."""
    name = socket.gethostname()
    try:
        return name if ipaddress.ip_address(socket.gethostbyname(name)).is_loopback else None
    except OSError:
        return None


@pytest.mark.skipif(_loopback_name() is None, reason="the host name does not resolve to loopback here")
async def test_a_listed_name_that_resolves_to_loopback_is_refused(client, base, monkeypatch):
    port = base.rsplit(":", 1)[1]
    name = _loopback_name()
    monkeypatch.setenv("SWENGINE_REST_ALLOW", f"{name}:{port},localhost:{port}")
    refused = await outcome(
        client, call(f"http://{name}:{port}", "method: get\nendpoint: '{base}/v2/pet/1'\n")
    )
    assert (refused["fault"]["type"], refused["fault"]["status"]) == (ERRORS + "authorization", 403)
    by_localhost = call(f"http://localhost:{port}", "method: get\nendpoint: '{base}/v2/pet/1'\n")
    assert await outcome(client, by_localhost) == {"id": 1, "name": "pet-1", "status": "available"}
