"""``evaluate.mode: loose``: every value is an expression, and one that fails stays the string it was.

Lowered before compiling: each bare string leaf of a task's data (``set``, ``with``, ``emit``, ``raise``,
``run.workflow.input``) that compiles as jq becomes ``${ try (expr) catch "expr" }``; one that does not
compile (``hello world``, an undefined name such as ``circle``) is the literal string it always was.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from swengine import expressions
from swengine.dsl.expression_batch import find_problems_many
from swengine.dsl.v10.tasks import entries, nested_lists, task_kind

DATA_FIELDS = (
    ("set",),
    ("with",),
    ("emit", "event", "with"),
    ("raise", "error"),
    ("run", "workflow", "input"),
)
"""Where a task holds data (as opposed to names, directives and durations)."""


def loosen(data: dict[str, Any]) -> dict[str, Any]:
    """A copy of the document with loose-mode strings turned into guarded expressions."""
    leaves: list[str] = []

    def collect(text: str) -> str:
        leaves.append(text)
        return text

    _apply(json.loads(json.dumps(data)), collect)
    compiles = {text for text, problems in find_problems_many(leaves).items() if not problems}

    def guard(text: str) -> str:
        return f"${{ try ({text}) catch {json.dumps(text)} }}" if text in compiles else text

    loosened: dict[str, Any] = json.loads(json.dumps(data))
    _apply(loosened, guard)
    return loosened


def _apply(data: dict[str, Any], change: Callable[[str], str]) -> None:
    """Replace, in place, every bare string of task data in ``do`` and ``use.functions`` by ``change`` of it."""
    _walk_list(data.get("do"), change)
    for function in ((data.get("use") or {}).get("functions") or {}).values():
        _walk_task(function, change)


def _walk_list(task_list: Any, change: Callable[[str], str]) -> None:
    for _, _, body in entries(task_list):
        _walk_task(body, change)


def _walk_task(body: Any, change: Callable[[str], str]) -> None:
    if not isinstance(body, dict):
        return
    for path in DATA_FIELDS:
        parent: Any = body
        for key in path[:-1]:
            parent = parent.get(key) if isinstance(parent, dict) else None
        if isinstance(parent, dict) and path[-1] in parent:
            parent[path[-1]] = _leaves(parent[path[-1]], change)
    for inner, _ in nested_lists(body, task_kind(body)):
        _walk_list(inner, change)


def _leaves(value: Any, change: Callable[[str], str]) -> Any:
    if isinstance(value, str) and not expressions.is_expression(value):
        return change(value)
    if isinstance(value, dict):
        return {key: _leaves(item, change) for key, item in value.items()}
    if isinstance(value, list):
        return [_leaves(item, change) for item in value]
    return value
