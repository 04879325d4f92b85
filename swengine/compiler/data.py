"""Lowering of values: ``${ }`` expressions to bare jq, JSON trees to literals or one jq program."""

from __future__ import annotations

import datetime
import json
import re
from typing import Any

from swengine import expressions
from swengine.compiler.context import CompileContext, compile_error
from swengine.expressions import templates

_FUNCTION_REFERENCE = re.compile(r"\s*fn:\s*(.+?)\s*")


def expression(value: Any, ctx: CompileContext) -> str:
    """A field that is always jq (filters, conditions): strip ``${ }`` if present, inline ``fn:<name>``."""
    if not isinstance(value, str):
        raise compile_error(f"expected a jq expression, got {value!r}")
    text = (expressions.strip(value) if expressions.is_expression(value) else value).strip()
    reference = _FUNCTION_REFERENCE.fullmatch(text)
    if reference is None:
        return text
    definition = ctx.function(reference.group(1))
    if definition.get("type") != "expression":
        raise compile_error(f"`fn:{reference.group(1)}` must name an expression function")
    operation = definition.get("operation")
    if not isinstance(operation, str) or _FUNCTION_REFERENCE.fullmatch(operation):
        raise compile_error(f"expression function {definition['name']!r} has no usable operation")
    return expression(operation, ctx)


def optional_expression(value: Any, ctx: CompileContext) -> str | None:
    return None if value is None else expression(value, ctx)


def program(tree: Any) -> str:
    """One jq program producing ``tree``: its ``${ }`` leaves evaluated, everything else literal."""
    tree = json_native(tree)
    built = templates.template_to_jq(tree)
    return built if built is not None else json.dumps(tree, ensure_ascii=False)


def literal_or_program(tree: Any) -> tuple[Any, str | None]:
    """``(literal, None)`` when ``tree`` holds no expression, else ``(None, jq program)``."""
    tree = json_native(tree)
    built = templates.template_to_jq(tree)
    return (tree, None) if built is None else (None, built)


def json_native(value: Any) -> Any:
    """A deep copy made of JSON types only (YAML may yield dates, tuples, non-string keys)."""
    try:
        return json.loads(json.dumps(value, allow_nan=False, default=_encode))
    except (TypeError, ValueError) as exc:
        raise compile_error(f"value is not representable as JSON: {exc}") from None


def _encode(value: Any) -> Any:
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} {value!r}")
