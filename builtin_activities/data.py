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
    args = arguments_object("merge", arguments, required={"objects": "an array of objects"})
    objects = require_list("merge", args, "objects")
    for index, item in enumerate(objects):
        if not isinstance(item, dict):
            refuse("merge", f"objects[{index}] must be an object, got {json_type(item)}")
        require_depth("merge", f"objects[{index}]", item)
    return merge_all(objects) if objects else {}


def merge_all(values: list[Any]) -> Any:
    """Serverless Workflow 0.8 data merging of ``values`` left to right, in one pass over all of them.

    Objects merge key by key, arrays concatenate keeping unique elements, and any other pair is won by the
    later value. Folding pairwise would copy the growing result once per value (quadratic); instead only
    the trailing run of values of the last value's kind matters, since an earlier mismatch is overwritten.
    """
    kind = dict if isinstance(values[-1], dict) else list if isinstance(values[-1], list) else None
    if kind is None:
        return values[-1]
    start = len(values) - 1
    while start > 0 and isinstance(values[start - 1], kind):
        start -= 1
    run = values[start:]
    if len(run) == 1:
        return run[0]
    if kind is list:
        return unique_elements([item for array in run for item in array])
    grouped: dict[str, list[Any]] = {}
    for obj in run:
        for key, value in obj.items():
            grouped.setdefault(key, []).append(value)
    return {key: merge_all(group) for key, group in grouped.items()}


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
    args = arguments_object(
        "pick", arguments, required={"object": "an object", "keys": "an array of keys or paths"}
    )
    source = require_object("pick", args, "object")
    result: dict[str, Any] = {}
    created = {id(result)}  # objects built here; anything else is shared with the source and never written
    for index, key in enumerate(require_list("pick", args, "keys")):
        path = parse_path("pick", f"keys[{index}]", key)
        value = get_path(source, path)
        if value is _MISSING:
            continue
        node = result
        for step in path[:-1]:
            child = node.get(step)
            if child is None:
                child = node[step] = {}
                created.add(id(child))
            elif id(child) not in created:
                break  # an ancestor was picked whole: it already holds this value
            node = child
        else:
            node[path[-1]] = value
    return result


@activity.defn(name="builtin.omit")
async def omit(arguments: Any) -> dict[str, Any]:
    """object: the source object; keys: array of keys or dotted paths ("a.b") to drop; missing ones ignored."""
    args = arguments_object(
        "omit", arguments, required={"object": "an object", "keys": "an array of keys or paths"}
    )
    result = dict(require_object("omit", args, "object"))
    copied = {id(result)}  # objects copied here may be edited; the source's own never are
    for index, key in enumerate(require_list("omit", args, "keys")):
        path = parse_path("omit", f"keys[{index}]", key)
        node = result
        for step in path[:-1]:
            child = node.get(step)
            if not isinstance(child, dict):
                break
            if id(child) not in copied:
                child = node[step] = dict(child)
                copied.add(id(child))
            node = child
        else:
            node.pop(path[-1], None)
    return result


@activity.defn(name="builtin.set")
async def set_value(arguments: Any) -> dict[str, Any]:
    """object: source (default {}); path: "a.b.c" or array of keys; value: any JSON, set there (objects created)."""
    args = arguments_object(
        "set",
        arguments,
        required={"path": "a path like 'a.b'", "value": "any JSON value"},
        optional=("object",),
    )
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
