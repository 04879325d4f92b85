"""Walking the task tree of a 1.0 document: every task with its kind, JSON path and sibling list.

The checks and the compiler share this walk, so both agree on what a task is and where it sits.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from swengine.dsl.source_map import JsonPath

TASK_KINDS = ("call", "for", "do", "fork", "emit", "listen", "raise", "run", "set", "switch", "try", "wait")
"""The key that makes a mapping a task of that kind (``for`` before ``do``: a for task has both)."""

FLOW_DIRECTIVES = ("continue", "exit", "end")
"""``then`` values that name no task."""


@dataclass(frozen=True, slots=True)
class TaskSite:
    """One task of the tree: its name, body, kind, path and the names of the list it belongs to."""

    name: str
    body: dict[str, Any]
    kind: str | None
    path: JsonPath
    siblings: tuple[str, ...]


def task_kind(body: Any) -> str | None:
    if not isinstance(body, dict):
        return None
    return next((kind for kind in TASK_KINDS if kind in body), None)


def entries(task_list: Any) -> Iterator[tuple[int, str, Any]]:
    """(index, name, body) of each well-formed item of a task list (one-key mappings)."""
    if not isinstance(task_list, list):
        return
    for index, item in enumerate(task_list):
        if isinstance(item, dict) and len(item) == 1:
            name, body = next(iter(item.items()))
            yield index, str(name), body


def nested_lists(body: dict[str, Any], kind: str | None) -> Iterator[tuple[Any, JsonPath]]:
    """The task lists directly inside a task, with their paths relative to the task."""
    for key_path in _NESTED.get(kind or "", ()):
        node: Any = body
        for key in key_path:
            node = node.get(key) if isinstance(node, dict) else None
        if node is not None:
            yield node, key_path


_NESTED: dict[str, tuple[JsonPath, ...]] = {
    "do": (("do",),),
    "for": (("do",),),
    "fork": (("fork", "branches"),),
    "try": (("try",), ("catch", "do")),
    "listen": (("foreach", "do"),),
}


def walk(task_list: Any, path: JsonPath) -> Iterator[TaskSite]:
    """Every task in ``task_list`` and below, depth first in document order."""
    found = list(entries(task_list))
    names = tuple(name for _, name, _ in found)
    for index, name, body in found:
        if not isinstance(body, dict):
            continue
        kind = task_kind(body)
        site_path = path + (index, name)
        yield TaskSite(name, body, kind, site_path, names)
        for inner, inner_path in nested_lists(body, kind):
            yield from walk(inner, site_path + inner_path)


def walk_document(data: dict[str, Any]) -> Iterator[TaskSite]:
    """Every task of the document: ``do`` and the bodies of ``use.functions``."""
    yield from walk(data.get("do"), ("do",))
    use = data.get("use")
    functions = use.get("functions") if isinstance(use, dict) else None
    if isinstance(functions, dict):
        for name, body in functions.items():
            if isinstance(body, dict):
                path: JsonPath = ("use", "functions", name)
                kind = task_kind(body)
                yield TaskSite(name, body, kind, path, ())
                for inner, inner_path in nested_lists(body, kind):
                    yield from walk(inner, path + inner_path)
