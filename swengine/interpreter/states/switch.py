"""Switch state: the first matching data condition wins; event conditions take the first event to arrive."""

from __future__ import annotations

from typing import Any

from swengine.core.ir import SwitchState, Transition
from swengine.interpreter.context import RunContext
from swengine.interpreter.events import wait_for_event
from swengine.interpreter.inbox import event_payload
from swengine.interpreter.merging import merge_event


async def execute_switch(state: SwitchState, data: Any, ctx: RunContext) -> tuple[Any, Transition]:
    if state.event_conditions:
        return await _switch_on_events(state, data, ctx)
    for condition in state.data_conditions:
        if ctx.evaluate_bool(condition.condition, data):
            return data, condition.transition
    return data, state.default


async def _switch_on_events(state: SwitchState, data: Any, ctx: RunContext) -> tuple[Any, Transition]:
    definitions = [ctx.ir.event(condition.event) for condition in state.event_conditions]
    try:
        definition, event = await wait_for_event(ctx, definitions, state.timeouts.event_timeout)
    except TimeoutError:
        return data, state.default
    condition = state.event_conditions[definitions.index(definition)]
    return merge_event(
        condition.data_filter, event_payload(event, definition), data, ctx
    ), condition.transition
