"""The event inbox of one instance: buffers CloudEvents until a state consumes them, deduplicated by source + id.

Bounded (once the workflow turns ``bounded`` on, behind its patch): events nobody consumes would otherwise
grow without end and make every continue-as-new carry more than Temporal accepts. The oldest unconsumed
events are dropped first, and each drop is kept (id, source, type, reason) for the instance's status.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from swengine.core.ir import EventDef
from swengine.core.limits import MAX_PENDING_BYTES, MAX_PENDING_EVENTS, payload_size
from swengine.core.matching import dedupe_key, event_attribute, matches

DROPS_KEPT = 20
"""Dropped events listed in the status (the newest)."""


class Inbox:
    """Arrival-ordered buffer with correlation learned from the first consumed event (spec 0.8 correlation)."""

    def __init__(self, pending: list[dict[str, Any]] | None = None, seen: list[str] | None = None) -> None:
        self._pending: list[dict[str, Any]] = list(pending or [])
        self._sizes: list[int] = [payload_size(event) for event in self._pending]
        """Bytes of each pending event, measured once on arrival (not again at every delivery)."""
        self._seen: set[str] = set(seen or [])
        self._seen_order: list[str] = list(seen or [])
        self.correlation: dict[str, Any] = {}
        self.bounded = False
        self.dropped: list[dict[str, Any]] = []

    def deliver(self, event: dict[str, Any]) -> bool:
        """Buffer an event; False when it is a duplicate delivery."""
        key = dedupe_key(event)
        if key in self._seen:
            return False
        self._seen.add(key)
        self._seen_order.append(key)
        self._pending.append(event)
        self._sizes.append(payload_size(event))
        if self.bounded:
            self.trim(MAX_PENDING_BYTES, "unconsumed events over the instance's buffer limit")
        return True

    def trim(self, budget: int, reason: str, *, keep_newest: bool = True) -> list[dict[str, Any]]:
        """Drop the oldest pending events until at most ``MAX_PENDING_EVENTS`` of at most ``budget`` bytes
        remain (the newest kept unless ``keep_newest`` is false); returns what was dropped."""
        dropped = []
        total = sum(self._sizes)
        while len(self._pending) > int(keep_newest) and (
            len(self._pending) > MAX_PENDING_EVENTS or total > budget
        ):
            event = self._pending.pop(0)
            total -= self._sizes.pop(0)
            dropped.append({"id": event.get("id"), "source": event.get("source"), "type": event.get("type"),
                            "reason": reason})  # fmt: skip
        self.dropped = [*self.dropped, *dropped][-DROPS_KEPT:]
        return dropped

    def matches(self, event: dict[str, Any], definition: EventDef) -> bool:
        return matches(event, definition, self.correlation)

    def find(self, definition: EventDef) -> int | None:
        for index, event in enumerate(self._pending):
            if self.matches(event, definition):
                return index
        return None

    def take(self, definition: EventDef) -> dict[str, Any] | None:
        """Remove and return the oldest buffered event matching ``definition``, learning its correlation."""
        index = self.find(definition)
        if index is None:
            return None
        event = self.take_at(index)
        self.learn(event, definition)
        return event

    def learn(self, event: dict[str, Any], definition: EventDef) -> None:
        """Adopt the event's values for the definition's correlation attributes not known yet."""
        for rule in definition.correlation:
            self.correlation.setdefault(
                rule.context_attribute_name, event_attribute(event, rule.context_attribute_name)
            )

    def find_where(self, accept: Callable[[dict[str, Any]], bool]) -> int | None:
        """The index of the oldest buffered event ``accept`` takes (1.0 event filters), if any."""
        return next((index for index, event in enumerate(self._pending) if accept(event)), None)

    def take_at(self, index: int) -> dict[str, Any]:
        del self._sizes[index]
        return self._pending.pop(index)

    def pending_count(self) -> int:
        return len(self._pending)

    def pending(self) -> list[dict[str, Any]]:
        return list(self._pending)

    def seen(self) -> list[str]:
        return list(self._seen_order)

    def recent_keys(self, count: int, budget: int) -> list[str]:
        """The newest ``count`` dedupe keys, fewer when their JSON would pass ``budget`` bytes."""
        kept: list[str] = []
        total = 0
        for key in reversed(self._seen_order[-count:]):
            total += payload_size(key) + 1
            if total > budget:
                break
            kept.append(key)
        return kept[::-1]


def event_payload(event: dict[str, Any], definition: EventDef) -> Any:
    """What event data filters see: the ``data`` attribute, or the whole event when ``dataOnly`` is false."""
    return event.get("data") if definition.data_only else event
