"""The one facade over the Temporal client: start, signal, query, cancel, terminate, result.

REST and CLI are thin adapters over this; nothing else turns a definition into a running instance.
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from temporalio.client import Client, WorkflowExecutionStatus, WorkflowFailureError, WorkflowHandle
from temporalio.common import (
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import ApplicationError, CancelledError, TerminatedError, TimeoutError
from temporalio.service import RPCError, RPCStatusCode

from swengine.compiler.pipeline import Lookup, bundle_subflows
from swengine.core.errors import InputError, NotFound, SwengineError, Unavailable
from swengine.core.ir import (
    DEFAULT_TASK_QUEUE,
    EVENT_SIGNAL,
    STATUS_QUERY,
    WORKFLOW_NAME,
    RunRequest,
    WorkflowIR,
)
from swengine.core.ir_codec import encode
from swengine.core.limits import check_incoming
from swengine.interpreter.events import search_index
from swengine.interpreter.input import input_problems

STATUS_NAMES = {
    WorkflowExecutionStatus.RUNNING: "running",
    WorkflowExecutionStatus.COMPLETED: "completed",
    WorkflowExecutionStatus.FAILED: "failed",
    WorkflowExecutionStatus.CANCELED: "cancelled",
    WorkflowExecutionStatus.TERMINATED: "terminated",
    WorkflowExecutionStatus.CONTINUED_AS_NEW: "running",
    WorkflowExecutionStatus.TIMED_OUT: "timed_out",
}


ENDINGS: dict[type, str] = {
    CancelledError: "cancelled",
    TerminatedError: "terminated",
    TimeoutError: "timed_out",
}


def failure_of(err: WorkflowFailureError) -> tuple[str, str]:
    """(error code, message) of a failed instance: the interpreter's ApplicationError type, or how it ended."""
    cause: Any = err.cause
    while cause is not None:
        if isinstance(cause, ApplicationError) and cause.type:
            return cause.type, cause.message
        for kind, code in ENDINGS.items():
            if isinstance(cause, kind):
                return code, str(cause) or code
        if getattr(cause, "cause", None) is None:
            break
        cause = cause.cause
    return "instance_failed", str(cause or err)


CLOSED_WITHOUT_RESULT = frozenset({"failed", "cancelled", "terminated", "timed_out"})

QUERY_TIMEOUT = timedelta(seconds=2)
"""A status query needs a live worker; without one, answer from Temporal's own view instead of hanging."""


class InstanceFailed(SwengineError):
    """The instance ended in failure; ``code`` is the error type the interpreter reported."""

    code = "instance_failed"
    http_status = 409


@dataclass(frozen=True)
class Started:
    instance_id: str
    run_id: str | None


