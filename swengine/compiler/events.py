"""Event definitions and event data filters."""

from __future__ import annotations

from typing import Any

from swengine.compiler.context import CompileContext, compile_error
from swengine.compiler.data import optional_expression
from swengine.core import ir


def compile_event_def(definition: dict[str, Any]) -> ir.EventDef:
    name = definition["name"]
    if not isinstance(definition.get("type"), str):
        raise compile_error(f"event {name!r} needs a type")
    kind = definition.get("kind", "consumed")
    if kind not in ("consumed", "produced"):
        raise compile_error(f"event {name!r}: kind must be consumed or produced, got {kind!r}")
    return ir.EventDef(
        name=name,
        type=definition["type"],
        source=definition.get("source"),
        kind=kind,
        correlation=[_correlation(name, rule) for rule in definition.get("correlation") or []],
        data_only=bool(definition.get("dataOnly", True)),
    )


def compile_event_data_filter(value: Any, ctx: CompileContext) -> ir.EventDataFilter:
    if value is None:
        return ir.EventDataFilter()
    if not isinstance(value, dict):
        raise compile_error(f"eventDataFilter must be an object, got {value!r}")
    return ir.EventDataFilter(
        use_data=bool(value.get("useData", True)),
        data=optional_expression(value.get("data"), ctx),
        to_state_data=optional_expression(value.get("toStateData"), ctx),
    )


def _correlation(event: str, rule: Any) -> ir.Correlation:
    if not isinstance(rule, dict) or not isinstance(rule.get("contextAttributeName"), str):
        raise compile_error(f"event {event!r}: a correlation rule needs contextAttributeName")
    value = rule.get("contextAttributeValue")
    if value is not None and (not isinstance(value, str) or "${" in value):
        # The IR holds a literal to compare with; an expression value has no defined input to run on.
        raise compile_error(f"event {event!r}: contextAttributeValue must be a literal string, got {value!r}")
    return ir.Correlation(context_attribute_name=rule["contextAttributeName"], context_attribute_value=value)
