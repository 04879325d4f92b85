"""Callback state: run the action, then wait for the callback event and merge it."""

from __future__ import annotations

from typing import Any

from swengine.interpreter.actions import run_actions
from swengine.interpreter.context import RunContext
from swengine.interpreter.events import wait_for_event
from swengine.interpreter.inbox import event_payload
from swengine.interpreter.merging import merge_event
from swengine.ir import CallbackState, Transition


async def execute_callback(state: CallbackState, data: Any, ctx: RunContext) -> tuple[Any, Transition]:
    data = await run_actions([state.action], "sequential", data, ctx)
    definition, event = await wait_for_event(ctx, [ctx.ir.event(state.event)], state.timeouts.event_timeout)
    return merge_event(state.data_filter, event_payload(event, definition), data, ctx), state.transition
