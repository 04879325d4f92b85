"""Lifecycle CloudEvents (dsl.md, "Lifecycle Events", 1.0.3) for both DSLs: built here with replay-safe ids and
times, sent by a local activity to the operator's sink.

Only instances started with ``lifecycle_events`` publish (the flag travels in the start request, so a replay
always decides as the first run did, and instances started before it existed never call anything new). An
event's id is the instance id, its run and a counter: a worker that dies after sending and before Temporal
recorded it sends the same ids again, so a consumer that dedupes by id sees each event once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from temporalio import workflow

from swengine.core.ir import LIFECYCLE_ACTIVITY, WorkflowIR
from swengine.core.task_errors import is_task_error
from swengine.interpreter.failures import StateFailure

LIFECYCLE_PATCH = "lifecycle-events"
SEND_TIMEOUT = timedelta(seconds=30)
"""Each attempt's bound; attempts go on until the sink takes the events (none is ever dropped)."""
FINAL_PHASES = frozenset({"completed", "faulted", "cancelled"})
"""Workflow phases after which the run ends: they wait until everything queued has been sent."""
WORKFLOW_EVENT = "io.serverlessworkflow.workflow.{}.v1"
TASK_EVENT = "io.serverlessworkflow.task.{}.v1"
AT = {
    "created": "createdAt",
    "started": "startedAt",
    "completed": "completedAt",
    "faulted": "faultedAt",
    "cancelled": "cancelledAt",
    "suspended": "suspendedAt",
    "resumed": "resumedAt",
    "retried": "retriedAt",
    "correlation-started": "startedAt",
    "correlation-completed": "completedAt",
}
"""The field of each phase's event data that says when it happened."""


def definition_reference(ir: WorkflowIR) -> dict[str, Any]:
    """``workflowDefinitionReference``: 1.0 ids are ``namespace/name``; a 0.8 id has no namespace."""
    namespace, _, name = ir.id.rpartition("/")
    reference: dict[str, Any] = {"name": name, "namespace": namespace or "default"}
    if ir.version is not None:
        reference["version"] = ir.version
    return reference


def error_of(failure: StateFailure) -> dict[str, Any]:
    """The error a faulted event carries: a 1.0 fault's own object, else the 0.8 code as its type."""
    details: Any = failure.details
    if is_task_error(details):
        return dict(details)
    return {"type": failure.code, "status": 500, "title": failure.message}


def state_pointer(positions: Mapping[str, int], state: str) -> str:
    """A 0.8 state as the task a lifecycle event names: its JSON pointer in the document (``positions``: each
    state's index, looked up rather than searched for, since a definition may have thousands of states)."""
    index = positions.get(state)
    return f"/states/{index}" if index is not None else f"/states/{state}"


class Lifecycle:
    """The publisher of one run of an instance (disabled: every method returns at once).

    Events are queued as they happen and sent in batches by one sender task: the run goes on while a batch is
    out, and the events of tasks that never wait (``set``, ``switch`` ...) leave together in one local
    activity when the run next waits. The run's last events (completed, faulted, cancelled) and a
    continue-as-new wait until everything queued has been sent.
    """

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.sent = 0
        self.queued: list[dict[str, Any]] = []
        self.sender: asyncio.Task[None] | None = None

    @classmethod
    def of(cls, enabled: bool) -> Lifecycle:
        return cls(enabled and workflow.patched(LIFECYCLE_PATCH))

    async def workflow(self, phase: str, **data: Any) -> None:
        if self.enabled:
            self._queue([(WORKFLOW_EVENT.format(phase), {"name": _instance(), **_at(phase), **data})])
            if phase in FINAL_PHASES:
                await self.drain()

    async def task(self, phases: tuple[str, ...], task: str, **data: Any) -> None:
        """One event per phase (``created`` and ``started`` go together)."""
        if self.enabled:
            base = {"workflow": _instance(), "task": task}
            self._queue([(TASK_EVENT.format(p), {**base, **_at(p), **data}) for p in phases])

    async def drain(self) -> None:
        """Until every queued event has been sent."""
        while self.sender is not None and not self.sender.done():
            await self.sender

    def _queue(self, events: list[tuple[str, dict[str, Any]]]) -> None:
        info = workflow.info()
        for event_type, data in events:
            self.sent += 1
            self.queued.append(
                {
                    "specversion": "1.0",
                    "id": f"{info.workflow_id}/{info.run_id}/{self.sent}",
                    "source": f"/swengine/instances/{info.workflow_id}",
                    "type": event_type,
                    "time": workflow.now().isoformat(),
                    "datacontenttype": "application/json",
                    "data": {key: value for key, value in data.items() if value is not None},
                }
            )
        if self.sender is None or self.sender.done():
            self.sender = asyncio.create_task(self._send_queued())

    async def _send_queued(self) -> None:
        """One batch at a time, in order, until the queue is empty."""
        while self.queued:
            batch, self.queued = self.queued, []
            await workflow.execute_local_activity(
                LIFECYCLE_ACTIVITY, batch, start_to_close_timeout=SEND_TIMEOUT
            )


def _instance() -> str:
    """The qualified name of the workflow instance: its id."""
    return workflow.info().workflow_id


def _at(phase: str) -> dict[str, str]:
    return {AT[phase]: workflow.now().isoformat()}
