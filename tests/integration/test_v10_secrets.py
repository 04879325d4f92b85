"""1.0 secrets end to end: named in ``use.secrets``, valued by the operator (a secrets folder and
``SWENGINE_SECRET_<NAME>``), sent by ``call: http`` to a loopback server, and found nowhere else: not in the
instance's whole Temporal history, its status, its output, nor any log line."""

from __future__ import annotations

import base64
import json
import logging
import secrets
import textwrap
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from swengine.compiler.pipeline import DocumentError, compile_text
from swengine.runtime.service import InstanceFailed
from tests.integration.conftest import running
from tests.standins import JsonHandler

ERRORS = "https://serverlessworkflow.io/spec/1.0.0/errors/"


class _Recorder(JsonHandler):
    """Records each request's headers; answers ``{"ok": true}``, or echoes ``x-token`` on ``/echo``."""

    seen: list[dict[str, str]]

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.seen.append({key.lower(): value for key, value in self.headers.items()})
        if self.path == "/echo":
            self._send(200, {"token": self.headers.get("x-token")})
        else:
            self._send(200, {"ok": True})

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers.get("content-length") or 0)).decode()
        self.seen.append({"body": body})
        self._send(200, {"ok": True})


@contextmanager
def recorder() -> Iterator[tuple[str, list[dict[str, str]]]]:
    seen: list[dict[str, str]] = []
    handler = type("Handler", (_Recorder,), {"seen": seen})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", seen
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def vault(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Fresh random values: an ``api-token`` file, a Kubernetes-style ``login`` folder, a variable."""
    values = {name: secrets.token_hex(12) for name in ("token", "user", "password", "variable")}
    folder = tmp_path / "secrets"
    (folder / "login").mkdir(parents=True)
    (folder / "api-token").write_text(values["token"] + "\n")
    (folder / "login" / "username").write_text(values["user"])
    (folder / "login" / "password").write_text(values["password"])
    (folder / "login" / "..data").mkdir()  # what a Kubernetes mount keeps beside the keys
    monkeypatch.setenv("SWENGINE_SECRETS_DIR", str(folder))
    monkeypatch.setenv("SWENGINE_SECRET_FROM_ENV", values["variable"])
    return values


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, list[dict[str, str]]]]:
    with recorder() as (url, seen):
        monkeypatch.setenv("SWENGINE_REST_ALLOW", url.split("://", 1)[1])
        yield url, seen


def document(base: str, tasks: str, names: str = "[api-token, login, from-env]") -> Any:
    text = (
        "document: {dsl: '1.0.3', namespace: secret, name: use, version: '1.0.0'}\n"
        f"use:\n  secrets: {names}\n"
        "do:\n" + textwrap.indent(textwrap.dedent(tasks).format(base=base), "  ")
    )
    return compile_text(text)


TASKS = """
- bearer:
    call: http
    with:
      method: get
      endpoint: {{uri: '{base}/a', authentication: {{bearer: {{token: '${{ $secrets["api-token"] }}'}}}}}}
- basic:
    call: http
    with:
      method: get
      endpoint: {{uri: '{base}/b', authentication: {{basic: {{use: login}}}}}}
- header:
    input: {{from: '${{ {{key: $secrets["from-env"]}} }}'}}
    call: http
    with:
      method: get
      endpoint: '{base}/c'
      headers: {{x-token: '${{ "key " + .key }}'}}
- echoed:
    call: http
    with:
      method: get
      endpoint: '{base}/echo'
      headers: {{x-token: '${{ $secrets.login.username }}'}}
"""


async def test_secret_values_reach_the_server_and_nothing_else(client, vault, server, caplog, capfd):
    base, seen = server
    caplog.set_level(logging.DEBUG)
    async with running(client) as (service, _):
        started = await service.start(document(base, TASKS), {})
        output = await service.result(started.instance_id)
        status = await service.describe(started.instance_id)
        history = await service.handle(started.instance_id).fetch_history()

    login = base64.b64encode(f"{vault['user']}:{vault['password']}".encode()).decode()
    assert [request.get("authorization") for request in seen[:2]] == [
        f"Bearer {vault['token']}",
        f"Basic {login}",
    ]
    assert seen[2]["x-token"] == f"key {vault['variable']}"
    assert seen[3]["x-token"] == vault["user"]
    assert output == {"token": "***"}  # the echo of a secret is concealed before it enters the workflow

    captured = capfd.readouterr()
    places = {
        "history": readable(history.to_json()),
        "status": json.dumps(status),
        "logs": "\n".join(record.getMessage() for record in caplog.records) + captured.out + captured.err,
    }
    for name, value in {**vault, "basic": login}.items():
        for where, text in places.items():
            assert value not in text, f"secret {name} found in the {where}"
    assert "\\u0000secret:" in places["history"]  # what travelled instead: the run's markers


def readable(history: str) -> str:
    """The history's JSON with every payload's data decoded from base64 beside it (secrets could hide there)."""
    decoded: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "metadata" in node and isinstance(node.get("data"), str):
                decoded.append(base64.b64decode(node["data"]).decode("utf-8", "replace"))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(history))
    return history + "\n".join(decoded)


async def test_a_secret_the_operator_does_not_hold_faults_with_authorization(client, vault, server):
    base, _ = server
    tasks = "- t:\n    call: http\n    with: {{method: get, endpoint: '{base}/a', headers: {{x: '${{ $secrets.missing }}'}}}}\n"
    async with running(client) as (service, _):
        with pytest.raises(InstanceFailed) as failed:
            await service.run(document(base, tasks, "[missing]"), {})
    assert (failed.value.detail["type"], failed.value.detail["status"]) == (ERRORS + "authorization", 403)


async def test_a_marker_typed_into_the_input_names_no_secret(client, vault, server):
    """Markers carry a nonce drawn inside the run: one copied from another run is sent as it is."""
    base, seen = server
    tasks = "- t:\n    call: http\n    with: {{method: post, endpoint: '{base}/a', body: {{note: '${{ .forged }}'}}}}\n"
    forged = "\x00secret:" + "0" * 32 + ':["api-token"]\x00'
    async with running(client) as (service, _):
        await service.run(document(base, tasks), {"forged": forged})
    assert json.loads(seen[0]["body"]) == {"note": forged}


@pytest.mark.parametrize(
    ("tasks", "code"),
    [
        ("- s:\n    set: {{k: '${{ $secrets.login }}'}}\n", "unsupported_feature"),
        (
            "- s:\n    call: http\n    with: {{method: get, endpoint: 'http://x', headers: {{k: '${{ $secrets.nope }}'}}}}\n",
            "unknown_secret",
        ),
        (
            "- s:\n    call: http\n    with: {{method: get, endpoint: 'http://x', headers: {{k: '${{ $secrets | tostring }}'}}}}\n",
            "unknown_secret",
        ),
        (
            "- s:\n    call: http\n    with: {{method: get, endpoint: {{uri: 'http://x', authentication: {{basic: {{use: nope}}}}}}}}\n",
            "unknown_secret",
        ),
    ],
)
def test_secrets_are_read_by_declared_name_where_an_activity_takes_them(tasks, code):
    with pytest.raises(DocumentError) as refused:
        document("http://x", tasks)
    assert code in [problem.code for problem in refused.value.problems]


async def test_a_process_gets_the_value_and_its_output_is_concealed(client, vault, monkeypatch):
    monkeypatch.setenv("SWENGINE_PROCESSES", "true")
    run = "run: {{shell: {{command: 'echo $KEY; printf %s \"$KEY\" | wc -c', environment: {{KEY: '${{ $secrets[\"api-token\"] }}'}}}}}}"
    async with running(client) as (service, _):
        output = await service.run(document("", f"- shell:\n    {run}\n"), {})
    assert output.split() == ["***", str(len(vault["token"]))]


def test_the_resolved_authorization_is_not_offered_to_expressions():
    tasks = "- t:\n    call: http\n    with: {{method: get, endpoint: 'http://x'}}\n    output: {{as: '${{ $authorization.parameter }}'}}\n"
    with pytest.raises(DocumentError) as refused:
        document("http://x", tasks)
    assert [problem.code for problem in refused.value.problems] == ["unsupported_feature"]
