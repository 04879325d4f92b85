"""1.0 authentication policies of ``call: http`` against a loopback authority and API: digest (a real
challenge), OAuth2 client credentials (token endpoint, cached per worker), OpenID Connect (discovery), and a
token endpoint the operator did not allow."""

from __future__ import annotations

import hashlib
import json
import re
import textwrap
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest

from swengine.compiler.pipeline import compile_text
from tests.integration.conftest import outcome
from tests.standins import JsonHandler

ERRORS = "https://serverlessworkflow.io/spec/1.0.0/errors/"
REALM, NONCE = "swengine", "f00d"
USER, PASSWORD = "ada", "lovelace"
CLIENT, CLIENT_SECRET = "workflow-runtime", "client-s3cret"


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # noqa: S324 - RFC 2617 digest


class _Authority(JsonHandler):
    """A token endpoint, an OIDC discovery document, a bearer-protected ``/api`` and a digest-protected
    ``/digest``; ``issued`` counts the tokens handed out."""

    issued: list[dict[str, list[str]]]

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        form = parse_qs(self.rfile.read(int(self.headers.get("content-length") or 0)).decode())
        if self.path != "/oauth2/token" or form.get("client_secret") != [CLIENT_SECRET]:
            self._send(401, {"error": "invalid_client"})
            return
        self.issued.append(form)
        self._send(
            200, {"access_token": f"token-{len(self.issued)}", "token_type": "Bearer", "expires_in": 3600}
        )

    def do_GET(self) -> None:  # noqa: N802
        host = f"http://{self.headers['host']}"
        if self.path == "/.well-known/openid-configuration":
            self._send(200, {"issuer": host, "token_endpoint": f"{host}/oauth2/token"})
        elif self.path == "/api":
            token = (self.headers.get("authorization") or "").removeprefix("Bearer ")
            self._send(200 if token.startswith("token-") else 401, {"token": token})
        elif self.path == "/digest":
            self._digest()
        else:
            self._send(404, {})

    def _digest(self) -> None:
        fields = dict(re.findall(r'(\w+)="?([^",]+)"?', self.headers.get("authorization") or ""))
        if fields:
            known = _md5(f"{USER}:{REALM}:{PASSWORD}")
            parts = [
                fields["nonce"],
                fields["nc"],
                fields["cnonce"],
                fields["qop"],
                _md5(f"GET:{fields['uri']}"),
            ]
            if fields["response"] == _md5(":".join([known, *parts])):
                self._send(200, {"user": fields["username"]})
                return
        self.send_response(401)
        self.send_header("www-authenticate", f'Digest realm="{REALM}", nonce="{NONCE}", qop="auth"')
        self.send_header("content-length", "0")
        self.end_headers()


@pytest.fixture
def authority(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, list[Any]]]:
    issued: list[Any] = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), type("Handler", (_Authority,), {"issued": issued}))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    monkeypatch.setenv("SWENGINE_REST_ALLOW", base.split("://", 1)[1])
    try:
        yield base, issued
    finally:
        httpd.shutdown()
        httpd.server_close()


def document(base: str, policy: str, calls: int = 1, path: str = "/api") -> Any:
    tasks = "".join(
        f"  - call{index}:\n      call: http\n      with:\n        method: get\n"
        f"        endpoint: {{uri: '{base}{path}', authentication: {{use: policy}}}}\n"
        for index in range(calls)
    )
    head = "document: {dsl: '1.0.3', namespace: auth, name: policy, version: '1.0.0'}\n"
    use = "use:\n  authentications:\n    policy:\n" + textwrap.indent(policy.replace("{base}", base), " " * 6)
    return compile_text(head + use + "do:\n" + tasks)


async def test_digest_answers_the_servers_challenge(client, authority):
    base, _ = authority
    policy = f"digest: {{username: {USER}, password: {PASSWORD}}}\n"
    assert await outcome(client, document(base, policy, path="/digest")) == {"user": USER}


OAUTH2 = f"""oauth2:
  authority: '{{base}}'
  grant: client_credentials
  client: {{id: {CLIENT}, secret: {CLIENT_SECRET}}}
  scopes: [api]
  audiences: [runtime]
"""


async def test_oauth2_client_credentials_fetch_one_token_the_worker_reuses(client, authority):
    base, issued = authority
    assert await outcome(client, document(base, OAUTH2, calls=2)) == {"token": "token-1"}
    assert len(issued) == 1
    form = issued[0]
    assert (form["grant_type"], form["client_id"], form["scope"], form["audience"]) == (
        ["client_credentials"],
        [CLIENT],
        ["api"],
        ["runtime"],
    )


async def test_oidc_finds_the_token_endpoint_by_discovery(client, authority):
    base, issued = authority
    policy = OAUTH2.replace("oauth2:", "oidc:").replace("scopes: [api]", "scopes: [openid]")
    answer = await outcome(client, document(base, policy))
    assert answer == {"token": f"token-{len(issued)}"}
    assert issued[-1]["scope"] == ["openid"]


async def test_wrong_client_credentials_fault_with_authorization(client, authority):
    base, _ = authority
    policy = OAUTH2.replace(CLIENT_SECRET, "wrong")
    refused = await outcome(client, document(base, policy))
    assert (refused["fault"]["type"], refused["fault"]["status"]) == (ERRORS + "authorization", 403)


async def test_a_token_endpoint_the_operator_did_not_allow_is_never_asked(client, authority):
    base, issued = authority
    elsewhere = base.replace("127.0.0.1", "localhost")  # the same server, by a name the operator did not list
    policy = OAUTH2.replace("'{base}'", f"'{elsewhere}'").replace("[api]", "[elsewhere]")
    refused = await outcome(client, document(base, policy))
    assert (refused["fault"]["type"], refused["fault"]["status"]) == (ERRORS + "authorization", 403)
    assert json.dumps(issued).count("elsewhere") == 0
