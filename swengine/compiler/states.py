"""One ``compile_<kind>`` per state kind, dispatched by ``COMPILERS``."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from swengine import expressions
from swengine.compiler.actions import compile_action, compile_actions
from swengine.compiler.context import CompileContext, compile_error
from swengine.compiler.data import expression, json_native, optional_expression
from swengine.compiler.events import compile_event_data_filter
from swengine.compiler.handlers import compile_error_handlers
from swengine.compiler.timeouts import branch_timeouts, state_timeouts
from swengine.compiler.transitions import compile_transition
from swengine.core import ir

_NAME = re.compile(r"\.?([A-Za-z_][A-Za-z0-9_]*)")


def compile_state(state: Any, ctx: CompileContext) -> ir.State:
    if not isinstance(state, dict) or not isinstance(state.get("name"), str):
        raise compile_error(f"a state must be an object with a name, got {state!r}")
    kind = state.get("type")
    compiler = COMPILERS.get(kind) if isinstance(kind, str) else None
    if compiler is None:
        raise compile_error(f"state {state['name']!r}: unknown state type {kind!r}")
    return compiler(state, ctx)


def compile_operation(state: dict[str, Any], ctx: CompileContext) -> ir.OperationState:
    base = _base(state, ctx)
    return ir.OperationState(
        **base,
        action_mode=_mode(state.get("actionMode"), "sequential"),
        actions=compile_actions(state.get("actions"), ctx, timeout=base["timeouts"].action_exec),
        transition=_transition(state, ctx),
    )


def compile_event(state: dict[str, Any], ctx: CompileContext) -> ir.EventState:
    base = _base(state, ctx)
    on_events = [
        ir.OnEvent(
            event_refs=[_event_name(name, ctx) for name in on_event.get("eventRefs") or []],
            action_mode=_mode(on_event.get("actionMode"), "sequential"),
            actions=compile_actions(on_event.get("actions"), ctx, timeout=base["timeouts"].action_exec),
            data_filter=compile_event_data_filter(on_event.get("eventDataFilter"), ctx),
        )
        for on_event in state.get("onEvents") or []
    ]
    return ir.EventState(
        **base,
        exclusive=bool(state.get("exclusive", True)),
        on_events=on_events,
        transition=_transition(state, ctx),
    )


def compile_switch(state: dict[str, Any], ctx: CompileContext) -> ir.SwitchState:
    data_conditions = [
        ir.DataCondition(
            condition=expression(condition.get("condition"), ctx),
            transition=compile_transition(condition, ctx),
            name=condition.get("name"),
        )
        for condition in state.get("dataConditions") or []
    ]
    event_conditions = [
        ir.EventCondition(
            event=_event_name(condition.get("eventRef"), ctx),
            transition=compile_transition(condition, ctx),
            name=condition.get("name"),
            data_filter=compile_event_data_filter(condition.get("eventDataFilter"), ctx),
        )
        for condition in state.get("eventConditions") or []
    ]
    if data_conditions and event_conditions:
        raise compile_error(f"switch {state['name']!r} mixes dataConditions and eventConditions")
    default = state.get("defaultCondition")
    if not isinstance(default, dict):
        raise compile_error(f"switch {state['name']!r} needs a defaultCondition")
    return ir.SwitchState(
        **_base(state, ctx),
        data_conditions=data_conditions,
        event_conditions=event_conditions,
        default=compile_transition(default, ctx),
    )


def compile_sleep(state: dict[str, Any], ctx: CompileContext) -> ir.SleepState:
    duration = state.get("duration")
    if not isinstance(duration, str):
        raise compile_error(f"sleep {state['name']!r} needs a duration")
    return ir.SleepState(**_base(state, ctx), duration=duration, transition=_transition(state, ctx))


def compile_parallel(state: dict[str, Any], ctx: CompileContext) -> ir.ParallelState:
    base = _base(state, ctx)
    branches = []
    for branch in state.get("branches") or []:
        if not isinstance(branch, dict) or not isinstance(branch.get("name"), str):
            raise compile_error(f"parallel {state['name']!r}: every branch needs a name, got {branch!r}")
        timeouts = branch_timeouts(branch, base["timeouts"])
        branches.append(
            ir.Branch(
                name=branch["name"],
                actions=compile_actions(branch.get("actions"), ctx, timeout=timeouts.action_exec),
                timeout=timeouts.branch_exec,
            )
        )
    completion_type = state.get("completionType", "allOf")
    if completion_type == "allOf":
        num_completed = len(branches)
    elif completion_type == "atLeast":
        num_completed = _count(state.get("numCompleted"), "numCompleted", state)
    else:
        raise compile_error(f"parallel {state['name']!r}: unknown completionType {completion_type!r}")
    return ir.ParallelState(
        **base,
        branches=branches,
        completion_type=completion_type,
        num_completed=num_completed,
        transition=_transition(state, ctx),
    )


def compile_inject(state: dict[str, Any], ctx: CompileContext) -> ir.InjectState:
    return ir.InjectState(
        **_base(state, ctx), data=json_native(state.get("data", {})), transition=_transition(state, ctx)
    )


def compile_foreach(state: dict[str, Any], ctx: CompileContext) -> ir.ForEachState:
    base = _base(state, ctx)
    batch_size = state.get("batchSize")
    return ir.ForEachState(
        **base,
        input_collection=expression(state.get("inputCollection"), ctx),
        output_collection=optional_expression(state.get("outputCollection"), ctx),
        iteration_param=_iteration_param(state.get("iterationParam"), state),
        batch_size=None if batch_size is None else _count(batch_size, "batchSize", state),
        mode=_mode(state.get("mode"), "parallel"),
        actions=compile_actions(state.get("actions"), ctx, timeout=base["timeouts"].action_exec),
        transition=_transition(state, ctx),
    )


def compile_callback(state: dict[str, Any], ctx: CompileContext) -> ir.CallbackState:
    base = _base(state, ctx)
    return ir.CallbackState(
        **base,
        action=compile_action(state.get("action"), ctx, timeout=base["timeouts"].action_exec),
        event=_event_name(state.get("eventRef"), ctx),
        data_filter=compile_event_data_filter(state.get("eventDataFilter"), ctx),
        transition=_transition(state, ctx),
    )


COMPILERS: dict[str, Callable[[dict[str, Any], CompileContext], ir.State]] = {
    "operation": compile_operation,
    "event": compile_event,
    "switch": compile_switch,
    "sleep": compile_sleep,
    "parallel": compile_parallel,
    "inject": compile_inject,
    "foreach": compile_foreach,
    "callback": compile_callback,
}


def _base(state: dict[str, Any], ctx: CompileContext) -> dict[str, Any]:
    """The fields every state kind shares (``ir._StateBase``)."""
    data_filter = state.get("stateDataFilter") or {}
    return {
        "name": state["name"],
        "input_filter": optional_expression(data_filter.get("input"), ctx),
        "output_filter": optional_expression(data_filter.get("output"), ctx),
        "on_errors": compile_error_handlers(state.get("onErrors"), ctx),
        "timeouts": state_timeouts(state, ctx),
        "compensated_by": state.get("compensatedBy"),
        "used_for_compensation": bool(state.get("usedForCompensation", False)),
    }


def _transition(state: dict[str, Any], ctx: CompileContext) -> ir.Transition:
    return compile_transition(state, ctx, compensation=bool(state.get("usedForCompensation", False)))


def _mode(value: Any, default: str) -> Any:
    if value is None:
        return default
    if value not in ("sequential", "parallel"):
        raise compile_error(f"mode must be sequential or parallel, got {value!r}")
    return value


def _count(value: Any, field: str, state: dict[str, Any]) -> int:
    """A whole number the spec lets documents write as a number or a numeric string."""
    try:
        number = (
            float(value) if isinstance(value, int | float | str) and not isinstance(value, bool) else -1.0
        )
    except ValueError:
        number = -1.0
    if number < 0 or not number.is_integer():
        raise compile_error(f"state {state['name']!r}: {field} must be a whole number, got {value!r}")
    return int(number)


def _iteration_param(value: Any, state: dict[str, Any]) -> str:
    """A variable name; a ``${ .name }`` spelling (spec example 28) is read as ``name``."""
    if value is None:
        return ir.DEFAULT_ITERATION_PARAM
    if isinstance(value, str) and expressions.is_expression(value):
        match = _NAME.fullmatch(expressions.strip(value).strip())
        if match is None:
            raise compile_error(f"foreach {state['name']!r}: iterationParam must be a name, got {value!r}")
        return match.group(1)
    if not isinstance(value, str) or not value:
        raise compile_error(f"foreach {state['name']!r}: iterationParam must be a name, got {value!r}")
    return value


def _event_name(value: Any, ctx: CompileContext) -> str:
    if not isinstance(value, str):
        raise compile_error(f"eventRef must be an event name, got {value!r}")
    ctx.event(value)
    return value
