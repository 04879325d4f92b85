"""Events inside an instance: waiting for consumed events and producing CloudEvents through the emit activity."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeKey, SearchAttributePair, TypedSearchAttributes

from swengine.core.durations import parse_duration
from swengine.core.ir import (
    EMIT_ACTIVITY,
    SEARCH_DEFINITION,
    SEARCH_EVENT_TYPES,
    EventDef,
    EventState,
    ProducedEvent,
    WorkflowIR,
)
from swengine.core.matching import CORRELATION_KEY, correlation_keywords, parse_correlation_keywords
from swengine.interpreter import telemetry
from swengine.interpreter.context import RunContext
from swengine.interpreter.progress import expected_event

EMIT_TIMEOUT = timedelta(seconds=30)


def search_index(
    ir: WorkflowIR,
    correlation: dict[str, str] | None = None,
    *,
    legacy: bool = False,
    replacing: bool = False,
) -> TypedSearchAttributes:
    """What the event router looks an instance up by: the event types its definition consumes and the
    correlation values it started with, and only those it has (the server pays for every attribute set, on
    every start). ``legacy``: an instance under the old single workflow type also carries its definition id,
    the only way it is listed; ``replacing``: a run continuing as another definition states its event types
    even when there are none, so the previous definition's do not carry over."""
    consumed = sorted({e.type for e in ir.events if e.kind == "consumed"})
    pairs: list[SearchAttributePair[Any]] = []
    if legacy:
        pairs.append(SearchAttributePair(SearchAttributeKey.for_keyword(SEARCH_DEFINITION), ir.id))
    if consumed or legacy or replacing:
        pairs.append(SearchAttributePair(SearchAttributeKey.for_keyword_list(SEARCH_EVENT_TYPES), consumed))
    if correlation:
        pairs.append(SearchAttributePair(CORRELATION_KEY, correlation_keywords(correlation)))
    return TypedSearchAttributes(pairs)


def indexed_correlation() -> dict[str, str]:
    """Correlation this instance indexed before a continue-as-new (search attributes carry over; the inbox does not)."""
    return parse_correlation_keywords(workflow.info().typed_search_attributes.get(CORRELATION_KEY) or [])


async def wait_for_event(
    ctx: RunContext, definitions: list[EventDef], timeout: str | timedelta | None
) -> tuple[EventDef, dict[str, Any]]:
    """Wait until a buffered event matches one of ``definitions`` (first in arrival order), then consume it.

    Raises TimeoutError when ``timeout`` passes first; nothing is consumed then.
    """

    def ready() -> bool:
        return any(ctx.inbox.find(definition) is not None for definition in definitions)

    limit = parse_duration(timeout) if isinstance(timeout, str) else timeout
    if limit is not None and limit <= timedelta(0) and not ready():
        raise TimeoutError("no time left to wait for an event")
    expected = [expected_event(definition, ctx.inbox.correlation) for definition in definitions]
    deadline = workflow.now() + limit if limit is not None else None
    waiting = ctx.progress.wait(ctx.current_state, expected, deadline)
    if ctx.current_state is not None:
        state = ctx.states[ctx.current_state]
        telemetry.show_current(ctx.ir.id, state.name, state.kind, [d.type for d in definitions])
    try:
        await workflow.wait_condition(ready, timeout=limit)
    except TimeoutError:
        ctx.progress.done_waiting(waiting, timed_out=True)
        raise
    finally:
        ctx.progress.done_waiting(waiting, timed_out=False)
    best: tuple[int, EventDef] | None = None
    for definition in definitions:
        index = ctx.inbox.find(definition)
        if index is not None and (best is None or index < best[0]):
            best = (index, definition)
    assert best is not None
    known = dict(ctx.inbox.correlation)
    event = ctx.inbox.take(best[1])
    assert event is not None
    _index_correlation(ctx, known)
    return best[1], event


def adopt_trigger_correlation(ctx: RunContext, start: EventState) -> None:
    """An instance an event created is correlated by that event (spec 0.8, Event Definition).

    The trigger is delivered with the start (signal-with-start); learning from it now, before a
    non-exclusive start state takes it, keeps events of other correlations from being consumed first.
    """
    definitions = [ctx.ir.event(ref) for on_event in start.on_events for ref in on_event.event_refs]
    for event in ctx.inbox.pending():
        definition = next((d for d in definitions if ctx.inbox.matches(event, d)), None)
        if definition is not None:
            known = dict(ctx.inbox.correlation)
            ctx.inbox.learn(event, definition)
            _index_correlation(ctx, known)
            return


def _index_correlation(ctx: RunContext, known: dict[str, Any]) -> None:
    """Publish newly learned correlation keys (``SwCorrelation``) so the router can skip other correlations."""
    if ctx.request.index_correlation and ctx.inbox.correlation != known:
        keys = correlation_keywords(ctx.inbox.correlation)
        workflow.upsert_search_attributes([CORRELATION_KEY.value_set(keys)])


def build_event(
    produced: ProducedEvent, data: Any, ctx: RunContext, extra: dict[str, Any] | None
) -> dict[str, Any]:
    """A CloudEvent (structured, as a dict) with a deterministic id, so replays produce the same event."""
    info = workflow.info()
    payload = produced.data if produced.data_expr is None else ctx.evaluate(produced.data_expr, data, extra)
    event: dict[str, Any] = {
        "specversion": "1.0",
        "id": str(workflow.uuid4()),
        "source": produced.source or f"/swengine/{ctx.ir.id}",
        "type": produced.type,
        "time": workflow.now().isoformat(),
        "datacontenttype": "application/json",
        "data": payload,
        "swengineinstance": info.workflow_id,
    }
    for name, program in produced.context_attributes.items():
        event[name] = ctx.evaluate(program, data, extra)
    return event


async def produce_events(
    produced: list[ProducedEvent], data: Any, ctx: RunContext, extra: dict[str, Any] | None = None
) -> None:
    """Record and emit events; one activity call carries them all to the sink and the router."""
    if not produced:
        return
    events = [build_event(item, data, ctx, extra) for item in produced]
    ctx.produced_events.extend(events)
    await workflow.execute_activity(EMIT_ACTIVITY, events, start_to_close_timeout=EMIT_TIMEOUT)
