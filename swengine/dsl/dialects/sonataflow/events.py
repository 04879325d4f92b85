"""SonataFlow's events: ``kind`` is never checked, and consumed events match on ``type`` alone.

Sources: ``NodeFactoryUtils`` (message start, consume and send nodes are built from an event definition's name
and ``type``; its ``source`` and ``kind`` are not read) and ``ServerlessWorkflowParser``/``StateHandler``
(definitions are looked up by name, whatever their kind).
"""

from __future__ import annotations

import copy
from typing import Any

from swengine.dsl.constructs import Construct
from swengine.dsl.dialects.sonataflow.walk import mappings
from swengine.dsl.facts import collect
from swengine.dsl.source_map import JsonPath


def rewrite_events(data: dict[str, Any]) -> list[Construct]:
    """Give each definition the kind its uses need (a copy when both), and consumed ones no ``source``."""
    uses: dict[str, set[str]] = {}
    for ref in collect(data).refs:
        if ref.kind == "event" and ref.event_kind is not None:
            uses.setdefault(ref.name, set()).add(ref.event_kind)
    constructs: list[Construct] = []
    copies: list[dict[str, Any]] = []
    for event, path in mappings(data.get("events"), ("events",)):
        needed = uses.get(str(event.get("name")), set())
        declared = event.get("kind", "consumed")
        if needed and declared not in needed or len(needed) == 2:
            constructs.append(_fix_kind(event, needed, path, copies))
        if event.get("kind", "consumed") == "consumed" and _complete(event):
            constructs.append(_any_source(event, path))
    if copies:
        data["events"] = [*data["events"], *copies]
        _rename_produced(data, {str(event["name"]).removesuffix(PRODUCED_SUFFIX) for event in copies})
    return constructs


PRODUCED_SUFFIX = " (produced)"


def _complete(event: dict[str, Any]) -> bool:
    """Name and type given: the schema's only other complaint about it would be the source we remove."""
    return isinstance(event.get("name"), str) and isinstance(event.get("type"), str)


def _any_source(event: dict[str, Any], path: JsonPath) -> Construct:
    source = event.pop("source", None)
    what = "no source" if source is None else "an empty source" if source == "" else f"source {source!r}"
    standard = f"a consumed event needs a source; SonataFlow matches on type alone ({what}: any source)"
    return Construct("consumed_source", path, standard, kept=True)


def _fix_kind(
    event: dict[str, Any], needed: set[str], path: JsonPath, copies: list[dict[str, Any]]
) -> Construct:
    where = path + ("kind",) if "kind" in event else path
    if len(needed) == 1:
        (kind,) = needed
        event["kind"] = kind
        return Construct("event_kind", where, f"kind: {kind}")
    produced = copy.deepcopy(event)
    produced.update(name=f"{event['name']}{PRODUCED_SUFFIX}", kind="produced")
    event["kind"] = "consumed"
    copies.append(produced)
    return Construct(
        "event_kind", where, f"two definitions: {event['name']!r} consumed, {produced['name']!r} produced"
    )


def _rename_produced(data: dict[str, Any], names: set[str]) -> None:
    """Point the producing references at the produced copies."""
    for ref in collect(data).refs:
        if ref.kind == "event" and ref.event_kind == "produced" and ref.name in names:
            holder: Any = data
            for step in ref.path[:-1]:
                holder = holder[step]
            holder[ref.path[-1]] = ref.name + PRODUCED_SUFFIX
