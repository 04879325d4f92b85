"""Child processes that die with this one, however it dies (issue 20).

On Linux a child asks the kernel for SIGKILL when its parent dies (``PR_SET_PDEATHSIG``). The kernel sends
it when the *thread* that forked the child ends, not the process, so :func:`spawn` forks every child from
one thread that lives as long as the process: a child started from a short-lived thread (a request
handler's) would otherwise be killed when that thread is recycled. Other platforms have no such signal:
there an evaluator ends when its input pipe closes, and the Temporal servers' launcher
(``swengine.runtime.tether``) watches its parent process.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

PR_SET_PDEATHSIG = 1
PARENT_ENV = "SWENGINE_TETHER_PARENT"
"""The process id a tethered child must outlive no longer than it (read by ``swengine.runtime.tether``)."""


def die_with_parent(parent: int) -> bool:
    """Ask for SIGKILL when the parent dies (Linux only); exit at once if ``parent`` is already gone.

    Meant for a child, right after it starts. True when the kernel will send the signal.
    """
    armed = False
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        armed = libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    if os.getppid() != parent:  # it died before the signal was armed
        os._exit(1)
    return armed


_spawner: ThreadPoolExecutor | None = None
_spawner_lock = threading.Lock()


def spawn(args: list[str], **popen: Any) -> subprocess.Popen[bytes]:
    """``subprocess.Popen(args, **popen)``, forked from the one long-lived spawning thread."""
    global _spawner
    with _spawner_lock:
        if _spawner is None:
            _spawner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="swengine-spawner")
        spawner = _spawner
    return spawner.submit(_popen, args, popen).result()


def _popen(args: list[str], popen: dict[str, Any]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(args, **popen)


def _forget_spawner_after_fork() -> None:
    global _spawner, _spawner_lock
    _spawner, _spawner_lock = None, threading.Lock()  # its thread does not exist in the child


os.register_at_fork(after_in_child=_forget_spawner_after_fork)
