"""The event inbox of one instance: buffers CloudEvents until a state consumes them, deduplicated by source + id."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from swengine.core.ir import EventDef


def dedupe_key(event: Mapping[str, Any]) -> str:
    """CloudEvents are unique by (source, id): the key under which a delivery counts once."""
    return f"{event.get('source', '')}\x1f{event.get('id', '')}"


def event_attribute(event: Mapping[str, Any], name: str) -> Any:
    """A context attribute by name; a camelCase correlation name (``patientId``) also finds the lowercase
    form CloudEvents requires of attribute names (``patientid``)."""
    value = event.get(name)
    return event.get(name.lower()) if value is None else value


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
        if event.get("type") != definition.type:
            return False
        if definition.source is not None and event.get("source") != definition.source:
            return False
        for rule in definition.correlation:
            value = event_attribute(event, rule.context_attribute_name)
            if value is None:
                return False
            expected = rule.context_attribute_value
            if expected is None:
                expected = self.correlation.get(rule.context_attribute_name)
            if expected is not None and str(value) != str(expected):
                return False
        return True

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

    def find_where(self, accept: Callable[[dict[str, Any]], bool]) -> int | None:
        """The index of the oldest buffered event ``accept`` takes (1.0 event filters), if any."""
        return next((index for index, event in enumerate(self._pending) if accept(event)), None)

    def take_at(self, index: int) -> dict[str, Any]:
        return self._pending.pop(index)

    def pending_count(self) -> int:
        return len(self._pending)

    def pending(self) -> list[dict[str, Any]]:
        return list(self._pending)

    def seen(self) -> list[str]:
        return list(self._seen_order)


def event_payload(event: dict[str, Any], definition: EventDef) -> Any:
    """What event data filters see: the ``data`` attribute, or the whole event when ``dataOnly`` is false."""
    return event.get("data") if definition.data_only else event
