"""``swengine deploy`` against the real REST API (served over a loopback socket, beside a real dev server)."""

from __future__ import annotations

import asyncio
import json
import shutil
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
import yaml
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from swengine.api.app import create_app
from swengine.api.server import bind
from swengine.cli import main
from swengine.core.settings import Settings
from swengine.runtime.service import Service
from swengine.runtime.store import SqliteDefinitionStore

SPECS = Path(__file__).resolve().parents[2] / "specs"


def spec_id(path: Path) -> str:
    """The id a spec deploys as (1.0: ``namespace/name``)."""
    data = yaml.safe_load(path.read_text())
    return f"{data['document']['namespace']}/{data['document']['name']}" if "document" in data else data["id"]


SPEC_IDS = sorted(spec_id(path) for path in SPECS.rglob("*.sw.yaml"))


@contextmanager
def serving(temporal: WorkflowEnvironment, data_dir: Path, tokens: tuple[str, ...] = ()) -> Iterator[str]:
    """The API on 127.0.0.1 in a thread with its own event loop and Temporal client; yields its URL."""
    target = temporal.client.service_client.config.target_host
    ready = threading.Event()
    parts: dict[str, Any] = {}

    async def run() -> None:
        task_queue = f"deploy-{uuid.uuid4()}"
        store = SqliteDefinitionStore(data_dir / "store.db")
        service = Service(await Client.connect(target), task_queue=task_queue, lookup=store.lookup)
        app = create_app(Settings(tokens=tokens, data_dir=data_dir, task_queue=task_queue), service, store)
        sock = bind("127.0.0.1", 0)
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
        parts.update(server=server, port=sock.getsockname()[1])
        serve = asyncio.ensure_future(server.serve(sockets=[sock]))
        while not server.started and not serve.done():
            await asyncio.sleep(0.01)
        ready.set()
        try:
            await serve
        finally:
            store.close()
            sock.close()

    thread = threading.Thread(target=lambda: asyncio.run(run()), daemon=True)
    thread.start()
    assert ready.wait(30), "the API did not start"
    try:
        yield f"http://127.0.0.1:{parts['port']}"
    finally:
        parts["server"].should_exit = True
        thread.join(30)


@pytest.fixture
def server(temporal_env: WorkflowEnvironment, tmp_path: Path) -> Iterator[str]:
    with serving(temporal_env, tmp_path) as url:
        yield url


def deployed(url: str, token: str | None = None) -> dict[str, dict[str, Any]]:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    answer = httpx.get(f"{url}/definitions", headers=headers, timeout=10).json()
    return {item["id"]: item for item in answer["definitions"]}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_deploy_creates_then_reports_unchanged(server: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "deploy", str(SPECS), "--server", server)
    assert code == 0, err
    assert [line.split()[0] for line in out.splitlines()] == ["created"] * len(SPEC_IDS)
    assert "specs/order.sw.yaml -> order@1.0 (sha256 " in out
    assert "specs/v1/checkout.sw.yaml -> examples/checkout@1.0.0 (sha256 " in out
    assert sorted(deployed(server)) == SPEC_IDS
    code, out, err = run(capsys, "deploy", str(SPECS), "--server", server)
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()] == ["unchanged"] * len(SPEC_IDS)
    assert f"{len(SPEC_IDS)} unchanged" in err


def test_a_changed_file_is_updated_unless_told_not_to_replace(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flows = tmp_path / "flows"
    flows.mkdir()
    hello = flows / "hello.sw.yaml"
    shutil.copy(SPECS / "hello.sw.yaml", hello)
    assert run(capsys, "deploy", str(flows), "--server", server, "--json")[0] == 0
    first = deployed(server)["hello"]["content_hash"]
    hello.write_text(hello.read_text(encoding="utf-8").replace("Hello from", "Hi from"), encoding="utf-8")
    code, out, _ = run(capsys, "deploy", str(hello), "--server", server, "--no-replace")
    assert code == 1 and out.startswith("failed ") and "409" in out
    code, out, _ = run(capsys, "deploy", str(hello), "--server", server, "--json")
    outcome = json.loads(out)[0]
    assert code == 0
    assert (outcome["status"], outcome["id"], outcome["version"]) == ("updated", "hello", "1.0")
    assert outcome["content_hash"] == deployed(server)["hello"]["content_hash"] != first


def test_nothing_is_submitted_when_any_file_has_an_error(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(SPECS / "hello.sw.yaml", tmp_path / "hello.sw.yaml")
    (tmp_path / "broken.sw.yaml").write_text(
        'id: broken\nspecVersion: "0.8"\nstart: A\nstates:\n  - {name: A, type: inject, transition: B}\n',
        encoding="utf-8",
    )
    code, out, err = run(capsys, "deploy", str(tmp_path), "--server", server)
    assert (code, out) == (1, "")
    assert "broken.sw.yaml:5:" in err and "unknown_state" in err and "nothing deployed" in err
    assert deployed(server) == {}


def test_a_file_with_references_is_sent_resolved(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "functions.json").write_text(
        json.dumps([{"name": "echo", "type": "custom", "operation": "builtin.echo"}]), encoding="utf-8"
    )
    (tmp_path / "uses.sw.yaml").write_text(
        'id: uses\nspecVersion: "0.8"\nfunctions: functions.json\nstart: A\n'
        "states:\n  - {name: A, type: operation, actions: [{functionRef: echo}], end: true}\n",
        encoding="utf-8",
    )
    code, out, _ = run(
        capsys, "deploy", str(tmp_path / "uses.sw.yaml"), "--server", server, "--root", str(tmp_path)
    )
    assert code == 0 and out.startswith("created ")
    assert deployed(server)["uses"]["media_type"] == "application/json"


def test_the_bearer_token_comes_from_swengine_token(
    temporal_env: WorkflowEnvironment,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hello = str(SPECS / "hello.sw.yaml")
    with serving(temporal_env, tmp_path, tokens=("s3cret",)) as url:
        monkeypatch.delenv("SWENGINE_TOKEN", raising=False)
        code, out, _ = run(capsys, "deploy", hello, "--server", url)
        assert code == 1 and "HTTP 401" in out
        monkeypatch.setenv("SWENGINE_TOKEN", "s3cret")
        code, out, _ = run(capsys, "deploy", hello, "--server", url)
        assert code == 0 and out.startswith("created ")
        assert list(deployed(url, "s3cret")) == ["hello"]


def test_graph_asks_the_api_for_an_instance(server: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys, "graph", str(SPECS / "hello.sw.yaml"), "--instance", "nope", "--server", server
    )
    assert code == 1 and "HTTP 404" in err


def test_an_unreachable_server_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "deploy", str(SPECS / "hello.sw.yaml"), "--server", "http://127.0.0.1:9")
    assert code == 1 and "server_unreachable" in err
