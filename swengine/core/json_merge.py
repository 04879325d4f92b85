"""Serverless Workflow 0.8 "Data Merging" of JSON values: event data and action results into state data.

Plain JSON work, not jq: the interpreter merges with it, and nothing here evaluates an expression.
"""

from __future__ import annotations

from typing import Any

from swengine.core.errors import ExpressionError


def merge(target: Any, source: Any) -> Any:
    """``source`` (event data, action result) merged into ``target`` (state data); inputs are not mutated.

    Objects merge key by key, recursively, ``source`` winning on conflicts; arrays concatenate, keeping
    ``target``'s elements and then ``source``'s not already present; anything else: ``source`` replaces.
    What ``target`` keeps unchanged is shared, not copied: state data is never mutated in place, and copying it
    made every merge cost as much as the whole state data (``source`` is copied: it may belong to the IR).
    """
    if isinstance(target, dict) and isinstance(source, dict):
        result = dict(target)  # the work is the size of what is merged in, not of the state data
        for key, item in source.items():
            result[key] = merge(target[key], item) if key in target else _copy(item)
        return result
    if isinstance(target, list) and isinstance(source, list):
        seen = {_identity(item) for item in target}
        result_list = list(target)
        for item in source:
            identity = _identity(item)
            if identity not in seen:
                seen.add(identity)
                result_list.append(_copy(item))
        return result_list
    return _copy(source)


def merge_at(data: Any, path: list[str | int] | None, value: Any) -> Any:
    """``value`` merged into ``data`` at ``path`` (missing objects created); no path merges at the top."""
    if not path:
        return merge(data, value)
    return _merge_at(data, list(path), 0, value)


def _merge_at(node: Any, path: list[str | int], depth: int, value: Any) -> Any:
    if depth == len(path):
        return _copy(value) if node is None else merge(node, value)
    key = path[depth]
    if isinstance(key, str):
        if node is None:
            node = {}
        if not isinstance(node, dict):
            where = _where(path, depth)
            raise ExpressionError(
                f"cannot merge into {where}.{key}: {where} is {_json_type(node)}, not an object"
            )
        result = dict(node)
        result[key] = _merge_at(node.get(key), path, depth + 1, value)
        return result
    if node is None:
        node = []
    if not isinstance(node, list):
        where = _where(path, depth)
        raise ExpressionError(
            f"cannot merge into {where}[{key}]: {where} is {_json_type(node)}, not an array"
        )
    index = key + len(node) if key < 0 else key
    if index < 0:
        raise ExpressionError(f"cannot merge into {_where(path, depth)}[{key}]: index out of range")
    items = [*node, *[None] * (index + 1 - len(node))]
    items[index] = _merge_at(node[index] if index < len(node) else None, path, depth + 1, value)
    return items


def _where(path: list[str | int], depth: int) -> str:
    """The part of ``path`` before ``depth``, as jq writes it (for errors only)."""
    return "".join(f"[{part!r}]" if isinstance(part, int) else f".{part}" for part in path[:depth]) or "."


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_copy(item) for item in value]
    return value


def _identity(value: Any) -> Any:
    """A hashable stand-in with JSON equality: 1 == 1.0, true != 1, key order ignored."""
    if isinstance(value, bool) or value is None:
        return ("b", value)
    if isinstance(value, int | float):
        return ("n", int(value) if isinstance(value, float) and value.is_integer() else value)
    if isinstance(value, str):
        return ("s", value)
    if isinstance(value, list | tuple):
        return ("a", tuple(_identity(item) for item in value))
    if isinstance(value, dict):
        return ("o", tuple(sorted((key, _identity(item)) for key, item in value.items())))
    return ("?", repr(value))


def json_type(value: Any) -> str:
    """The JSON name of a decoded value's type, for messages."""
    names = ((bool, "boolean"), (int | float, "number"), (str, "string"), (list, "array"), (dict, "object"))
    if value is None:
        return "null"
    return next((name for kind, name in names if isinstance(value, kind)), type(value).__name__)


def _json_type(value: Any) -> str:
    name = json_type(value)
    return f"an {name}" if name[0] in "aeiou" else f"a {name}"
