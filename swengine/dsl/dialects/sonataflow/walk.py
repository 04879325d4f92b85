"""Every action of a definition, with its path: the places SonataFlow's function and event rules apply."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from swengine.dsl.source_map import JsonPath

Action = tuple[dict[str, Any], JsonPath]


def mappings(value: Any, path: JsonPath) -> Iterator[tuple[dict[str, Any], JsonPath]]:
    """(item, path) of each mapping in a list; nothing when ``value`` is not a list."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict):
                yield item, path + (index,)


def states(data: dict[str, Any]) -> Iterator[tuple[dict[str, Any], JsonPath]]:
    yield from mappings(data.get("states"), ("states",))


def actions(data: dict[str, Any]) -> Iterator[Action]:
    """Actions of operation, foreach, event, parallel and callback states, in document order."""
    for state, path in states(data):
        yield from mappings(state.get("actions"), path + ("actions",))
        for on_event, on_path in mappings(state.get("onEvents"), path + ("onEvents",)):
            yield from mappings(on_event.get("actions"), on_path + ("actions",))
        for branch, branch_path in mappings(state.get("branches"), path + ("branches",)):
            yield from mappings(branch.get("actions"), branch_path + ("actions",))
        if isinstance(state.get("action"), dict):
            yield state["action"], path + ("action",)
