"""What every translator shares: the 0.8 document's definitions, the notes (with line:col) and naming."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from swengine.authoring.migrate import jq
from swengine.dsl.loader import Document, JsonPath

TODO_KEY = f"__todo_{uuid.uuid4().hex}__"
"""Placeholder key holding a task's TODO notes until the renderer writes them as ``# TODO`` comments; no key of
a document can be it (a user's ``__todo__`` key was once taken for one, and its value dropped)."""

Task = dict[str, Any]
"""A 1.0 task entry: ``{name: body}``."""


@dataclass(frozen=True, slots=True)
class Note:
    """Something 1.0 cannot say: where it was in the 0.8 file and what was done instead."""

    line: int
    column: int
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.line}:{self.column}: {self.message}"


@dataclass(frozen=True, slots=True)
class Jump:
    """Where a 0.8 transition or end goes in 1.0: a ``then`` target, after the tasks it needs first."""

    then: str
    tasks: list[Task] = field(default_factory=list)


@dataclass
class Translation:
    """One 0.8 document being translated: its definitions by name and the notes gathered so far."""

    document: Document
    notes: list[Note] = field(default_factory=list)
    end: str = "end"
    """What a 0.8 end becomes: ``end`` in the workflow's list, ``exit`` in a compensation path."""
    functions: dict[str, Any] = field(default_factory=dict)
    """``use.functions`` of the 1.0 document, filled as calls are translated."""

    @property
    def data(self) -> dict[str, Any]:
        return self.document.data

    def named(self, section: str) -> dict[str, dict[str, Any]]:
        items = self.data.get(section)
        return (
            {item["name"]: item for item in items if isinstance(item, dict)}
            if isinstance(items, list)
            else {}
        )

    def state_path(self, name: str) -> JsonPath:
        for index, state in enumerate(self.data.get("states") or []):
            if state.get("name") == name:
                return ("states", index)
        return ("states",)

    def note(self, path: JsonPath, message: str, body: dict[str, Any] | None = None) -> None:
        """Record what could not be said; with ``body``, also a ``# TODO`` on that 1.0 task."""
        line, column = self.document.locate(path)
        self.notes.append(Note(line, column, _dotted(path), message))
        if body is not None:
            body.setdefault(TODO_KEY, []).append(f"{message} (0.8 line {line}:{column})")

    def expr(self, value: str) -> str:
        """A 0.8 expression as jq 1.0 can run: ``${ }`` stripped, constants inlined."""
        return jq.inline_constants(jq.body(value), self.data.get("constants"))

    def template(self, value: Any, before: str = ".") -> Any:
        """Arguments with each ``${ }`` string evaluated on ``before`` (the action input) first."""
        if isinstance(value, dict):
            return {key: self.template(item, before) for key, item in value.items()}
        if isinstance(value, list):
            return [self.template(item, before) for item in value]
        if isinstance(value, str) and value.strip().startswith("${"):
            return jq.wrap(jq.pipe(before, self.expr(value)))
        return value

    def timeout(self, state: dict[str, Any], key: str) -> str | None:
        """A state's timeout, else the workflow's default for it."""
        own = state.get("timeouts")
        if isinstance(own, dict) and own.get(key):
            return str(own[key])
        top = self.data.get("timeouts")
        return str(top[key]) if isinstance(top, dict) and top.get(key) else None


def slug(text: str) -> str:
    """A 1.0 ``namespace``/``name``: lower case words joined by dashes (``provisionOrders`` → ``provision-orders``)."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", str(text))
    words = re.sub(r"[^a-z0-9]+", "-", spaced.lower()).strip("-")
    return (words or "workflow")[:63].rstrip("-")


def semver(version: Any) -> str:
    """A 0.8 version as the semantic version 1.0 requires (``1.0`` → ``1.0.0``; none → ``0.1.0``)."""
    if version is None:
        return "0.1.0"
    parts = str(version).split(".")
    if all(part.isdigit() for part in parts) and 1 <= len(parts) <= 3:
        return ".".join([*parts, "0", "0"][:3])
    return str(version) if re.fullmatch(r"\d+\.\d+\.\d+[-+].*", str(version)) else "0.1.0"


def _dotted(path: JsonPath) -> str:
    return "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in path).lstrip(".")
