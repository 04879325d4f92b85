"""Arguments with ``${ }`` leaves turned into one jq program that builds the whole value (compiled once)."""

from __future__ import annotations

import json
import math
from typing import Any

from swengine.expressions import is_expression, strip


def template_to_jq(value: Any) -> str | None:
    """One jq program building ``value``, whose ``${ expr }`` string leaves become ``(expr)``; None without any.

    Only whole strings are expressions (as in 0.8): ``"id-${ .x }"`` stays a literal string.
    """
    return _template(value) if _has_expression(value) else None


def _has_expression(value: Any) -> bool:
    if isinstance(value, str):
        return is_expression(value)
    if isinstance(value, dict):
        return any(_has_expression(item) for item in value.values())
    if isinstance(value, list | tuple):
        return any(_has_expression(item) for item in value)
    return False


def _template(value: Any) -> str:
    if isinstance(value, str):
        if not is_expression(value):
            return json.dumps(value)
        body = strip(value)
        return f"({body}\n\n)" if "#" in body else f"({body})"  # a trailing comment must not eat the ")"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(key)}: {_template(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_template(item) for item in value) + "]"
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, int):
        return f"({value})" if value < 0 else str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "null"
        if math.isinf(value):
            return "infinite" if value > 0 else "(-infinite)"
        return f"({value!r})" if value < 0 else repr(value)
    raise TypeError(f"{type(value).__name__} {value!r} is not JSON")


def _key(key: Any) -> str:
    if not isinstance(key, str):
        raise TypeError(f"object key {key!r} is not a string")
    return json.dumps(key)
