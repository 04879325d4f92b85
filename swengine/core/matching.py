"""Which event a definition matches, and how correlation is written down: the one home of these rules, used by
the inbox inside an instance, by the router that finds instances, and by the HTTP binding of CloudEvents."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from temporalio.common import SearchAttributeKey

from swengine.core.ir import SEARCH_CORRELATION, EventDef

CORRELATION_KEY = SearchAttributeKey.for_keyword_list(SEARCH_CORRELATION)
"""The search attribute holding an instance's correlation as ``name=value`` keywords."""


MAX_CORRELATION_BYTES = 1024
"""Longest correlation value (UTF-8 bytes): it is indexed as a ``name=value`` keyword, and Temporal refuses a
search attribute value over 2 KB. Every CloudEvent attribute (any may be a correlation) is held to it."""
MAX_CORRELATIONS = 20
"""Most correlation values one instance is started with."""


def correlation_value_fits(value: str) -> bool:
    return len(value.encode("utf-8", "surrogatepass")) <= MAX_CORRELATION_BYTES


def dedupe_key(event: Mapping[str, Any]) -> str:
    """CloudEvents are unique by (source, id): the key under which a delivery counts once."""
    return f"{event.get('source', '')}\x1f{event.get('id', '')}"


def event_attribute(event: Mapping[str, Any], name: str) -> Any:
    """A context attribute by name; a camelCase correlation name (``patientId``) also finds the lowercase
    form CloudEvents requires of attribute names (``patientid``)."""
    value = event.get(name)
    return event.get(name.lower()) if value is None else value


def correlation_values(
    event: Mapping[str, Any], definition: EventDef, learned: Mapping[str, Any] | None = None
) -> dict[str, str] | None:
    """The event's values for the definition's correlation attributes; None when one is absent, or differs
    from the definition's fixed value or from the value the instance ``learned`` from an earlier event."""
    values: dict[str, str] = {}
    for rule in definition.correlation:
        value = event_attribute(event, rule.context_attribute_name)
        if value is None:
            return None
        expected = rule.context_attribute_value
        if expected is None and learned is not None:
            expected = learned.get(rule.context_attribute_name)
        if expected is not None and str(value) != str(expected):
            return None
        values[rule.context_attribute_name] = str(value)
    return values


def matches(event: Mapping[str, Any], definition: EventDef, learned: Mapping[str, Any] | None = None) -> bool:
    """Type, source (when the definition names one) and correlation values all agree."""
    if event.get("type") != definition.type:
        return False
    if definition.source is not None and event.get("source") != definition.source:
        return False
    return correlation_values(event, definition, learned) is not None


def correlation_keywords(values: Mapping[str, Any]) -> list[str]:
    """Correlation values as the sorted ``name=value`` keywords the search attribute holds."""
    return [f"{name}={value}" for name, value in sorted(values.items())]


def parse_correlation_keywords(keywords: Iterable[str]) -> dict[str, str]:
    """The values behind ``name=value`` keywords (the inverse of ``correlation_keywords``)."""
    return dict(keyword.split("=", 1) for keyword in keywords if "=" in keyword)
