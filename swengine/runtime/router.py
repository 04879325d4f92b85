"""Routing one CloudEvent: start the definitions whose start state consumes it, signal the instances waiting for it.

Starts go by deterministic id (from the event's correlation values, or its source + id) with signal-with-start,
so Temporal's workflow-id uniqueness, not a lock of ours, keeps replicas from starting a session twice.
Running instances are found in the router's ``WaitingIndex`` (``waiting.py``), which asks Temporal visibility
once per event type and interval, and again when an event matches nobody. Visibility trails a start or a
search-attribute upsert by a moment: milliseconds on the embedded dev server, up to about a second on an
Elasticsearch-backed cluster. An instance started a moment before an event may therefore miss it; producers
that need the event to reach it should retry, which is safe because instances count a delivery once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from temporalio.client import WorkflowExecutionStatus
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from swengine.activities.emit import Sink
from swengine.core.errors import NotFound, SwengineError
from swengine.core.ir import (
    EVENT_SIGNAL,
    EventDef,
    EventState,
    WorkflowIR,
)
from swengine.core.matching import (
    correlation_values,
    dedupe_key,
    event_attribute,
    matches,
)
from swengine.runtime.cloudevents import is_correlated_start_id, start_instance_id
from swengine.runtime.service import Service
from swengine.runtime.waiting import DEFAULT_MAX_AGE, Waiters, WaitingIndex

logger = logging.getLogger(__name__)


@dataclass
class RouteResult:
    """Which instances one event reached."""

    delivered: list[str] = field(default_factory=list)
    """Running instances signalled (including one a start found already running)."""
    started: list[str] = field(default_factory=list)
    """Instances this event started (signal-with-start)."""


def starting_event(ir: WorkflowIR, event: dict[str, Any]) -> EventDef | None:
    """The event definition through which ``event`` starts ``ir``: its start state is an event state consuming
    it, or (1.0) its ``schedule.on`` names it."""
    for definition in ir.schedule.on if ir.schedule is not None else []:
        if matches(event, definition):
            return definition
    state = next((s for s in ir.states if s.name == ir.start), None)
    if not isinstance(state, EventState):
        return None
    for on_event in state.on_events:
        for ref in on_event.event_refs:
            definition = ir.event(ref)
            if matches(event, definition):
                return definition
    return None


def required_correlation(ir: WorkflowIR | None, event: dict[str, Any]) -> list[str]:
    """Correlation attributes an instance of ``ir`` must have learned (or been started with) to get ``event``:
    those its matching event definitions correlate on without a fixed value."""
    if ir is None:
        return []
    names: list[str] = []
    for definition in ir.events:
        if definition.kind == "consumed" and matches(event, definition):
            names += [
                c.context_attribute_name for c in definition.correlation if c.context_attribute_value is None
            ]
    return names


def deliverable(ir: WorkflowIR | None, learned: dict[str, str], event: dict[str, Any]) -> bool:
    """Whether some event the definition consumes could take ``event``: same type, and every correlation
    attribute it names carried (with the instance's learned value). An event that none could take would only
    sit in the instance's buffer, pushing out ones that may match (a flood of uncorrelated events did). The
    source is the instance's to judge: 1.0 filters may give it as a pattern. ``ir`` is the latest version: when
    it consumes no event of the type, the instance (found by the types its own version consumes) runs an older
    version this one cannot judge, and gets the event."""
    consuming = [d for d in (ir.events if ir else []) if d.kind == "consumed" and d.type == event.get("type")]
    return not consuming or any(correlation_values(event, d, learned) is not None for d in consuming)


def accepts(required: list[str], learned: dict[str, str], event: dict[str, Any]) -> bool:
    """A correlated event reaches only instances that know, and share, its correlation values: an instance
    that has not learned them yet is not guessed at (start it with ``correlation`` to receive such events)."""
    for name in required:
        carried = event_attribute(event, name)
        if name not in learned or carried is None or str(carried) != learned[name]:
            return False
    return not conflicts(learned, event)


def conflicts(learned: dict[str, str], event: dict[str, Any]) -> bool:
    """An event carrying a correlation attribute with another value than the instance learned is not for it."""
    for name, value in learned.items():
        carried = event_attribute(event, name)
        if carried is not None and str(carried) != value:
            return True
    return False


def _started_by_another_correlation(
    instance_id: str, event: dict[str, Any], starters: list[tuple[WorkflowIR, EventDef]]
) -> bool:
    """An instance a correlated start created carries its correlation in its id: an event of another
    correlation is not for it, even before visibility shows what the instance learned."""
    return any(
        correlation_values(event, definition) and is_correlated_start_id(ir.id, instance_id)
        for ir, definition in starters
    )


class EventRouter:
    """Routes events for one deployment (one Service: its Temporal namespace and task queue)."""

    def __init__(
        self,
        service: Service,
        definitions: Callable[[], Iterable[WorkflowIR]],
        *,
        concurrency: int = 32,
        index_age: float | None = DEFAULT_MAX_AGE,
    ) -> None:
        self.service = service
        self.definitions = definitions
        """The latest deployed definitions, asked again for every event."""
        self.index = WaitingIndex(service, max_age=index_age)
        service.started.append(self.index.remember)
        self._signals = asyncio.Semaphore(concurrency)
        self._starting: dict[str, tuple[asyncio.Lock, list[int]]] = {}
        """Instance ids an event is being started or delivered to, with how many deliveries wait."""

    async def route(self, event: dict[str, Any]) -> RouteResult:
        """Start and signal, reaching each instance at most once; an instance started here is not signalled too."""
        result = RouteResult()
        arrived = self.index.clock()
        latest = list(self.definitions())
        starters = list(self._starters(latest, event))
        reached: set[str] = set()
        for ir, definition in starters:
            instance_id = start_instance_id(ir.id, event, definition)
            if instance_id in reached:
                continue
            reached.add(instance_id)
            try:
                outcome = await self._start(
                    ir, instance_id, event, bool(correlation_values(event, definition))
                )
            except SwengineError as err:  # e.g. a dataInputSchema refusing the empty input of an event start
                logger.warning(
                    "event %s from %s cannot start '%s': %s", event["id"], event["source"], ir.id, err
                )
                continue
            if outcome is not None:
                getattr(result, outcome).append(instance_id)
        # Twice at most: when every instance the index named had closed (now dropped from it), ask again.
        for _ in range(2):
            waiting = [
                instance_id
                for instance_id in await self._waiting(latest, event, arrived)
                if instance_id not in reached
                and not _started_by_another_correlation(instance_id, event, starters)
            ]
            signalled = await asyncio.gather(*(self._signal(instance_id, event) for instance_id in waiting))
            result.delivered.extend(i for i, ok in zip(waiting, signalled, strict=True) if ok)
            if not waiting or any(signalled):
                break
        return result

    def _starters(
        self, latest: list[WorkflowIR], event: dict[str, Any]
    ) -> Iterator[tuple[WorkflowIR, EventDef]]:
        for ir in latest:
            definition = starting_event(ir, event)
            if definition is not None:
                yield ir, definition

    async def _start(
        self, ir: WorkflowIR, instance_id: str, event: dict[str, Any], correlated: bool
    ) -> str | None:
        """Signal-with-start; "started" or "delivered", or None when a closed instance already took this event.

        A running instance is signalled, never signal-with-started: if it closes in between, a start would
        begin a second run that consumes the same event again. Within this router one delivery per id runs at
        a time, so a duplicate sees what the first one did; an id made from the event's source + id is never
        reused, so a duplicate routed elsewhere cannot start a second run either.
        """
        async with self._one_at_a_time(instance_id):
            for _ in range(2):
                outcome = await self._deliver_or_start(ir, instance_id, event, correlated)
                if outcome != "retry":
                    return outcome
            return None

    async def _deliver_or_start(
        self, ir: WorkflowIR, instance_id: str, event: dict[str, Any], correlated: bool
    ) -> str | None:
        """One decision; "retry" when another replica's run of the id closed between our look and our start.

        An id never used is started with id reuse refused: if another replica started and closed a run
        meanwhile (with this very event, say), Temporal refuses ours and we look again, instead of a second
        run consuming the event twice. Only an id whose closed run we have seen, and found without this
        event, may be started again (a new correlated session).
        """
        status = await self._status(instance_id)
        if status == WorkflowExecutionStatus.RUNNING:
            if await self._signal(instance_id, event):
                return "delivered"
            status = await self._status(instance_id)  # it closed since it was described
        if status is not None:
            # An id made from source + id belongs to this very event; a correlated id may start a new
            # session, unless the closed one is where this event already went.
            if not correlated or await self._received(instance_id, dedupe_key(event)):
                return None
        # 1.0 schedule.on: the instance's input is the array of the events that started it
        data, first = ([event], None) if ir.schedule is not None and ir.schedule.on else ({}, event)
        try:
            await self.service.start(ir, data, instance_id=instance_id, reuse_existing=True, first_event=first,
                                     reuse_closed_id=correlated and status is not None)  # fmt: skip
        except WorkflowAlreadyStartedError:  # closed meanwhile: by this very event, or by another session
            return "retry" if correlated and status is None else None
        return "started"

    @asynccontextmanager
    async def _one_at_a_time(self, instance_id: str) -> AsyncIterator[None]:
        entry = self._starting.setdefault(instance_id, (asyncio.Lock(), [0]))
        lock, users = entry
        users[0] += 1
        try:
            async with lock:
                yield
        finally:
            users[0] -= 1
            if not users[0]:
                del self._starting[instance_id]

    async def _status(self, instance_id: str) -> WorkflowExecutionStatus | None:
        try:
            description = await self.service.handle(instance_id).describe()
        except RPCError as err:
            if err.status == RPCStatusCode.NOT_FOUND:
                return None
            raise
        return description.status

    async def _received(self, instance_id: str, key: str) -> bool:
        """Whether the instance's latest run was sent (or carried over) an event with this dedupe key."""
        converter = self.service.client.data_converter
        async for history_event in self.service.handle(instance_id).fetch_history_events():
            if history_event.HasField("workflow_execution_started_event_attributes"):
                started = history_event.workflow_execution_started_event_attributes
                values = await converter.decode(started.input.payloads)
                request = values[0] if values and isinstance(values[0], dict) else {}
                carried = [dedupe_key(e) for e in request.get("events", [])] + request.get(
                    "seen_event_keys", []
                )
                if key in carried:
                    return True
            elif history_event.HasField("workflow_execution_signaled_event_attributes"):
                signal = history_event.workflow_execution_signaled_event_attributes
                if signal.signal_name != EVENT_SIGNAL:
                    continue
                values = await converter.decode(signal.input.payloads)
                if values and isinstance(values[0], dict) and dedupe_key(values[0]) == key:
                    return True
        return False

    async def _waiting(self, latest: list[WorkflowIR], event: dict[str, Any], arrived: float) -> list[str]:
        """Running instances of this deployment whose definition consumes the event's type, minus conflicts:
        from the index, or from a view begun after the event arrived when the index knows nobody for it."""
        if not self.service.search_attributes:
            return []
        by_id = {ir.id: ir for ir in latest}
        event_type = str(event["type"])
        view = await self.index.waiting(event_type, arrived)
        found = _accepting(view.waiters, by_id, event)
        if not found and view.began < arrived:
            found = _accepting((await self.index.fresh(event_type, arrived)).waiters, by_id, event)
        return found

    async def _signal(self, instance_id: str, event: dict[str, Any]) -> bool:
        """False when the instance closed since it was listed."""
        async with self._signals:
            try:
                await self.service.send_event(instance_id, event)
            except NotFound:
                self.index.forget(instance_id)
                return False
        return True


def _accepting(waiters: Waiters, by_id: dict[str, WorkflowIR], event: dict[str, Any]) -> list[str]:
    return [
        instance_id
        for instance_id, waiter in waiters.items()
        if accepts(required_correlation(by_id.get(waiter.definition), event), waiter.learned, event)
        and deliverable(by_id.get(waiter.definition), waiter.learned, event)
    ]


def router_sink(router: EventRouter) -> Sink:
    """A sink for the emit activity: events one instance produces start or wake others."""

    async def route_all(events: list[dict[str, Any]]) -> None:
        for event in events:
            await router.route(event)

    return route_all
