"""Values that look like JSON but cannot travel as JSON: NaN, infinities (``1e400`` parses to one), and
strings holding a lone UTF-16 surrogate (``"\\ud800"``). Python's parsers accept them; JSON encoders,
SQLite and Temporal's payloads then refuse them much later (a 500), or turn them into ``null`` silently.
Everything entering from outside is checked here, once, where it enters."""

from __future__ import annotations

import math
from typing import Any

from swengine.core.errors import SwengineError

Path = tuple[str | int, ...]


class NotJson(SwengineError):
    code = "invalid_json_value"
    http_status = 400


def _is_unencodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _why(value: Any) -> str | None:
    if isinstance(value, float) and not math.isfinite(value):
        return f"the number {value!r} (NaN, an infinity, or out of range) is not JSON"
    if isinstance(value, str) and _is_unencodable(value):
        return "a string holds a lone surrogate (not valid Unicode)"
    return None


def unrepresentable(value: Any) -> tuple[Path, str] | None:
    """(path, reason) of the first value (object keys included) that is not JSON; None when all are.
    Walked without recursion, so any depth is safe."""
    stack: list[tuple[Any, Path]] = [(value, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            for key, child in node.items():
                if isinstance(key, str) and _is_unencodable(key):
                    return path, "an object key holds a lone surrogate (not valid Unicode)"
                stack.append((child, (*path, key)))
        elif isinstance(node, list):
            stack.extend((child, (*path, index)) for index, child in enumerate(node))
        elif (reason := _why(node)) is not None:
            return path, reason
    return None


def check_json_values(value: Any, what: str) -> None:
    """Raise ``NotJson`` (400) naming where ``value`` stops being JSON."""
    found = unrepresentable(value)
    if found is not None:
        path, reason = found
        where = "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in path) or "(root)"
        raise NotJson(f"{what} at {where}: {reason}")
