"""The event inbox of one instance: buffers CloudEvents until a state consumes them, deduplicated by source + id."""

from __future__ import annotations

from typing import Any

from swengine.core.ir import EventDef
from swengine.core.matching import dedupe_key, event_attribute, matches


class Inbox:
    """Arrival-ordered buffer with correlation learned from the first consumed event (spec 0.8 correlation)."""

    def __init__(self, pending: list[dict[str, Any]] | None = None, seen: list[str] | None = None) -> None:
        self._pending: list[dict[str, Any]] = list(pending or [])
        self._seen: set[str] = set(seen or [])
        self._seen_order: list[str] = list(seen or [])
        self.correlation: dict[str, Any] = {}

    def deliver(self, event: dict[str, Any]) -> bool:
        """Buffer an event; False when it is a duplicate delivery."""
        key = dedupe_key(event)
        if key in self._seen:
            return False
        self._seen.add(key)
        self._seen_order.append(key)
        self._pending.append(event)
        return True

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
        event = self._pending.pop(index)
        self.learn(event, definition)
        return event

    def learn(self, event: dict[str, Any], definition: EventDef) -> None:
        """Adopt the event's values for the definition's correlation attributes not known yet."""
        for rule in definition.correlation:
            self.correlation.setdefault(
                rule.context_attribute_name, event_attribute(event, rule.context_attribute_name)
            )

    def pending_count(self) -> int:
        return len(self._pending)

    def pending(self) -> list[dict[str, Any]]:
        return list(self._pending)

    def seen(self) -> list[str]:
        return list(self._seen_order)


def event_payload(event: dict[str, Any], definition: EventDef) -> Any:
    """What event data filters see: the ``data`` attribute, or the whole event when ``dataOnly`` is false."""
    return event.get("data") if definition.data_only else event
