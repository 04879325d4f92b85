"""Event state: wait for one (exclusive) or all (non-exclusive) referenced events, then run their actions."""

from __future__ import annotations

from typing import Any

from swengine.interpreter.actions import run_actions
from swengine.interpreter.context import RunContext
from swengine.interpreter.events import wait_for_event
from swengine.interpreter.inbox import event_payload
from swengine.interpreter.merging import merge_event
from swengine.ir import EventDef, EventState, OnEvent, Transition


async def execute_event(state: EventState, data: Any, ctx: RunContext) -> tuple[Any, Transition]:
    if state.exclusive:
        return await _first_event(state, data, ctx), state.transition
    return await _all_events(state, data, ctx), state.transition


def _refs(ctx: RunContext, on_event: OnEvent) -> list[EventDef]:
    return [ctx.ir.event(ref) for ref in on_event.event_refs]


async def _handle(on_event: OnEvent, definition: EventDef, event: dict[str, Any], data: Any, ctx: RunContext) -> Any:
    data = merge_event(on_event.data_filter, event_payload(event, definition), data, ctx)
    return await run_actions(on_event.actions, on_event.action_mode, data, ctx)


async def _first_event(state: EventState, data: Any, ctx: RunContext) -> Any:
    """Exclusive: the first event to arrive among all ``onEvents`` wins; only its actions run."""
    owners: list[tuple[OnEvent, EventDef]] = [(oe, d) for oe in state.on_events for d in _refs(ctx, oe)]
    definition, event = await wait_for_event(ctx, [d for _, d in owners], state.timeouts.event_timeout)
    on_event = next(oe for oe, d in owners if d is definition)
    return await _handle(on_event, definition, event, data, ctx)


async def _all_events(state: EventState, data: Any, ctx: RunContext) -> Any:
    """Non-exclusive: every referenced event must arrive (in any order); then each ``onEvents`` runs in order."""
    received: list[tuple[OnEvent, EventDef, dict[str, Any]]] = []
    for on_event in state.on_events:
        for definition in _refs(ctx, on_event):
            _, event = await wait_for_event(ctx, [definition], state.timeouts.event_timeout)
            received.append((on_event, definition, event))
    for on_event, definition, event in received:
        data = merge_event(on_event.data_filter, event_payload(event, definition), data, ctx)
    for on_event in state.on_events:
        data = await run_actions(on_event.actions, on_event.action_mode, data, ctx)
    return data
