"""``asyncio.run`` for the commands that run instances (``run``, ``test``), except that an interrupt (Ctrl-C,
or SIGTERM, which the CLI turns into one) gives the work a few seconds to unwind and no more: ``asyncio.run``
waits for every task to end, and a Temporal worker cancelled while its instance waits (on a timer, an event)
did not end, so ``swengine run`` outlived a SIGTERM indefinitely."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")
GRACE = 5.0
"""Seconds the cancelled work has to unwind (its worker to stop, its client to close) before the command ends."""


def run_bounded(main: Coroutine[Any, Any, T], *, grace: float = GRACE) -> T:
    loop = asyncio.new_event_loop()
    task = loop.create_task(main)
    try:
        return loop.run_until_complete(task)
    except KeyboardInterrupt:
        task.cancel()
        _unwind(loop, {task}, grace)
        raise
    finally:
        rest = {each for each in asyncio.all_tasks(loop) if not each.done()}
        for each in rest:
            each.cancel()
        _unwind(loop, rest, grace)
        with contextlib.suppress(BaseException):
            loop.run_until_complete(asyncio.wait_for(loop.shutdown_asyncgens(), grace))
        loop.close()


def _unwind(loop: asyncio.AbstractEventLoop, tasks: set[asyncio.Task[Any]], grace: float) -> None:
    """Let cancelled ``tasks`` finish for at most ``grace`` seconds (a second interrupt ends the wait)."""
    if tasks:
        with contextlib.suppress(BaseException):
            loop.run_until_complete(asyncio.wait(tasks, timeout=grace))
