"""Where each node of a loaded document came from: JSON paths and their 1-based line:column."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from swengine.core.errors import Problem

JsonPath = tuple[str | int, ...]
"""Steps from the document root: mapping keys and list indexes, e.g. ``("states", 2, "transition")``."""

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def json_path(path: JsonPath) -> str:
    """Format a path tuple as ``$.states[2].transition`` (odd keys as ``['my key']``)."""
    parts = ["$"]
    for step in path:
        if isinstance(step, int):
            parts.append(f"[{step}]")
        elif _IDENTIFIER.match(step):
            parts.append(f".{step}")
        else:
            parts.append("[" + repr(step) + "]")
    return "".join(parts)


@dataclass(frozen=True, slots=True)
class Include:
    """Where the content under a property came from when it was read from another file."""

    name: str
    source_map: SourceMap
    prefix: JsonPath


@dataclass(slots=True)
class SourceMap:
    """1-based line:column of every node (for mapping values, the position of their key)."""

    positions: dict[JsonPath, tuple[int, int]] = field(default_factory=dict)
    includes: dict[JsonPath, Include] = field(default_factory=dict)

    def locate(self, path: JsonPath) -> tuple[int, int] | None:
        """Position of the node at ``path``, else of its nearest located ancestor."""
        path = tuple(path)
        while True:
            found = self.positions.get(path)
            if found is not None or not path:
                return found
            path = path[:-1]

    def origin(self, path: JsonPath) -> tuple[str, int, int] | None:
        """File name and position of a node that was read from an included file."""
        for length in range(len(path), 0, -1):
            include = self.includes.get(tuple(path[:length]))
            if include is not None:
                inner = include.prefix + tuple(path[length:])
                line, column = include.source_map.locate(inner) or (1, 1)
                return include.name, line, column
        return None


def problem_at(code: str, message: str, line: int = 1, column: int = 1, path: JsonPath = ()) -> Problem:
    """A problem at a known line:column."""
    return Problem(code=code, message=message, path=json_path(path), line=line, column=column)
