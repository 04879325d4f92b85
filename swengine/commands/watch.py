"""While ``swengine run`` waits for its instance, say on stderr which state it is in and what it waits for,
each time that changes (a run that finishes quickly prints nothing)."""

from __future__ import annotations

import asyncio
import sys
from typing import Any, TextIO

from swengine.runtime.service import Service

INTERVAL = 0.5
"""Seconds between looks at the instance while it runs."""


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


async def result_with_progress(service: Service, instance_id: str, stream: TextIO | None = None) -> Any:
    """``service.result``, reporting progress on ``stream`` while it is not there yet."""
    result = asyncio.ensure_future(service.result(instance_id))
    last: str | None = None
    try:
        while True:
            done, _ = await asyncio.wait([result], timeout=INTERVAL)
            if done:
                return result.result()
            try:
                line = progress_line(await service.describe(instance_id))
            except Exception:  # noqa: BLE001 - progress is a courtesy; the result decides the outcome
                continue
            if line is not None and line != last:
                print(f"{instance_id}: {line}", file=stream or sys.stderr, flush=True)
                last = line
    finally:
        result.cancel()
