"""The one facade over the Temporal client: start, signal, query, cancel, terminate, result.

REST and CLI are thin adapters over this; nothing else turns a definition into a running instance.
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from temporalio.client import (
    Client,
    WorkflowExecution,
    WorkflowExecutionStatus,
    WorkflowFailureError,
    WorkflowHandle,
)
from temporalio.common import (
    SearchAttributeKey,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import (
    ApplicationError,
    CancelledError,
    TerminatedError,
    TimeoutError,
    WorkflowAlreadyStartedError,
)
from temporalio.service import RPCError, RPCStatusCode

from swengine.compiler.pipeline import Lookup, bundle_subflows, node_count, referenced_workflows
from swengine.core.errors import Conflict, InputError, NotFound, SwengineError, Unavailable
from swengine.core.ir import (
    DEFAULT_TASK_QUEUE,
    EVENT_SIGNAL,
    RESUME_SIGNAL,
    SEARCH_DEFINITION,
    STATUS_QUERY,
    SUSPEND_SIGNAL,
    RunRequest,
    WorkflowIR,
    definition_of_type,
    workflow_type,
)
from swengine.core.ir_codec import encode
from swengine.core.json_size import at_most
from swengine.core.limits import START_REQUEST_LIMIT, check_incoming, check_payload
from swengine.core.matching import MAX_CORRELATION_BYTES, MAX_CORRELATIONS, correlation_value_fits
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
DEFINITION_KEY = SearchAttributeKey.for_keyword(SEARCH_DEFINITION)


def definition_of(execution: WorkflowExecution) -> str | None:
    """The definition a listed execution runs: its workflow type names it, or, for one started under the old
    single type, its ``SwDefinition`` attribute."""
    return definition_of_type(execution.workflow_type or "") or execution.typed_search_attributes.get(
        DEFINITION_KEY
    )


ENDINGS: dict[type, str] = {
    CancelledError: "cancelled",
    TerminatedError: "terminated",
    TimeoutError: "timed_out",
}


def failure_of(err: WorkflowFailureError) -> tuple[str, str, Any]:
    """(error code, message, details) of a failed instance: the interpreter's ApplicationError (its type and
    first detail, which for a 1.0 instance is the RFC 7807 error object), or how it ended."""
    cause: Any = err.cause
    while cause is not None:
        if isinstance(cause, ApplicationError) and cause.type:
            return cause.type, cause.message, cause.details[0] if cause.details else None
        for kind, code in ENDINGS.items():
            if isinstance(cause, kind):
                return code, str(cause) or code, None
        if getattr(cause, "cause", None) is None:
            break
        cause = cause.cause
    return "instance_failed", str(cause or err), None


def checked_correlation(values: dict[str, Any]) -> dict[str, str]:
    """Correlation values given at start, within the limits of the search attribute that indexes them."""
    if len(values) > MAX_CORRELATIONS:
        raise InputError(f"at most {MAX_CORRELATIONS} correlation values", code="correlation_too_long")
    checked = {name: str(value) for name, value in values.items()}
    for name, value in checked.items():
        if not correlation_value_fits(f"{name}={value}"):
            message = f"correlation value '{name}' is over {MAX_CORRELATION_BYTES} bytes"
            raise InputError(message, code="correlation_too_long")
    return checked


CLOSED_WITHOUT_RESULT = frozenset({"failed", "cancelled", "terminated", "timed_out"})

QUERY_TIMEOUT = timedelta(seconds=2)
"""A status query needs a live worker; without one, answer from Temporal's own view instead of hanging."""


IDEMPOTENCY_MEMO = "swengine.request_hash"
"""Memo key holding the hash of the request that started an instance under an Idempotency-Key."""


class IdempotencyMismatch(SwengineError):
    code = "idempotency_key_reused"
    http_status = 422


class InstanceFailed(SwengineError):
    """The instance ended in failure; ``code`` is the error type the interpreter reported."""

    code = "instance_failed"
    http_status = 409


@dataclass(frozen=True)
class Started:
    instance_id: str
    run_id: str | None


INLINE_INPUT_BYTES = 16 * 1024
INLINE_NODES = 512


