"""Engine activity that sends produced CloudEvents to the configured sinks (HTTP ``K_SINK``, our router)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import httpx
from temporalio import activity

from swengine.core.ir import EMIT_ACTIVITY
from swengine.core.settings import Settings

Sink = Callable[[list[dict[str, Any]]], Awaitable[None]]


def http_sink(url: str) -> Sink:
    """POST each event in CloudEvents structured mode; a non-2xx answer fails (and retries) the activity."""

    async def send(events: list[dict[str, Any]]) -> None:
        async with httpx.AsyncClient(timeout=10) as client:
            for event in events:
                response = await client.post(
                    url, json=event, headers={"content-type": "application/cloudevents+json"}
                )
                response.raise_for_status()

    return send


class EventEmitter:
    """Holds the sinks; its ``emit`` method is the activity registered as ``swengine.emit_event``."""

    def __init__(self, sinks: Sequence[Sink] = ()) -> None:
        self.sinks = list(sinks)

    @classmethod
    def from_environment(cls, extra: Sequence[Sink] = ()) -> EventEmitter:
        sinks = list(extra)
        if url := Settings.from_env().event_sink:
            sinks.append(http_sink(url))
        return cls(sinks)

    @activity.defn(name=EMIT_ACTIVITY)
    async def emit(self, events: list[dict[str, Any]]) -> None:
        for sink in self.sinks:
            await sink(events)
