"""String templates with a deliberately small syntax: ``{name}`` and ``{a.b}`` looked up in JSON values.

Python's ``str.format`` is not used: it evaluates ``{0.__class__}`` and ``{x[0]}`` against live Python
objects. Here a placeholder can only walk keys of JSON objects, and nothing else is interpreted.
"""

from __future__ import annotations

import json
import re
from typing import Any

from temporalio import activity

from builtin_activities.arguments import (
    MAX_TEXT_BYTES,
    arguments_object,
    json_type,
    preview,
    refuse,
    require_depth,
    require_object,
    require_str,
    require_text_size,
)

_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]|[^{}]+")
_PLACEHOLDER = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*")


@activity.defn(name="builtin.template")
async def template(arguments: Any) -> str:
    """template: text with {name} / {a.b} placeholders ({{ and }} for braces); values: object (default {})."""
    args = arguments_object("template", arguments, required={"template": "a string"}, optional=("values",))
    text = require_str("template", args, "template")
    require_text_size("template", "argument 'template'", text)
    return render_template(text, require_object("template", args, "values", default={}))


def render_template(text: str, values: dict[str, Any]) -> str:
    """``text`` with each placeholder replaced; strings as-is, other values as compact JSON."""
    pieces: list[str] = []
    size = 0
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        if token == "{{":
            piece = "{"
        elif token == "}}":
            piece = "}"
        elif token in ("{", "}"):
            refuse(
                "template",
                f"unmatched {token!r} at position {match.start()} of 'template'; write '{token * 2}' for a literal brace",
            )
        elif match.group(1) is not None:
            piece = render_value(lookup(match.group(1), values))
        else:
            piece = token
        size += len(piece.encode("utf-8", "surrogatepass"))
        if size > MAX_TEXT_BYTES:
            refuse("template", f"the rendered text would exceed the limit of {MAX_TEXT_BYTES} bytes")
        pieces.append(piece)
    return "".join(pieces)


def lookup(name: str, values: dict[str, Any]) -> Any:
    """The value a placeholder names, walking only keys of JSON objects."""
    shown = preview("{" + name + "}")
    if not _PLACEHOLDER.fullmatch(name):
        refuse(
            "template",
            f"placeholder {shown} is not allowed: use {{name}} or {{a.b}} "
            "(letters, digits, '_' and '-', separated by dots; no spaces, indexing, conversions or format specs)",
        )
    node: Any = values
    keys = name.split(".")
    for depth, key in enumerate(keys):
        if not isinstance(node, dict):
            parent = ".".join(keys[:depth])
            refuse(
                "template",
                f"placeholder {shown}: {preview(parent)} is {json_type(node)}, not an object, so it has no key {preview(key)}",
            )
        if key not in node:
            refuse("template", f"placeholder {shown}: 'values' has no {preview('.'.join(keys[: depth + 1]))}")
        node = node[key]
    return node


def render_value(value: Any) -> str:
    """Strings verbatim; numbers, booleans, null, arrays and objects as compact JSON text."""
    if isinstance(value, str):
        return value
    require_depth("template", "values", value)
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except ValueError:
        refuse("template", "'values' holds NaN or Infinity, which JSON cannot represent")
