"""Which running instances wait for an event type: the router's correlation index over Temporal visibility.

Asking visibility once per event capped routing at about 90 events/s into one instance. The index keeps, per
event type, the running instances of this deployment that consume it, with the correlation values each has
learned (``SwCorrelation``). An event served from the index costs no query; the index asks visibility only

- when its view of the type is older than ``max_age`` (one query per type per interval, not per event),
- when the event matches nobody in it (an instance started elsewhere, or that learned its correlation since):
  then the event waits for a query begun after it arrived, so a miss is never answered from an old view.

Queries for one type are shared: every event that arrived before a query began is served by it. Instances
started through this process's ``Service`` (or by the router) are added as they start, and one found closed
when signalled is dropped. The window this leaves (another replica's new instance, within ``max_age``, for an
event that some other instance already matches) is the one visibility's own lag always left; producers that
need a delivery retry, which instances count once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from swengine.core.ir import SEARCH_EVENT_TYPES, WorkflowIR
from swengine.core.matching import CORRELATION_KEY, parse_correlation_keywords
from swengine.runtime.service import Service, definition_of

DEFAULT_MAX_AGE = 1.0
"""Seconds a view of one event type serves events before it is asked again."""
RECENT_SECONDS = 60.0
"""How long an instance started here is added to views that do not list it yet (visibility trails starts)."""


@dataclass
class Waiter:
    """A running instance as the router matches it: its definition and what correlation it has learned."""

    definition: str
    learned: dict[str, str]


Waiters = dict[str, Waiter]


@dataclass
class View:
    """One event type's waiting instances as one query saw them."""

    began: float
    waiters: Waiters = field(default_factory=dict)


def _quoted(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def consumed_types(ir: WorkflowIR) -> set[str]:
    return {definition.type for definition in ir.events if definition.kind == "consumed"}


class WaitingIndex:
    """Running instances by consumed event type. ``max_age=None`` asks visibility for every event (the
    router as it was; benchmarks compare the two)."""

    def __init__(
        self,
        service: Service,
        *,
        max_age: float | None = DEFAULT_MAX_AGE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.service = service
        self.max_age = max_age
        self.clock = clock
        self.queries = 0
        """Visibility queries made (benchmarks and tests read it)."""
        self._views: dict[str, View] = {}
        self._asking: dict[str, tuple[float, asyncio.Task[View]]] = {}
        self._recent: dict[str, dict[str, tuple[float, Waiter]]] = {}
        """Instances started here, by event type, until visibility lists them: an event sent right after a
        start finds its instance even when no view existed yet or the query ran before the start showed."""

    async def waiting(self, event_type: str, arrived: float) -> View:
        """A view of the type's waiting instances not older than ``max_age``."""
        view = self._views.get(event_type)
        if self.max_age is None or view is None or self.clock() - view.began > self.max_age:
            view = await self.fresh(event_type, arrived)
        return view

    async def fresh(self, event_type: str, arrived: float) -> View:
        """A view begun at or after ``arrived``: the one being asked if it began late enough, else a new one
        (once an older query under way has finished). The query runs as its own task, so a caller that gives
        up cancels nobody else's answer."""
        if self.max_age is None:
            return await self._ask(event_type, self.clock())
        asking = self._asking.get(event_type)
        if asking is not None and asking[0] < arrived:
            await asyncio.wait([asking[1]])
            asking = self._asking.get(event_type)
        if asking is None or asking[0] < arrived:
            began = self.clock()
            asking = (began, asyncio.create_task(self._ask(event_type, began)))
            self._asking[event_type] = asking
            asking[1].add_done_callback(lambda done: self._settled(event_type, done))
        return await asyncio.shield(asking[1])

    def _settled(self, event_type: str, done: asyncio.Task[View]) -> None:
        if self._asking.get(event_type, (0.0, None))[1] is done:
            del self._asking[event_type]
        if done.cancelled() or done.exception() is not None:
            return
        view, current = done.result(), self._views.get(event_type)
        if current is None or current.began <= view.began:
            self._views[event_type] = view

    async def _ask(self, event_type: str, began: float) -> View:
        self.queries += 1
        query = (
            f"{SEARCH_EVENT_TYPES} = {_quoted(event_type)} AND ExecutionStatus = 'Running'"
            f" AND TaskQueue = {_quoted(self.service.task_queue)}"
        )
        view = View(began)
        async for execution in self.service.client.list_workflows(query):
            view.waiters[execution.id] = Waiter(
                definition=definition_of(execution) or "",
                learned=parse_correlation_keywords(
                    execution.typed_search_attributes.get(CORRELATION_KEY) or []
                ),
            )
        self._add_recent(event_type, view)
        return view

    def _add_recent(self, event_type: str, view: View) -> None:
        recent = self._recent.get(event_type, {})
        for instance_id, (since, waiter) in list(recent.items()):
            if instance_id in view.waiters or self.clock() - since > RECENT_SECONDS:
                del recent[instance_id]
            else:
                view.waiters[instance_id] = waiter

    def remember(self, instance_id: str, ir: WorkflowIR, correlation: dict[str, str]) -> None:
        """An instance started here waits for its definition's event types from now on."""
        for event_type in consumed_types(ir):
            waiter = Waiter(ir.id, dict(correlation))
            self._recent.setdefault(event_type, {})[instance_id] = (self.clock(), waiter)
            view = self._views.get(event_type)
            if view is not None:
                view.waiters[instance_id] = waiter

    def forget(self, instance_id: str) -> None:
        """An instance found closed."""
        for view in self._views.values():
            view.waiters.pop(instance_id, None)
        for recent in self._recent.values():
            recent.pop(instance_id, None)
