"""Event state: wait for one (exclusive) or all (non-exclusive) referenced events, then run their actions.

When ``eventTimeout`` passes first the state moves on to its transition without running any action (spec
0.8, Event Timeout Definition); for a non-exclusive state the timeout bounds the wait for all the events.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow

from swengine.core.durations import parse_duration
from swengine.core.ir import EventDef, EventState, OnEvent, Transition
from swengine.interpreter.actions import run_actions
from swengine.interpreter.context import RunContext
from swengine.interpreter.events import wait_for_event
from swengine.interpreter.inbox import event_payload
from swengine.interpreter.merging import merge_event

Received = list[tuple[OnEvent, EventDef, dict[str, Any]]]


async def execute_event(state: EventState, data: Any, ctx: RunContext) -> tuple[Any, Transition]:
    try:
        received = await (_first_event if state.exclusive else _all_events)(state, ctx)
    except TimeoutError:
        workflow.logger.info("state %s: eventTimeout passed, moving on without running actions", state.name)
        return data, state.transition
    for on_event, definition, event in received:
        data = merge_event(on_event.data_filter, event_payload(event, definition), data, ctx)
    handlers = [received[0][0]] if state.exclusive else state.on_events
    for on_event in handlers:
        data = await run_actions(on_event.actions, on_event.action_mode, data, ctx)
    return data, state.transition


def _refs(ctx: RunContext, on_event: OnEvent) -> list[EventDef]:
    return [ctx.ir.event(ref) for ref in on_event.event_refs]


async def _first_event(state: EventState, ctx: RunContext) -> Received:
    """Exclusive: the first event to arrive among all ``onEvents`` wins; only its actions run."""
    owners: list[tuple[OnEvent, EventDef]] = [(oe, d) for oe in state.on_events for d in _refs(ctx, oe)]
    definition, event = await wait_for_event(ctx, [d for _, d in owners], state.timeouts.event_timeout)
    on_event = next(oe for oe, d in owners if d is definition)
    return [(on_event, definition, event)]


async def _all_events(state: EventState, ctx: RunContext) -> Received:
    """Non-exclusive: every referenced event must arrive (in any order, buffered until taken) before the deadline."""
    timeout = state.timeouts.event_timeout
    deadline = workflow.now() + parse_duration(timeout) if timeout else None
    received: Received = []
    for on_event in state.on_events:
        for definition in _refs(ctx, on_event):
            left = None if deadline is None else max(deadline - workflow.now(), timedelta(0))
            _, event = await wait_for_event(ctx, [definition], left)
            received.append((on_event, definition, event))
    return received
