"""The migrated document as readable YAML: keys in the order people read a task (``if``, ``input``, the
work, ``output``, ``then``), TODO notes as ``# TODO`` comments above the task they concern, and the 0.8
file's opening comment kept."""

from __future__ import annotations

import re
from typing import Any

import yaml

from swengine.authoring.migrate.context import TODO_KEY

TASK_KEYS = frozenset(
    {"set", "do", "switch", "wait", "raise", "try", "for", "fork", "call", "emit", "run", "listen"}
)
FIRST = ("if", "input")
LAST = ("output", "export", "timeout", "then")
_MARKER = re.compile(rf"^(\s*){re.escape(TODO_KEY)}(\d+): null$", re.MULTILINE)
"""Where the TODO notes go: the placeholder key of the N-th node that has notes (no document key can match)."""


class _Dumper(yaml.SafeDumper):
    """Block style, and a list indented under its key (as the specification's examples are)."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def render(document: dict[str, Any], source_text: str = "") -> str:
    todos: list[list[str]] = []
    header = [f"# TODO: {message}" for message in document.get(TODO_KEY, [])]
    body = {key: _prepared(value, todos) for key, value in document.items() if key != TODO_KEY}
    text = yaml.dump(body, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=4096)
    text = _MARKER.sub(lambda m: "\n".join(f"{m[1]}# TODO: {line}" for line in todos[int(m[2])]), text)
    opening = _opening_comment(source_text)
    return "".join(f"{line}\n" for line in [*opening, *header]) + text


def _prepared(node: Any, todos: list[list[str]]) -> Any:
    if isinstance(node, list):
        return [_prepared(item, todos) for item in node]
    if not isinstance(node, dict):
        return node
    prepared: dict[str, Any] = {}
    if node.get(TODO_KEY):
        prepared[f"{TODO_KEY}{len(todos)}"] = None
        todos.append(list(node[TODO_KEY]))
    keys = [key for key in node if key != TODO_KEY]
    if TASK_KEYS & set(keys):
        keys = (
            [k for k in FIRST if k in keys]
            + [k for k in keys if k not in FIRST + LAST]
            + [k for k in LAST if k in keys]
        )
    for key in keys:
        prepared[key] = _prepared(node[key], todos)
    return prepared


def _opening_comment(text: str) -> list[str]:
    """The comment lines a YAML file starts with (a JSON file has none)."""
    lines: list[str] = []
    for line in text.lstrip("\n").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line)
    return lines
