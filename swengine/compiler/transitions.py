"""``transition`` and ``end`` folded into one ``ir.Transition``, with produced events and continueAs."""

from __future__ import annotations

from typing import Any

from swengine.compiler.context import CompileContext, compile_error
from swengine.compiler.data import expression, literal_or_program, program
from swengine.compiler.timeouts import workflow_exec_timeout
from swengine.core import ir


def compile_transition(
    node: dict[str, Any], ctx: CompileContext, *, compensation: bool = False
) -> ir.Transition:
    """Fold the ``transition``/``end`` pair of a state, condition, default condition or error handler.

    States used for compensation may omit both, and their ``end`` is ignored (spec: compensation).
    """
    transition, end = node.get("transition"), node.get("end")
    if transition is not None:
        if end not in (None, False):
            raise compile_error(f"{_where(node)} defines both `transition` and `end`")
        return _next_state(transition, ctx)
    if compensation:
        return ir.Transition()
    if end is True:
        return ir.Transition()
    if isinstance(end, dict):
        return _end(end, ctx)
    raise compile_error(f"{_where(node)} defines neither `transition` nor `end`")


def compile_produced_event(spec: dict[str, Any], ctx: CompileContext) -> ir.ProducedEvent:
    """A ``produceEvents`` entry (or an eventRef trigger) with its type/source taken from the event definition."""
    name = spec.get("eventRef")
    if not isinstance(name, str):
        raise compile_error(f"a produced event needs an eventRef, got {spec!r}")
    definition = ctx.event(name)
    data, data_expr = _data(spec.get("data"), ctx)
    return ir.ProducedEvent(
        event=name,
        type=definition["type"],
        source=definition.get("source"),
        data=data,
        data_expr=data_expr,
        context_attributes=context_attributes(spec.get("contextAttributes")),
    )


def context_attributes(value: Any) -> dict[str, str]:
    """Each extension attribute becomes a jq program (a literal string becomes a jq string literal).

    The spec's example writes a list of one-entry objects; the schema an object. Both are accepted.
    """
    if value is None:
        return {}
    entries = value if isinstance(value, list) else [value]
    attributes: dict[str, str] = {}
    for entry in entries:
        if not isinstance(entry, dict):
            raise compile_error(f"contextAttributes must be an object, got {value!r}")
        for key, attribute in entry.items():
            attributes[str(key)] = program(attribute)
    return attributes


def _next_state(value: Any, ctx: CompileContext) -> ir.Transition:
    if isinstance(value, str):
        return ir.Transition(next_state=value)
    if isinstance(value, dict) and isinstance(value.get("nextState"), str):
        return ir.Transition(
            next_state=value["nextState"],
            compensate=bool(value.get("compensate", False)),
            produce_events=_produce_events(value.get("produceEvents"), ctx),
        )
    raise compile_error(f"transition must be a state name or an object with nextState, got {value!r}")


def _end(value: dict[str, Any], ctx: CompileContext) -> ir.Transition:
    continue_as = _continue_as(value.get("continueAs"), ctx)
    return ir.Transition(
        # The spec: with continueAs, terminate is assumed true.
        terminate=bool(value.get("terminate", False)) or continue_as is not None,
        compensate=bool(value.get("compensate", False)),
        produce_events=_produce_events(value.get("produceEvents"), ctx),
        continue_as=continue_as,
    )


def _produce_events(value: Any, ctx: CompileContext) -> list[ir.ProducedEvent]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise compile_error(f"produceEvents must be a list, got {value!r}")
    return [compile_produced_event(spec, ctx) for spec in value]


def _continue_as(value: Any, ctx: CompileContext) -> ir.ContinueAs | None:
    if value is None:
        return None
    if isinstance(value, str):
        return ir.ContinueAs(workflow_id=value)
    if not isinstance(value, dict) or not isinstance(value.get("workflowId"), str):
        raise compile_error(f"continueAs must be a workflow id or an object with workflowId, got {value!r}")
    data, data_expr = _data(value.get("data"), ctx)
    version = value.get("version")
    return ir.ContinueAs(
        workflow_id=value["workflowId"],
        version=None if version is None else str(version),
        data=data,
        data_expr=data_expr,
        workflow_exec_timeout=workflow_exec_timeout(value.get("workflowExecTimeout")).duration,
    )


def _data(value: Any, ctx: CompileContext) -> tuple[Any, str | None]:
    """``data`` of a produced event or continueAs: a string is an expression, an object a (template) literal."""
    if value is None:
        return None, None
    if isinstance(value, str):
        return None, expression(value, ctx)
    return literal_or_program(value)


def _where(node: dict[str, Any]) -> str:
    name = node.get("name")
    return f"{name!r}" if name else "a transition holder"
