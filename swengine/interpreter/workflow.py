"""The one Temporal workflow: a thin loop that walks the IR's states.

Look up the state, filter its input, run its executor, filter its output, produce events, follow the
transition. Failures go to the first matching ``onErrors`` handler or fail the instance with an
``ApplicationError`` whose type is the stable error code.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from temporalio import workflow
from temporalio.common import RawValue
from temporalio.exceptions import ApplicationError

from swengine.core.durations import parse_duration
from swengine.core.ir import (
    EVENT_FATE_QUERY,
    EVENT_SIGNAL,
    RESUME_SIGNAL,
    STATUS_QUERY,
    SUSPEND_SIGNAL,
    WORKFLOW_NAME,
    ContinueAs,
    EventState,
    RunRequest,
    State,
    TasksState,
    Transition,
    definition_of_type,
    workflow_type,
)
from swengine.core.ir_codec import decode_run_request, encode
from swengine.core.limits import (
    MAX_PENDING_BYTES,
    MAX_SEEN_KEY_BYTES,
    MAX_SEEN_KEYS,
    START_REQUEST_LIMIT,
    check_payload,
    payload_size,
)
from swengine.interpreter import telemetry
from swengine.interpreter.children import by_definition_type
from swengine.interpreter.compensation import compensate
from swengine.interpreter.context import RunContext
from swengine.interpreter.events import (
    adopt_trigger_correlation,
    indexed_correlation,
    produce_events,
    search_index,
)
from swengine.interpreter.failures import StateFailure, find_handler, to_state_failure
from swengine.interpreter.inbox import Inbox
from swengine.interpreter.input import check_input
from swengine.interpreter.lifecycle import Lifecycle, definition_reference, error_of, state_pointer
from swengine.interpreter.progress import event_fate
from swengine.interpreter.states import executor_for

STATES_PER_RUN = 1000
"""States one run walks before it continues as new. A loop of expression and switch states never waits on
Temporal: its history stays short (so Temporal never suggests continuing) while it holds the workflow
thread, and past 2 s the SDK's deadlock detector fails the task again and again. This bounds that, the
``visited`` list and the work a replay redoes."""
STATES_PER_RUN_PATCH = "states-per-run"
CORRELATING_KINDS = frozenset({"event", "callback"})
"""0.8 states that wait for (correlated) events: they publish the correlation lifecycle events."""
SEEN_KEYS_PATCH = "seen-keys-in-bytes"
SUSPENSION_PATCH = "suspension-carried"
BOUNDED_INBOX_PATCH = "bounded-inbox"
"""Unconsumed events are bounded on arrival and trimmed to fit a continue-as-new (dropping changes which
events later states can take, so old histories replay without it)."""


class Interpreting:
    """Runs any compiled Serverless Workflow definition carried in its ``RunRequest``: the signals, queries
    and walk shared by the two workflow classes below, which differ only in the types they answer."""

    def __init__(self) -> None:
        self._inbox = Inbox()
        self._ctx: RunContext | None = None
        self._status = "running"
        self._deadline: datetime | None = None
        self._suspended_early = False
        """A suspend signal that arrived with the start, before the run context existed."""

    @workflow.signal(name=EVENT_SIGNAL)
    def on_event(self, event: dict[str, Any]) -> None:
        """A CloudEvent (structured, as a dict) for this instance; duplicates by source + id count once."""
        if not self._inbox.bounded and workflow.patched(BOUNDED_INBOX_PATCH):
            self._inbox.bounded = True
        dropped_before = len(self._inbox.dropped)
        self._inbox.deliver(event)
        if len(self._inbox.dropped) != dropped_before:
            workflow.logger.warning("unconsumed events dropped: %s", self._inbox.dropped[-1])

    @workflow.signal(name=SUSPEND_SIGNAL)
    async def suspend(self) -> None:
        """No further state or task starts until ``resume`` (the one running now finishes)."""
        await self._set_suspended(True)

    @workflow.signal(name=RESUME_SIGNAL)
    async def resume(self) -> None:
        await self._set_suspended(False)

    async def _set_suspended(self, suspended: bool) -> None:
        ctx = self._ctx
        if ctx is None:
            self._suspended_early = suspended
            return
        if ctx.suspended != suspended and self._status == "running":
            ctx.suspended = suspended
            await ctx.lifecycle.workflow("suspended" if suspended else "resumed")

    @workflow.query(name=STATUS_QUERY)
    def status(self) -> dict[str, Any]:
        if self._ctx is None:
            return {"status": self._status, "current_state": None, "visited": [], "data": None}
        return self._ctx.status(self._status)

    @workflow.query(name=EVENT_FATE_QUERY)
    def event_fate(self, event: dict[str, Any]) -> str:
        consumed = [e for e in self._ctx.ir.events if e.kind == "consumed"] if self._ctx is not None else []
        return event_fate(self._inbox, event, consumed)

    async def interpret(self, raw: RawValue) -> Any:
        request = decode_run_request(workflow.payload_converter().from_payload(raw.payload))
        # Events carried over a continue-as-new come first; signals that arrived with the start follow,
        # deduplicated against everything the previous run had already received.
        early = self._inbox
        self._inbox = Inbox(pending=request.events, seen=request.seen_event_keys)
        self._inbox.bounded, self._inbox.dropped = early.bounded, [*request.dropped_events, *early.dropped]
        for event in early.pending():
            self._inbox.deliver(event)
        self._inbox.correlation.update(request.correlation)
        if request.index_correlation and workflow.info().continued_run_id:
            # only a continued run can have learned more than its request carries (a start indexes just that)
            self._inbox.correlation.update(indexed_correlation())
        ctx = self._ctx = RunContext.create(request, self._inbox)
        data = request.input if request.input is not None else {}
        if request.start_state is None:
            start = ctx.states[ctx.ir.start]
            if isinstance(start, EventState):
                adopt_trigger_correlation(ctx, start)
        ctx.data = data
        ctx.lifecycle = Lifecycle.of(request.lifecycle_events)
        if request.start_state is None:
            telemetry.instance_started(ctx.ir.id)
            await ctx.lifecycle.workflow("started", definition=definition_reference(ctx.ir))
        ctx.suspended = self._suspended_early or request.suspended
        try:
            if (
                request.start_state is None
            ):  # a refused input fails the instance (a child's or an event start's,
                check_input(
                    ctx.ir, data
                )  # which no API checked first), never its workflow task again and again
            result = await self._walk_within_deadline(ctx, request.start_state or ctx.ir.start, data)
        except asyncio.CancelledError:
            await ctx.lifecycle.workflow("cancelled")
            raise
        except StateFailure as failure:
            self._status = "failed"
            telemetry.instance_ended(ctx.ir.id, "failed")
            workflow.logger.warning(
                "instance of %s failed: %s: %s",
                ctx.ir.id,
                failure.code,
                failure.message,
                extra={"code": failure.code},
            )
            await ctx.lifecycle.workflow("faulted", error=error_of(failure))
            raise failure.to_application_error() from None
        await ctx.lifecycle.workflow("completed", output=result)
        self._status = "completed"
        telemetry.instance_ended(ctx.ir.id, "completed")
        workflow.set_current_details(f"**{ctx.ir.id}**: completed")
        return result

    async def _walk_within_deadline(self, ctx: RunContext, name: str, data: Any) -> Any:
        """``workflowExecTimeout``: on expiry stop the current path and run ``runBefore`` (if any) instead."""
        if ctx.ir.workflow_exec_timeout is None:
            return await self._walk_kept_active(ctx, name, data)
        if ctx.request.deadline is None:
            self._deadline = workflow.now() + parse_duration(ctx.ir.workflow_exec_timeout)
        else:  # a continued run: the instance's deadline, not a fresh one
            self._deadline = datetime.fromisoformat(ctx.request.deadline)
        seconds = max(0.0, (self._deadline - workflow.now()).total_seconds())
        try:
            return await asyncio.wait_for(self._walk_kept_active(ctx, name, data), seconds)
        except TimeoutError:
            if ctx.ir.run_before_timeout is None:
                message = f"workflowExecTimeout of {ctx.ir.workflow_exec_timeout} reached"
                raise StateFailure("workflow_timeout", message) from None
            self._deadline = None  # passed: a continued run of runBefore must not inherit it
            data, _ = await self._walk(ctx, ctx.ir.run_before_timeout, ctx.data)
            return data

    async def _walk_kept_active(self, ctx: RunContext, name: str, data: Any) -> Any:
        """``keepActive``: a path that ends without ``terminate`` does not end the instance.

        An event start state waits for its next event (accumulating data); any other start idles until
        ``workflowExecTimeout`` (and its ``runBefore``) ends the instance.
        """
        while True:
            data, terminated = await self._walk(ctx, name, data)
            if terminated or not ctx.ir.keep_active:
                return data
            name = ctx.ir.start
            if not isinstance(ctx.states[name], EventState):
                await workflow.wait_condition(lambda: False)
            if workflow.info().is_continue_as_new_suggested():
                await ctx.lifecycle.drain()  # a continued run starts afresh: send what is queued
                self._continue_as_same(ctx, name, data)

    async def _walk(self, ctx: RunContext, name: str, data: Any) -> tuple[Any, bool]:
        """Follow transitions from ``name`` to an end; (output, whether the end terminates the instance)."""
        walked = 0
        while True:
            state = ctx.states[name]
            data, transition = await self._run_state(ctx, state, data)
            ctx.data = data
            if transition.compensate:  # spec: compensation runs before events are produced
                data = await compensate(ctx, data)
            await produce_events(transition.produce_events, data, ctx)
            if transition.is_end:
                if transition.continue_as is not None:
                    await ctx.lifecycle.drain()  # a continued run starts afresh: send what is queued
                    self._continue_as(ctx, transition.continue_as, data)
                return data, transition.terminate
            assert transition.next_state is not None
            name = transition.next_state
            walked += 1
            if workflow.info().is_continue_as_new_suggested() or (
                walked >= STATES_PER_RUN and workflow.patched(STATES_PER_RUN_PATCH)
            ):
                await ctx.lifecycle.drain()  # a continued run starts afresh: send what is queued
                self._continue_as_same(ctx, name, data)

    async def _run_state(self, ctx: RunContext, state: State, data: Any) -> tuple[Any, Transition]:
        """One state, published as a task when lifecycle events are on (an event wait also as a correlation)."""
        await ctx.unless_suspended()
        if isinstance(state, TasksState):  # a 1.0 document: its tasks publish themselves
            return await self._run_state_within(ctx, state, data)
        pointer = state_pointer(ctx.positions, state.name)
        correlating = state.kind in CORRELATING_KINDS
        await ctx.lifecycle.task(("created", "started"), pointer)
        if correlating:
            await ctx.lifecycle.workflow("correlation-started")
        try:
            output, transition = await self._run_state_within(ctx, state, data)
        except StateFailure as failure:
            await ctx.lifecycle.task(("faulted",), pointer, error=error_of(failure))
            raise
        except asyncio.CancelledError:
            await ctx.lifecycle.task(("cancelled",), pointer)
            raise
        step = ctx.progress.steps[-1]  # this state's: a 0.8 state runs no other state inside it
        if step.outcome == "handled_error":  # onErrors took it: the state faulted, the instance goes on
            error = {"type": step.error, "status": 500, "title": f"state '{state.name}' failed"}
            await ctx.lifecycle.task(("faulted",), pointer, error=error)
            return output, transition
        if correlating:
            await ctx.lifecycle.workflow("correlation-completed", correlationKeys=dict(ctx.inbox.correlation))
        await ctx.lifecycle.task(("completed",), pointer, output=output)
        return output, transition

    async def _run_state_within(self, ctx: RunContext, state: State, data: Any) -> tuple[Any, Transition]:
        """Run one state with its filters and timeout; a handled failure yields the handler's transition."""
        ctx.current_state = state.name
        ctx.visited.append(state.name)
        step = ctx.progress.begin(state.name)
        telemetry.show_current(ctx.ir.id, state.name, state.kind)
        began = workflow.now()
        try:
            state_data = ctx.evaluate(state.input_filter, data)
            ctx.data = state_data
            work = executor_for(state.kind)(state, state_data, ctx)
            if state.timeouts.state_exec:
                state_data, transition = await asyncio.wait_for(
                    work, parse_duration(state.timeouts.state_exec).total_seconds()
                )
            else:
                state_data, transition = await work
            output = ctx.evaluate(state.output_filter, state_data)
            check_payload(output, f"the data of state '{state.name}'", measure=ctx.data_size.size)
            if state.compensated_by:
                ctx.completed_for_compensation.append(state.name)
            step.outcome = "timed_out" if step.timed_out else "completed"
            ctx.state_durations.record(state.kind, step.outcome, began)
            return output, transition
        except Exception as err:
            failure = to_state_failure(err)
            if failure is None:
                raise
            failure.state = failure.state or state.name
            handler = find_handler(state.on_errors, failure)
            step.error = failure.code
            step.outcome = "failed" if handler is None else "handled_error"
            ctx.state_durations.record(state.kind, step.outcome, began)
            if handler is None:
                raise failure from None
            workflow.logger.info("state %s: error %s handled by onErrors", state.name, failure.code)
            return data, handler.transition

    def _continue_as(self, ctx: RunContext, target: ContinueAs, data: Any) -> None:
        """``end.continueAs``: a new execution of the named workflow with the selected data."""
        ir = ctx.ir
        if target.workflow_id != ir.id:
            key = f"{target.workflow_id}@{target.version}" if target.version else target.workflow_id
            ir = ctx.request.subflows.get(key) or ctx.request.subflows.get(target.workflow_id)  # type: ignore[assignment]
            if ir is None:
                raise StateFailure(
                    "subflow_not_found", f"continueAs target '{target.workflow_id}' is not deployed"
                )
        new_input = target.data if target.data_expr is None else ctx.evaluate(target.data_expr, data)
        if target.data is None and target.data_expr is None:
            new_input = data
        timeout = parse_duration(target.workflow_exec_timeout) if target.workflow_exec_timeout else None
        # Events already received stay with the instance (its workflow id does not change); another
        # definition is indexed as itself.
        another = ir is not ctx.ir
        legacy = not by_definition_type()
        index = (
            search_index(ir, legacy=legacy, replacing=True)
            if ctx.request.index_correlation and another
            else None
        )
        kind: Any = workflow_type(ir.id) if another and not legacy else None  # None: this run's own type
        workflow.continue_as_new(
            self._carrying_events(
                RunRequest(
                    ir=ir,
                    input=new_input,
                    subflows=ctx.request.subflows,
                    seen_event_keys=self._remembered_keys(),
                    parent_id=ctx.request.parent_id,
                    index_correlation=ctx.request.index_correlation,
                    lifecycle_events=ctx.request.lifecycle_events,
                    suspended=self._carried_suspension(ctx),
                )
            ),
            workflow=kind,
            run_timeout=timeout,
            search_attributes=index,
        )

    def _continue_as_same(self, ctx: RunContext, next_state: str, data: Any) -> None:
        """History is getting long: carry on in a fresh execution from ``next_state``, losing nothing."""
        workflow.continue_as_new(
            self._carrying_events(
                RunRequest(
                    ir=ctx.ir,
                    input=data,
                    subflows=ctx.request.subflows,
                    start_state=next_state,
                    visited=ctx.visited[-1000:],
                    seen_event_keys=self._remembered_keys(),
                    parent_id=ctx.request.parent_id,
                    index_correlation=ctx.request.index_correlation,
                    lifecycle_events=ctx.request.lifecycle_events,
                    deadline=self._deadline.isoformat() if self._deadline else None,
                    suspended=self._carried_suspension(ctx),
                )
            )
        )

    def _carried_suspension(self, ctx: RunContext) -> bool:
        """A suspended instance stays suspended in its next run (behind its patch, asked only then: before it,
        the next run forgot the suspension and the instance ran on)."""
        return ctx.suspended and workflow.patched(SUSPENSION_PATCH)

    def _remembered_keys(self) -> list[str]:
        """The dedupe keys the next run keeps, bounded in bytes too (behind its patch: it changes what old runs
        carried)."""
        if workflow.patched(SEEN_KEYS_PATCH):
            return self._inbox.recent_keys(MAX_SEEN_KEYS, MAX_SEEN_KEY_BYTES)
        return self._inbox.seen()[-MAX_SEEN_KEYS:]

    def _carrying_events(self, request: RunRequest) -> Any:
        """The next run's input with the pending events, the oldest dropped (and logged) until it fits
        Temporal's payload limit: an event nobody consumes must never make the instance unable to continue."""
        if not workflow.patched(BOUNDED_INBOX_PATCH):
            return encode(dataclasses.replace(request, events=self._inbox.pending()))
        room = START_REQUEST_LIMIT - payload_size(encode(request)) - payload_size(self._inbox.dropped)
        reason = "dropped to fit continue-as-new under the payload limit"
        for dropped in self._inbox.trim(min(room, MAX_PENDING_BYTES), reason, keep_newest=False):
            workflow.logger.warning("unconsumed event dropped: %s", dropped)
        carried = dataclasses.replace(
            request, events=self._inbox.pending(), dropped_events=self._inbox.dropped
        )
        return encode(carried)


@workflow.defn(dynamic=True)
class DefinitionInterpreter(Interpreting):
    """Instances under their definition's own workflow type (``sw:<id>``, ``core.ir.workflow_type``)."""

    @workflow.run
    async def run(self, args: Sequence[RawValue]) -> Any:
        kind = workflow.info().workflow_type
        if definition_of_type(kind) is None or len(args) != 1:
            raise ApplicationError(
                f"no workflow type '{kind}' here: swengine runs 'sw:<definition id>' with one run request",
                type="unknown_workflow_type",
                non_retryable=True,
            )
        return await self.interpret(args[0])


@workflow.defn(name=WORKFLOW_NAME)
class Interpreter(Interpreting):
    """Instances started under the single type every definition once shared (they run and replay as ever)."""

    @workflow.run
    async def run(self, raw: RawValue) -> Any:
        return await self.interpret(raw)


__all__ = ["DefinitionInterpreter", "Interpreter", "ApplicationError"]
