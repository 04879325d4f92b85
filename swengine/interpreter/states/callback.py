"""Callback state: run the action, then wait for the callback event and merge it.

When ``eventTimeout`` passes first the state moves on with the action's results (spec 0.8, Callback State).
"""

from __future__ import annotations

from typing import Any

from temporalio import workflow

from swengine.core.ir import CallbackState, Transition
from swengine.interpreter.actions import run_actions
from swengine.interpreter.context import RunContext
from swengine.interpreter.events import wait_for_event
from swengine.interpreter.inbox import event_payload
from swengine.interpreter.merging import merge_event


async def execute_callback(state: CallbackState, data: Any, ctx: RunContext) -> tuple[Any, Transition]:
    data = await run_actions([state.action], "sequential", data, ctx)
    try:
        definition, event = await wait_for_event(
            ctx, [ctx.ir.event(state.event)], state.timeouts.event_timeout
        )
    except TimeoutError:
        workflow.logger.info("state %s: no callback event within eventTimeout, moving on", state.name)
        return data, state.transition
    return merge_event(state.data_filter, event_payload(event, definition), data, ctx), state.transition
