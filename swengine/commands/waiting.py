"""``swengine run`` never waits in silence: what the instance waits for, events nobody took, ``--timeout``.

While the instance runs, a line on stderr says which state it is in and which events it waits for, each time
that changes (looked at twice a second); when it ends (or the timeout ends it), every event it received but no state consumed is named.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from swengine.core.durations import format_duration
from swengine.core.errors import SwengineError
from swengine.runtime.service import Service

POLL_SECONDS = 0.5
"""How often a running instance is looked at; a line is said only when its description changes."""

Say = Callable[[str], None]


class RunTimedOut(SwengineError):
    """``--timeout`` passed before the instance ended; it was terminated."""

    code = "run_timeout"


async def await_result(
    service: Service,
    instance_id: str,
    say: Say,
    *,
    timeout: timedelta | None,
    run_id: str | None = None,
    every: float = POLL_SECONDS,
) -> Any:
    """The instance's output; progress on ``say``; ``RunTimedOut`` (naming the state) after ``timeout``."""
    loop = asyncio.get_running_loop()
    deadline = None if timeout is None else loop.time() + timeout.total_seconds()
    said = None
    try:
        while True:
            wait = every if deadline is None else max(0.0, min(every, deadline - loop.time()))
            try:
                return await service.result(instance_id, run_id=run_id, timeout=wait)
            except TimeoutError:
                status = await service.describe(instance_id)
            if deadline is not None and loop.time() >= deadline:
                assert timeout is not None
                await service.terminate(
                    instance_id, reason=f"swengine run: --timeout {format_duration(timeout)}"
                )
                raise RunTimedOut(f"no end after {format_duration(timeout)}: {where(status)}")
            line = where(status)
            if line != said:
                say(line)
                said = line
    finally:
        await report_unconsumed(service, instance_id, say)


def where(status: dict[str, Any]) -> str:
    """``in state Wait: waiting for com.example.approved from /approvals (requestid=r-1) until …``."""
    return progress_line(status) or f"in state {status.get('current_state')!r}"


def _event_text(event: dict[str, Any]) -> str:
    text = event["type"]
    if event.get("source"):
        text += f" from {event['source']}"
    correlation = ", ".join(
        f"{k}={'any' if v is None else v}" for k, v in (event.get("correlation") or {}).items()
    )
    return f"{text} ({correlation})" if correlation else text


def progress_line(view: dict[str, Any]) -> str | None:
    """One line about a running instance: its state and, when it waits for events, which and until when."""
    state = view.get("current_state")
    if state is None:
        return None
    waits = view.get("waiting_for") or []
    if not waits:
        return f"in state {state}"
    parts = []
    for waiting in waits:
        events = " or ".join(_event_text(event) for event in waiting.get("events", []))
        until = f" until {waiting['deadline']}" if waiting.get("deadline") else ""
        parts.append(f"waiting for {events}{until}")
    return f"in state {state}: " + "; ".join(parts)


async def report_unconsumed(service: Service, instance_id: str, say: Say) -> None:
    """One line for every event the instance received and no state consumed."""
    try:
        status = await service.describe(instance_id)
    except SwengineError:
        return
    for event in status.get("unconsumed_events") or []:
        say(
            f"event {event.get('id')} ({event.get('type')} from {event.get('source')}) was not consumed by any"
            " state"
        )