class Service:
    """Start and steer instances of compiled definitions on one Temporal namespace and task queue."""

    def __init__(
        self,
        client: Client,
        *,
        task_queue: str = DEFAULT_TASK_QUEUE,
        lookup: Lookup | None = None,
        search_attributes: bool = True,
    ):
        self.client = client
        self.task_queue = task_queue
        self.lookup: Lookup = lookup or (lambda _id, _version: None)
        self.search_attributes = search_attributes
        """Index instances by definition and consumed event types (needs our search attributes registered)."""

    def request_for(self, ir: WorkflowIR, data: Any) -> RunRequest:
        """Check the input against ``dataInputSchema`` now (a clear 4xx) and bundle the subflows."""
        data = {} if data is None else data
        check_incoming(data, "the workflow input")
        problems = input_problems(ir, data) if ir.fail_on_invalid_input else []
        if problems:
            raise InputError(
                "workflow input does not match dataInputSchema: " + "; ".join(problems), detail=problems
            )
        return RunRequest(
            ir=ir,
            input=data,
            subflows=bundle_subflows(ir, self.lookup),
            index_correlation=self.search_attributes,
        )

    async def start(
        self,
        ir: WorkflowIR,
        data: Any = None,
        *,
        instance_id: str | None = None,
        reuse_existing: bool = False,
        first_event: dict[str, Any] | None = None,
        reuse_closed_id: bool = True,
        correlation: dict[str, str] | None = None,
    ) -> Started:
        """Start an instance; with ``reuse_existing`` a running instance of that id is returned, not duplicated.

        ``first_event`` starts it with a CloudEvent already delivered (signal-with-start). Without
        ``reuse_closed_id`` an id whose instance has closed is refused (``WorkflowAlreadyStartedError``).
        """
        request = self.request_for(ir, data)
        if correlation:
            request = dataclasses.replace(request, correlation={k: str(v) for k, v in correlation.items()})
        options: dict[str, Any] = {
            "id": instance_id or f"{ir.id}-{uuid.uuid4()}",
            "task_queue": self.task_queue,
            "id_reuse_policy": WorkflowIDReusePolicy.ALLOW_DUPLICATE
            if reuse_closed_id
            else WorkflowIDReusePolicy.REJECT_DUPLICATE,
        }
        if reuse_existing:
            options["id_conflict_policy"] = WorkflowIDConflictPolicy.USE_EXISTING
        if self.search_attributes:
            options["search_attributes"] = search_index(ir, request.correlation)
        # what Temporal's Web UI lists the instance as, instead of only swengine.Interpreter
        options["static_summary"] = f"{ir.name or ir.id} ({ir.id} {ir.version or ''})".replace(" )", ")")
        if first_event is not None:
            options["start_signal"] = EVENT_SIGNAL
            options["start_signal_args"] = [first_event]
        handle = await self.client.start_workflow(WORKFLOW_NAME, encode(request), **options)
        return Started(instance_id=handle.id, run_id=handle.result_run_id)

    async def run(self, ir: WorkflowIR, data: Any = None, *, instance_id: str | None = None) -> Any:
        started = await self.start(ir, data, instance_id=instance_id)
        return await self.result(started.instance_id)

    def handle(self, instance_id: str) -> WorkflowHandle[Any, Any]:
        return self.client.get_workflow_handle(instance_id)

    async def describe(self, instance_id: str) -> dict[str, Any]:
        """Temporal's view (status, times) plus the interpreter's (state, data, visited, produced events)."""
        handle = self.handle(instance_id)
        try:
            description = await handle.describe()
        except RPCError as err:
            raise self._translate(err, instance_id) from err
        status = STATUS_NAMES.get(description.status, "unknown") if description.status else "unknown"
        view: dict[str, Any] = {}
        try:
            view = await handle.query(STATUS_QUERY, rpc_timeout=QUERY_TIMEOUT)
        except Exception:  # noqa: BLE001 - a closed instance whose worker is gone can still be described
            view = {}
        view.update(
            instance_id=instance_id,
            status=status,
            started_at=description.start_time.isoformat() if description.start_time else None,
            closed_at=description.close_time.isoformat() if description.close_time else None,
        )
        if status in CLOSED_WITHOUT_RESULT:
            view["error"] = await self._error(handle)
        return view

    @staticmethod
    async def _error(handle: WorkflowHandle[Any, Any]) -> dict[str, str] | None:
        """How a closed instance ended without a result: its error code and message (as ``/result`` says)."""
        try:
            await handle.result(follow_runs=False)
        except WorkflowFailureError as err:
            code, message = failure_of(err)
            return {"code": code, "message": message}
        except Exception:  # noqa: BLE001 - the status is known; the error is a courtesy
            return None
        return None

    async def result(self, instance_id: str, *, timeout: float | None = None) -> Any:
        """Wait for the instance's output; a failed instance raises ``InstanceFailed`` with its error code."""
        handle = self.handle(instance_id)
        try:
            if timeout is None:
                return await handle.result()
            return await asyncio.wait_for(handle.result(), timeout)
        except WorkflowFailureError as err:
            code, message = failure_of(err)
            raise InstanceFailed(message, code=code) from err
        except RPCError as err:
            raise self._translate(err, instance_id) from err

    async def send_event(self, instance_id: str, event: dict[str, Any]) -> None:
        try:
            await self.handle(instance_id).signal(EVENT_SIGNAL, event)
        except RPCError as err:
            raise self._translate(err, instance_id) from err

    async def cancel(self, instance_id: str) -> None:
        try:
            await self.handle(instance_id).cancel()
        except RPCError as err:
            raise self._translate(err, instance_id) from err

    async def terminate(self, instance_id: str, reason: str = "terminated by user") -> None:
        try:
            await self.handle(instance_id).terminate(reason=reason)
        except RPCError as err:
            raise self._translate(err, instance_id) from err

    @staticmethod
    def _translate(err: RPCError, instance_id: str) -> SwengineError:
        if err.status == RPCStatusCode.NOT_FOUND:
            return NotFound(f"instance '{instance_id}' not found", code="instance_not_found")
        if err.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED):
            return Unavailable(f"Temporal is not reachable: {err.message}", code="temporal_unavailable")
        return SwengineError(f"temporal: {err.message}", code="temporal_error")
