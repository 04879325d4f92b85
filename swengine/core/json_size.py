"""Exact JSON sizes of successive state data without re-serialising what did not change.

Each state's output is checked against the payload limit. Serialising the whole state data after every state
made a state's cost grow with the data (0.7 ms a state at 100 KB). State data is never mutated in place and
merges share what they leave unchanged, so a sub-tree measured for one state is the same object in the next:
its size is remembered by identity, and only what is new is serialised.
"""

from __future__ import annotations

import json
from typing import Any

_ENCODE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode

WALK_DEPTH = 3
"""Objects this close to the top are measured member by member (so a shared member is looked up, not
serialised); deeper, and any array, a new container is serialised whole once."""
WALK_WIDTH = 256
"""Objects with more members than this are serialised whole (walking them would cost more than it saves)."""
SMALL = 16 * 1024
"""While the data stays under this many bytes, serialising it whole (in C) is cheaper than walking it."""


def text_size(value: Any) -> int:
    """Bytes of ``value``'s compact UTF-8 JSON (what :func:`swengine.core.limits.payload_size` counts)."""
    text = _ENCODE(value)
    return len(text) if text.isascii() else len(text.encode("utf-8"))


Entry = tuple[Any, int, int, tuple[Any, ...]]
"""A measured container: the container itself, its size, its length, and the entries of the containers it was
measured from (so a hit hands them on to the next measurement too)."""


class JsonSizer:
    """Measures one sequence of values (one instance's state data); remembers the containers of the last one."""

    def __init__(self, small: int = SMALL) -> None:
        self._known: dict[int, Entry] = {}
        self._last = 0
        self._small = small

    def size(self, value: Any) -> int:
        """Exactly ``text_size(value)``."""
        seen: dict[int, Entry] = {}
        if self._last < self._small:
            total = text_size(value)
        else:
            total, _ = self._measure(value, 0, seen)
        self._known, self._last = seen, total  # holds only what the current value is made of
        return total

    def _measure(self, value: Any, depth: int, seen: dict[int, Entry]) -> tuple[int, Entry | None]:
        kind = type(value)
        if kind is not dict and kind is not list:
            return text_size(value), None
        known = self._known.get(id(value))
        if known is not None and known[0] is value and known[2] == len(value):
            _keep(known, seen)
            return known[1], known
        parts: list[Entry] = []
        if (
            kind is dict
            and depth < WALK_DEPTH
            and len(value) <= WALK_WIDTH
            and all(type(k) is str for k in value)
        ):
            size = 1 + 2 * len(value) if value else 2  # braces, colons and commas
            for key, item in value.items():
                item_size, part = self._measure(item, depth + 1, seen)
                size += text_size(key) + item_size
                if part is not None:
                    parts.append(part)
        else:
            size = text_size(value)
        entry = seen[id(value)] = (value, size, len(value), tuple(parts))
        return size, entry


def _keep(entry: Entry, seen: dict[int, Entry]) -> None:
    seen[id(entry[0])] = entry
    for part in entry[3]:
        _keep(part, seen)


def at_most(value: Any, limit: int) -> bool:
    """Whether ``value``'s JSON has at most about ``limit`` bytes (strings by length, integers by their bits, other
    scalars by a generous width), decided without walking past the limit: a cheap test of "small", never an exact
    size."""
    budget = limit
    stack = [value]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is dict:
            budget -= 2
            for key, item in node.items():
                budget -= len(key) + 4
                if budget < 0:
                    return False
                stack.append(item)
        elif kind is list:
            budget -= 2
            for item in node:
                budget -= 1
                if budget < 0:
                    return False
                stack.append(item)
        elif kind is str:
            budget -= len(node) + 2
        elif kind is int:  # digits unbounded: a third of the bits, a sign and one more cover them
            budget -= max(24, node.bit_length() // 3 + 2)
        else:
            budget -= 24
        if budget < 0:
            return False
    return True