def prepared_inline(ir: WorkflowIR, data: Any) -> bool:
    """Whether a start request is cheap enough to prepare on the event loop: a small definition with no subflow
    to look up and no input schema, and a small input. A hop to a thread cost about 1 ms of a 14 ms start;
    anything larger (validating, bundling, sizing) still takes one, off the loop that serves every request."""
    return (
        node_count(ir) <= INLINE_NODES
        and ir.data_input_schema is None
        and at_most(data, INLINE_INPUT_BYTES)
        and not referenced_workflows(ir)
    )


class Service:
    """Start and steer instances of compiled definitions on one Temporal namespace and task queue."""

    def __init__(
        self,
        client: Client,
        *,
        task_queue: str = DEFAULT_TASK_QUEUE,
        lookup: Lookup | None = None,
        search_attributes: bool = True,
        eager_start: bool = False,
        lifecycle_events: bool = False,
    ):
        self.client = client
        self.eager_start = eager_start
        """A worker shares ``client`` and polls ``task_queue`` in this process: starts ask Temporal to hand the
        first workflow task straight back with the start's answer (eager start: one trip to matching fewer)."""
        self.task_queue = task_queue
        self.lookup: Lookup = lookup or (lambda _id, _version: None)
        self.search_attributes = search_attributes
        """Index instances that wait for events by the types they consume and their correlation (needs our search
        attributes registered); listing by definition needs nothing (the workflow type names it)."""
        self.lifecycle_events = lifecycle_events
        """Instances it starts publish lifecycle CloudEvents."""
        self.started: list[Callable[[str, WorkflowIR, dict[str, str]], None]] = []
        """Told of every instance started here (the routers' waiting indexes), with its correlation values."""

    def request_for(self, ir: WorkflowIR, data: Any) -> RunRequest:
        """Check the input (an object, JSON, ``dataInputSchema``) now (a clear 4xx), bundle the subflows,
        and refuse a request Temporal would refuse (over its payload limit) with 413."""
        data = {} if data is None else data
        # 1.0 schedule.on: an instance's input is the array of the events that started it
        started_by_events = isinstance(data, list) and ir.schedule is not None and bool(ir.schedule.on)
        if not isinstance(data, dict) and not started_by_events:
            raise InputError(f"the workflow input must be a JSON object, not {type(data).__name__}",
                             code="input_not_object")  # fmt: skip
        check_incoming(data, "the workflow input")
        problems = input_problems(ir, data) if ir.fail_on_invalid_input else []
        if problems:
            raise InputError(
                "workflow input does not match dataInputSchema: " + "; ".join(problems), detail=problems
            )
        return self.sized(ir, data)

    def sized(self, ir: WorkflowIR, data: dict[str, Any] | list[Any]) -> RunRequest:
        """The start request with its subflows bundled, refused (413) when Temporal would refuse it; a deploy
        checks it with an empty input, so a bundle too large is refused before any start."""
        request = RunRequest(
            ir=ir,
            input=data,
            subflows=bundle_subflows(ir, self.lookup),
            index_correlation=self.search_attributes,
            lifecycle_events=self.lifecycle_events,
        )
        what = "the start request (definition, bundled subflows and input)"
        check_payload(encode(request), what, START_REQUEST_LIMIT)
        return request

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
        memo: dict[str, Any] | None = None,
    ) -> Started:
        """Start an instance; with ``reuse_existing`` a running instance of that id is returned, not duplicated.

        ``first_event`` starts it with a CloudEvent already delivered (signal-with-start). Without
        ``reuse_closed_id`` an id whose instance has closed is refused (``WorkflowAlreadyStartedError``).
        """
        request = (
            self.request_for(ir, data)
            if prepared_inline(ir, data)
            else await asyncio.to_thread(self.request_for, ir, data)  # off the loop that serves every request
        )
        if correlation:
            request = dataclasses.replace(request, correlation=checked_correlation(correlation))
        options: dict[str, Any] = {
            "id": instance_id or f"{ir.id}-{uuid.uuid4()}",
            "task_queue": self.task_queue,
            "id_reuse_policy": WorkflowIDReusePolicy.ALLOW_DUPLICATE
            if reuse_closed_id
            else WorkflowIDReusePolicy.REJECT_DUPLICATE,
        }
        if reuse_existing:
            options["id_conflict_policy"] = WorkflowIDConflictPolicy.USE_EXISTING
        index = search_index(ir, request.correlation) if self.search_attributes else None
        if index:
            options["search_attributes"] = index
        if memo:
            options["memo"] = memo
        # beside the type (which names the definition), the title and version Temporal's Web UI shows
        options["static_summary"] = f"{ir.name or ir.id} ({ir.id} {ir.version or ''})".replace(" )", ")")
        if first_event is not None:
            options["start_signal"] = EVENT_SIGNAL
            options["start_signal_args"] = [first_event]
        elif self.eager_start:
            options["request_eager_start"] = True
        handle = await self.client.start_workflow(workflow_type(ir.id), encode(request), **options)
        for listener in self.started:
            listener(handle.id, ir, request.correlation)
        return Started(instance_id=handle.id, run_id=handle.result_run_id)

    async def start_once(
        self,
        ir: WorkflowIR,
        data: Any,
        *,
        instance_id: str,
        request_hash: str,
        correlation: dict[str, str] | None = None,
    ) -> tuple[Started, bool]:
        """Start under a deterministic id at most once, ever: (the instance, whether this call started it).

        Temporal decides atomically (an id used before, running or closed, is refused), so concurrent
        repeats cannot both start; the request's hash travels in the memo, and a repeat whose hash differs
        is ``IdempotencyMismatch`` rather than the first instance answered for another request.
        """
        try:
            started = await self.start(ir, data, instance_id=instance_id, reuse_closed_id=False,
                                       correlation=correlation, memo={IDEMPOTENCY_MEMO: request_hash})  # fmt: skip
            return started, True
        except WorkflowAlreadyStartedError:
            pass
        try:
            description = await self.handle(instance_id).describe()
        except RPCError as err:
            raise self._translate(err, instance_id) from err
        first = await description.memo_value(IDEMPOTENCY_MEMO, default=None)
        if first is None:
            raise Conflict(f"instance '{instance_id}' exists and was not started with an Idempotency-Key",
                           code="instance_exists")  # fmt: skip
        if first != request_hash:
            raise IdempotencyMismatch(
                f"the Idempotency-Key was first used for another request (instance '{instance_id}')"
            )
        run_id = description.raw_description.workflow_execution_info.first_run_id or description.run_id
        return Started(instance_id=instance_id, run_id=run_id), False

    async def run(self, ir: WorkflowIR, data: Any = None, *, instance_id: str | None = None) -> Any:
        started = await self.start(ir, data, instance_id=instance_id)
        return await self.result(started.instance_id, run_id=started.run_id)

    def handle(self, instance_id: str, run_id: str | None = None) -> WorkflowHandle[Any, Any]:
        return self.client.get_workflow_handle(instance_id, run_id=run_id)

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
    async def _error(handle: WorkflowHandle[Any, Any]) -> dict[str, Any] | None:
        """How a closed instance ended without a result: its error code and message (as ``/result`` says),
        and for a 1.0 instance its RFC 7807 error object."""
        try:
            await handle.result(follow_runs=False)
        except WorkflowFailureError as err:
            code, message, details = failure_of(err)
            found: dict[str, Any] = {"code": code, "message": message}
            if details is not None:
                found["error"] = details
            return found
        except Exception:  # noqa: BLE001 - the status is known; the error is a courtesy
            return None
        return None

    async def result(
        self, instance_id: str, *, run_id: str | None = None, timeout: float | None = None
    ) -> Any:
        """Wait for the instance's output; a failed instance raises ``InstanceFailed`` with its error code.

        ``run_id`` (the run a start answered, when the caller has it) spares Temporal looking the current run
        up; its continued runs are followed all the same."""
        handle = self.handle(instance_id, run_id)
        try:
            if timeout is None:
                return await handle.result()
            return await asyncio.wait_for(handle.result(), timeout)
        except WorkflowFailureError as err:
            code, message, details = failure_of(err)
            raise InstanceFailed(message, code=code, detail=details) from err
        except RPCError as err:
            raise self._translate(err, instance_id) from err

    async def send_event(self, instance_id: str, event: dict[str, Any]) -> None:
        try:
            await self.handle(instance_id).signal(EVENT_SIGNAL, event)
        except RPCError as err:
            raise self._translate(err, instance_id) from err

    async def suspend(self, instance_id: str, *, suspended: bool = True) -> None:
        """Suspend (or resume) an instance: no further state or task starts until it is resumed."""
        try:
            await self.handle(instance_id).signal(SUSPEND_SIGNAL if suspended else RESUME_SIGNAL)
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
