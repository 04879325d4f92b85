"""``swengine serve`` as a user runs it: a subprocess from nothing, restarted on the same data directory."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 90
BROKEN = (
    'id: broken\nspecVersion: "0.8"\nstart: Nowhere\nstates:\n  - name: A\n    type: inject\n    end: true\n'
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """One ``swengine serve`` process; its dev server child shares its process group."""

    def __init__(self, workdir: Path, api_port: int, temporal_port: int) -> None:
        self.workdir = workdir
        self.url = f"http://127.0.0.1:{api_port}"
        self.args = [sys.executable, "-m", "swengine.cli", "serve", "--specs", str(workdir / "specs"),
                     "--data-dir", str(workdir / "data"), "--port", str(api_port),
                     "--temporal-port", str(temporal_port),
                     "--metrics-address", f"127.0.0.1:{free_port()}"]  # fmt: skip
        self.env = {
            k: v for k, v in os.environ.items() if not k.startswith(("TEMPORAL_", "SWENGINE_", "K_SINK"))
        }
        self.env["PYTHONPATH"] = str(REPO)
        self.process: subprocess.Popen[bytes] | None = None
        self.runs = 0

    def start(self) -> None:
        self.runs += 1
        log = (self.workdir / f"serve-{self.runs}.log").open("wb")
        self.process = subprocess.Popen(self.args, cwd=self.workdir, env=self.env, stdout=log,
                                        stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log()
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        raise AssertionError(f"not ready after {STARTUP_SECONDS}s:\n{self.log()}")

    def stop(self, sig: signal.Signals) -> int:
        assert self.process is not None
        self.process.send_signal(sig)
        return self.process.wait(timeout=60)

    def log(self) -> str:
        return (self.workdir / f"serve-{self.runs}.log").read_text(errors="replace")

    def kill_leftovers(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    specs = tmp_path / "specs"
    specs.mkdir()
    for name in ("approval.sw.yaml", "hello.sw.yaml", "approval.test.yaml"):
        shutil.copy(REPO / "specs" / name, specs / name)
    (specs / "broken.sw.yaml").write_text(BROKEN)
    served = Server(tmp_path, free_port(), free_port())
    try:
        yield served
    finally:
        served.kill_leftovers()


def port_taken(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def assert_temporal_ui_and_metrics(server: Server) -> None:
    """The banner names Temporal's Web UI, which answers; the worker's metrics count the instance that ran."""
    temporal_port = int(server.args[server.args.index("--temporal-port") + 1])
    ui = f"http://127.0.0.1:{temporal_port + 1000}"
    assert f"Web UI at {ui}" in server.log()
    assert httpx.get(ui, timeout=30, follow_redirects=True).status_code == 200
    metrics = f"http://{server.args[server.args.index('--metrics-address') + 1]}/metrics"
    text = ""
    for _ in range(100):
        text = httpx.get(metrics, timeout=10).text
        if 'swengine_instances_completed{definition="hello"' in text:
            break
        time.sleep(0.1)
    assert 'swengine_instances_completed{definition="hello"' in text, text[-2000:]
    assert "console at /ui" in server.log()


def test_serve_from_nothing_survives_a_restart_with_a_waiting_instance(server: Server) -> None:
    server.start()
    http = httpx.Client(base_url=server.url, timeout=30)
    deployed = {item["id"] for item in http.get("/definitions").json()["definitions"]}
    assert deployed == {"approval", "hello"}
    assert "broken.sw.yaml:3:" in server.log()  # the invalid file is reported with its line, and skipped

    hello = http.post("/instances", json={"definition": "hello", "input": {"who": "me"}}).json()
    result = http.get(f"/instances/{hello['instance_id']}/result", params={"wait": "true"}).json()
    assert result["output"] == {"who": "me", "greeting": "Hello from swengine!"}
    assert_temporal_ui_and_metrics(server)
    started = {"definition": "approval", "correlation": {"requestid": "r-1"}}
    waiting = http.post("/instances", json=started).json()["instance_id"]
    assert http.get(f"/instances/{waiting}").json()["current_state"] == "Wait"

    assert server.stop(signal.SIGINT) == 0
    assert "swengine stopped" in server.log()
    temporal_port = int(server.args[server.args.index("--temporal-port") + 1])
    assert not port_taken(temporal_port), "the embedded Temporal outlived serve"

    server.start()
    assert http.get("/definitions/approval").json()["version"] == "1.0"
    status = http.get(f"/instances/{waiting}").json()
    assert (status["status"], status["current_state"]) == ("running", "Wait")
    event = {"specversion": "1.0", "id": "decision-1", "source": "/approvals",
             "type": "com.example.approval.decided", "requestid": "r-1", "data": {"approved": True}}  # fmt: skip
    routed = http.post("/events", json=event, headers={"content-type": "application/cloudevents+json"}).json()
    assert waiting in routed["delivered"]
    result = http.get(f"/instances/{waiting}/result", params={"wait": "true"}).json()
    assert result == {"instance_id": waiting, "status": "completed",
                      "output": {"status": "decided", "decision": {"approved": True}, "outcome": "approved"}}  # fmt: skip
    assert server.stop(signal.SIGTERM) == 0
    assert "swengine stopped" in server.log()


def test_api_alone_against_an_external_temporal(tmp_path: Path, temporal_env) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEMPORAL_", "SWENGINE_"))}
    env.update(PYTHONPATH=str(REPO), TEMPORAL_ADDRESS=temporal_env.client.service_client.config.target_host,
               SWENGINE_DATA_DIR=str(tmp_path), SWENGINE_TOKENS="t0ken")  # fmt: skip
    log = (tmp_path / "api.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "swengine.cli", "api", "--port", str(port)], cwd=tmp_path,
                               env=env, stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(240):
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.25)
        assert httpx.get(f"{url}/definitions").status_code == 401
        listed = httpx.get(f"{url}/definitions", headers={"authorization": "Bearer t0ken"})
        assert listed.json() == {"definitions": []}
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
