"""Real processes for the reliability tests: a Temporal dev server on its own SQLite file, ``swengine worker``
and ``swengine serve`` as subprocesses. Each runs in its own process group, so a test can SIGKILL it (with
whatever it started); every process a test started is stopped afterwards, by id, whatever happened.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.api.workflowservice.v1 import GetSystemInfoRequest
from temporalio.client import Client

from swengine.runtime.devserver import FAST_FLAGS, search_attribute_flags, temporal_cli
from tests.api.conftest import make_api  # noqa: F401 - the in-process API over the session dev server
from tests.integration.conftest import client, temporal_env  # noqa: F401 - the session dev server

REPO = Path(__file__).resolve().parents[2]
READY_SECONDS = 60.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def swengine_command(*args: str) -> list[str]:
    """The installed ``swengine`` console script (as an operator runs it), else ``python -m swengine.cli``."""
    script = Path(sys.executable).parent / "swengine"
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-m", "swengine.cli", *args]


def clean_env(**extra: str) -> dict[str, str]:
    """Our environment without any Temporal or swengine setting the developer may have exported."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEMPORAL_", "SWENGINE_", "K_SINK"))}
    env["PYTHONPATH"] = str(REPO)
    env.update(extra)
    return env


def _group_members(pgid: int) -> list[int]:
    """Live processes in a process group (read from /proc, so a recycled id is never guessed at)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(entry.name))
    return members


class Process:
    """One subprocess, restartable, logging to ``<workdir>/<name>-<run>.log``, in its own process group."""

    def __init__(self, name: str, args: list[str], workdir: Path, env: dict[str, str]) -> None:
        self.name = name
        self.args = args
        self.workdir = workdir
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None
        self.runs = 0
        self.groups: list[int] = []
        """Every process group this object created: cleanup kills what is left in them."""

    def start(self) -> None:
        self.runs += 1
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(self.args, cwd=REPO, env=self.env, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
        self.groups.append(self.process.pid)

    @property
    def log_path(self) -> Path:
        return self.workdir / f"{self.name}-{self.runs}.log"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self, *, whole_group: bool = True) -> None:
        """SIGKILL: no cleanup runs. ``whole_group=False`` kills only the process, orphaning its children."""
        assert self.process is not None
        if whole_group:
            for pid in _group_members(self.process.pid):
                os.kill(pid, signal.SIGKILL)
        else:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self, timeout: float = 20.0) -> int | None:
        """SIGTERM, then SIGKILL for whatever is left of every group this object started."""
        code = None
        if self.alive():
            assert self.process is not None
            self.process.send_signal(signal.SIGTERM)
            try:
                code = self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
        for group in self.groups:
            for pid in _group_members(group):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        if self.process is not None and self.process.poll() is None:
            self.process.wait(timeout=30)
        return code

    def wait_for_log(self, text: str, seconds: float = READY_SECONDS) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if text in self.log():
                return
            assert self.alive(), f"{self.name} exited:\n{self.log()}"
            time.sleep(0.05)
        raise AssertionError(f"{self.name}: no {text!r} after {seconds}s:\n{self.log()}")


class DevServer(Process):
    """``temporal server start-dev`` on a SQLite file and a fixed port, so a restart finds both again."""

    def __init__(self, workdir: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.database = workdir / "temporal.db"
        args = [temporal_cli(), "server", "start-dev", "--db-filename", str(self.database),
                "--ip", "127.0.0.1", "--port", str(self.port), "--headless", "--log-level", "error",
                "--dynamic-config-value", "frontend.enableServerVersionCheck=false",
                *FAST_FLAGS, *search_attribute_flags()]  # fmt: skip
        super().__init__("temporal", args, workdir, clean_env())

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def connect(self, seconds: float = READY_SECONDS) -> Client:
        """A client, once the frontend answers (a restarted server needs a few seconds)."""
        deadline = time.monotonic() + seconds
        while True:
            assert self.alive(), f"the dev server exited:\n{self.log()}"
            try:
                client = await asyncio.wait_for(Client.connect(self.address), 5)
                await asyncio.wait_for(client.workflow_service.get_system_info(GetSystemInfoRequest()), 5)
                return client
            except Exception:  # any failure (refused, not healthy yet, timeout) means "not yet"
                if time.monotonic() > deadline:
                    raise
            await asyncio.sleep(0.2)


def worker_process(workdir: Path, address: str, task_queue: str, markers: Path) -> Process:
    """``swengine worker --activities tests.reliability.slow_activities`` against ``address``."""
    args = swengine_command(
        "worker", "--task-queue", task_queue, "--activities", "tests.reliability.slow_activities"
    )
    env = clean_env(TEMPORAL_ADDRESS=address, RELIABILITY_MARKERS=str(markers))
    return Process("worker", args, workdir, env)


class Serve(Process):
    """``swengine serve`` on a data directory, with fixed API and embedded-Temporal ports."""

    def __init__(self, workdir: Path, specs: Path, *, env: dict[str, str] | None = None) -> None:
        self.api_port = free_port()
        self.temporal_port = free_port()
        self.url = f"http://127.0.0.1:{self.api_port}"
        args = swengine_command("serve", "--specs", str(specs), "--data-dir", str(workdir / "data"),
                                "--port", str(self.api_port), "--temporal-port", str(self.temporal_port))  # fmt: skip
        super().__init__("serve", args, workdir, clean_env(**(env or {})))

    def start_and_wait(self, seconds: float = 90.0) -> None:
        self.start()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.alive(), f"serve exited:\n{self.log()}"
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"serve not ready after {seconds}s:\n{self.log()}")


@pytest.fixture
def processes() -> Iterator[list[Process]]:
    """Register every Process a test creates here: each is stopped at the end, whatever happened."""
    started: list[Process] = []
    try:
        yield started
    finally:
        for process in reversed(started):
            process.stop()


async def eventually(predicate: Callable[[], Any], seconds: float, what: str, interval: float = 0.05) -> None:
    """Poll ``predicate`` (sync or async) until it is true, without blocking the event loop."""
    deadline = time.monotonic() + seconds
    while True:
        value = predicate()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds}s waiting for {what}")
        await asyncio.sleep(interval)
