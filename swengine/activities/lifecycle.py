"""Engine activity sending lifecycle CloudEvents to ``K_SINK`` (structured mode, one POST each); a sink that
refuses or cannot be reached fails the attempt, which Temporal retries until it succeeds."""

from __future__ import annotations

import logging
from typing import Any

from temporalio import activity

from swengine.activities.emit import Sink, http_sink
from swengine.core.ir import LIFECYCLE_ACTIVITY
from swengine.core.settings import Settings

log = logging.getLogger("swengine.activities.lifecycle")


class LifecyclePublisher:
    """Holds the sink; its ``send`` method is the local activity ``swengine.lifecycle``."""

    def __init__(self, sink: Sink | None) -> None:
        self.sink = sink

    @classmethod
    def from_settings(cls, settings: Settings) -> LifecyclePublisher:
        return cls(http_sink(settings.event_sink) if settings.event_sink else None)

    @activity.defn(name=LIFECYCLE_ACTIVITY)
    async def send(self, events: list[dict[str, Any]]) -> None:
        if self.sink is None:
            log.warning("lifecycle events are on but K_SINK is not set: %d event(s) not sent", len(events))
            return
        await self.sink(events)
