"""Runs one command for the process activity (``python -I launcher.py DATA CPU COMMAND...``): sets the command's
limits, and ends every process the command leaves behind.

It becomes the subreaper of what the command starts (Linux), so a descendant that left the process group
(``setsid``, a daemon) is still its own to end: when the command exits, or when the worker asks (SIGTERM), each
remaining descendant is killed before the launcher exits as the command did. Only the standard library: it
starts in a few milliseconds. The limits are set in a fresh single-threaded process for the same reason the
worker never uses ``preexec_fn``: between fork and exec of a many-threaded process, a lock another thread held
at the fork can hang the child.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import resource
import signal
import sys

PR_SET_CHILD_SUBREAPER = 36
ROUNDS = 100
"""Kill-and-reap rounds at most: each ends one generation (their children are reparented to the launcher)."""


def main(argv: list[str]) -> None:
    data, cpu, command = int(argv[1]), int(argv[2]), argv[3:]
    with contextlib.suppress(OSError, AttributeError):  # elsewhere than Linux: the process group only
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    child = os.fork()
    if child == 0:
        resource.setrlimit(resource.RLIMIT_DATA, (data, data))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
        os.execvp(command[0], command)
    signal.signal(signal.SIGTERM, lambda *_: _leave(signal.SIGTERM))
    _, status = os.waitpid(child, 0)
    end_descendants()
    if os.WIFSIGNALED(status):
        _leave(os.WTERMSIG(status))
    os._exit(os.waitstatus_to_exitcode(status))


def _leave(killed_by: int) -> None:
    """End everything, then die of the same signal (the worker reads a signal's death as the command's)."""
    end_descendants()
    signal.signal(killed_by, signal.SIG_DFL)
    os.kill(os.getpid(), killed_by)


def end_descendants() -> None:
    for _ in range(ROUNDS):
        children = _children()
        if not children:
            return
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for pid in children:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)


def _children() -> list[int]:
    """This process's children (their own children become ours once they die), from ``/proc``."""
    me, found = os.getpid(), []
    with contextlib.suppress(FileNotFoundError):
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if parent == me:
                found.append(int(entry))
    return found


if __name__ == "__main__":
    main(sys.argv)
