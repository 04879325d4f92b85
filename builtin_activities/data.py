"""Object transforms: merge, pick, omit and set. Pure functions of their arguments; inputs never mutated."""

from __future__ import annotations

from typing import Any

from temporalio import activity

from builtin_activities.arguments import (
    arguments_object,
    json_type,
    parse_path,
    preview,
    refuse,
    require_depth,
    require_list,
    require_object,
)

_MISSING: Any = object()


@activity.defn(name="builtin.merge")
async def merge(arguments: Any) -> dict[str, Any]:
    """objects: array of objects, deep-merged left to right (later wins; arrays concatenated, unique)."""
    args = arguments_object("merge", arguments, allowed=("objects",), required=("objects",))
    objects = require_list("merge", args, "objects")
    result: dict[str, Any] = {}
    for index, item in enumerate(objects):
        if not isinstance(item, dict):
            refuse("merge", f"objects[{index}] must be an object, got {json_type(item)}")
        require_depth("merge", f"objects[{index}]", item)
        result = merge_objects(result, item)
    return result


def merge_objects(earlier: dict[str, Any], later: dict[str, Any]) -> dict[str, Any]:
    """Serverless Workflow 0.8 data merging: keys of both kept, shared keys merged, ``later`` winning."""
    result = dict(earlier)
    for key, value in later.items():
        result[key] = merge_values(earlier[key], value) if key in earlier else value
    return result


def merge_values(earlier: Any, later: Any) -> Any:
    """Objects merge, arrays concatenate keeping unique elements; anything else: ``later`` replaces."""
    if isinstance(earlier, dict) and isinstance(later, dict):
        return merge_objects(earlier, later)
    if isinstance(earlier, list) and isinstance(later, list):
        return unique_elements(earlier + later)
    return later


def unique_elements(items: list[Any]) -> list[Any]:
    """``items`` without repeats (by JSON equality), keeping each first occurrence in place."""
    seen: set[Any] = set()
    unique = []
    for item in items:
        identity = json_identity(item)
        if identity not in seen:
            seen.add(identity)
            unique.append(item)
    return unique


def json_identity(value: Any) -> Any:
    """A hashable stand-in equal for equal JSON values: key order ignored, 1 == 1.0, true != 1."""
    if isinstance(value, dict):
        return ("object", tuple(sorted((str(key), json_identity(item)) for key, item in value.items())))
    if isinstance(value, list):
        return ("array", tuple(json_identity(item) for item in value))
    if isinstance(value, bool):  # before numbers: bool is an int in Python, not in JSON
        return ("boolean", value)
    if isinstance(value, int | float):
        return ("number", value)
    return (json_type(value), value)


@activity.defn(name="builtin.pick")
async def pick(arguments: Any) -> dict[str, Any]:
    """object: the source object; keys: array of keys or dotted paths ("a.b") to keep; missing ones skipped."""
    args = arguments_object("pick", arguments, allowed=("object", "keys"), required=("object", "keys"))
    source = require_object("pick", args, "object")
    result: dict[str, Any] = {}
    for index, key in enumerate(require_list("pick", args, "keys")):
        path = parse_path("pick", f"keys[{index}]", key)
        value = get_path(source, path)
        if value is not _MISSING:
            result = set_path("pick", result, path, value)
    return result


@activity.defn(name="builtin.omit")
async def omit(arguments: Any) -> dict[str, Any]:
    """object: the source object; keys: array of keys or dotted paths ("a.b") to drop; missing ones ignored."""
    args = arguments_object("omit", arguments, allowed=("object", "keys"), required=("object", "keys"))
    result = require_object("omit", args, "object")
    for index, key in enumerate(require_list("omit", args, "keys")):
        result = delete_path(result, parse_path("omit", f"keys[{index}]", key))
    return result


@activity.defn(name="builtin.set")
async def set_value(arguments: Any) -> dict[str, Any]:
    """object: source (default {}); path: "a.b.c" or array of keys; value: any JSON, set there (objects created)."""
    args = arguments_object("set", arguments, allowed=("object", "path", "value"), required=("path", "value"))
    source = require_object("set", args, "object", default={})
    return set_path("set", source, parse_path("set", "path", args["path"]), args["value"])


def get_path(source: dict[str, Any], path: list[str]) -> Any:
    """The value at ``path`` inside nested objects, or ``_MISSING``."""
    node: Any = source
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return _MISSING
        node = node[key]
    return node


def set_path(verb: str, source: dict[str, Any], path: list[str], value: Any) -> dict[str, Any]:
    """A copy of ``source`` with ``value`` at ``path``; only the objects along the path are copied."""
    spine = [source]
    for depth, key in enumerate(path[:-1]):
        child = spine[-1].get(key)
        if child is None:  # absent or null: create the object
            child = {}
        elif not isinstance(child, dict):
            where = preview(".".join(path[: depth + 1]))
            refuse(
                verb, f"cannot set {preview('.'.join(path))}: {where} holds {json_type(child)}, not an object"
            )
        spine.append(child)
    result = value
    for node, key in zip(reversed(spine), reversed(path), strict=True):
        result = {**node, key: result}
    return result


def delete_path(source: dict[str, Any], path: list[str]) -> dict[str, Any]:
    """A copy of ``source`` without the key at ``path`` (``source`` itself when there is nothing to delete)."""
    head, rest = path[0], path[1:]
    if head not in source:
        return source
    if rest:
        child = source[head]
        if not isinstance(child, dict):
            return source
        trimmed = delete_path(child, rest)
        if trimmed is child:
            return source
        return {**source, head: trimmed}
    return {key: value for key, value in source.items() if key != head}
