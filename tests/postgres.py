"""A real Postgres for tests: Debian's ``postgresql`` binaries (initdb, pg_ctl) run a throwaway cluster in a
temporary folder, listening on loopback only. ``.ci/run`` installs the package, so CI never skips; a
developer without it locally gets a skip that says so.

As root (CI runs as root) the cluster runs as the ``postgres`` account the package creates: the server
refuses to run as root. The server runs in the foreground under swengine's launcher (``runtime.tether``), as
the Temporal servers do, so a test process killed outright (the OOM killer, ``kill -9``) takes it along; a
daemon started by ``pg_ctl`` outlived it.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from swengine.core.lifeline import PARENT_ENV

OWNER = "postgres"
USER = "swengine"
READY_SECONDS = 60.0
TETHERED = "import sys; from swengine.runtime.tether import run; sys.exit(run(sys.argv[1], sys.argv[2:]))"
"""The launcher: runs the server as its child, and kills it when this test process is gone."""


def binaries() -> Path | None:
    """The folder holding initdb and pg_ctl: on PATH, else Debian's newest /usr/lib/postgresql/N/bin."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(os.path.realpath(found)).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(versions[-1]).parent if versions else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Cluster:
    """One running cluster: ``url(database)`` names a database on it."""

    port: int
    folder: Path

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    @contextmanager
    def database(self) -> Iterator[str]:
        """A fresh, empty database for one test, dropped afterwards."""
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url(), autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {name}")
        try:
            yield self.url(name)
        finally:
            with psycopg.connect(self.url(), autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _as_owner(command: list[str]) -> list[str]:
    """``command`` as the cluster's owner, in the same process (setpriv execs it; runuser would fork, and the
    launcher's kill would then reach runuser, not the server)."""
    if os.geteuid() != 0:
        return command
    return ["setpriv", f"--reuid={OWNER}", f"--regid={OWNER}", "--init-groups", *command]


@contextmanager
def running_cluster(bin_dir: Path) -> Iterator[Cluster]:
    """initdb into a temporary folder, start on loopback (durability off: a test cluster), stop at the end."""
    folder = Path(tempfile.mkdtemp(prefix="swengine-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, OWNER, OWNER)
    data = folder / "data"
    port = _free_port()
    subprocess.run(_as_owner([str(bin_dir / "initdb"), "-D", str(data), "-U", USER, "--auth=trust", "-E", "UTF8",
                              "--no-sync"]), check=True, capture_output=True)  # fmt: skip
    server = [str(bin_dir / "postgres"), "-D", str(data), "-h", "127.0.0.1", "-p", str(port), "-k", str(folder),
              "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]  # fmt: skip
    with open(folder / "log", "wb") as log:
        process = subprocess.Popen([sys.executable, "-c", TETHERED, *_as_owner(server)], stdin=subprocess.DEVNULL,
                                   stdout=log, stderr=subprocess.STDOUT, env={**os.environ, PARENT_ENV: str(os.getpid())})  # fmt: skip
    try:
        _wait_ready(process, port, folder)
        yield Cluster(port, folder)
    finally:
        process.send_signal(signal.SIGINT)  # passed on: Postgres's fast shutdown
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(folder, ignore_errors=True)


def _wait_ready(process: subprocess.Popen[bytes], port: int, folder: Path) -> None:
    import psycopg

    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with psycopg.connect(f"postgresql://{USER}@127.0.0.1:{port}/postgres", connect_timeout=2):
                return  # accepting connections, not only listening (it listens while it starts up)
        except psycopg.OperationalError:
            time.sleep(0.05)
    process.kill()
    log = (folder / "log").read_text(errors="replace") if (folder / "log").exists() else ""
    shutil.rmtree(folder, ignore_errors=True)
    raise RuntimeError(f"Postgres did not start: {log}")
