"""Running actions: condition, data filters, the call itself (function, subflow or event) and result merging."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from temporalio import workflow
from temporalio.workflow import ParentClosePolicy

from swengine.core.durations import parse_duration
from swengine.core.ir import (
    OPERATION_ACTIVITIES,
    Action,
    EventCall,
    FunctionCall,
    SubflowCall,
)
from swengine.interpreter.children import by_definition_type, child_request, child_type
from swengine.interpreter.context import RunContext
from swengine.interpreter.events import produce_events, search_index, wait_for_event
from swengine.interpreter.failures import StateFailure
from swengine.interpreter.inbox import event_payload
from swengine.interpreter.retries import action_timeout, retry_policy
from swengine.interpreter.telemetry import activity_summary

Extra = dict[str, Any] | None


async def run_actions(
    actions: list[Action], mode: str, data: Any, ctx: RunContext, extra: Extra = None
) -> Any:
    """Run a state's actions; in parallel mode all calls see the same input and merge in document order."""
    if mode == "parallel" and len(actions) > 1:
        results = await asyncio.gather(*(call_action(action, data, ctx, extra) for action in actions))
        for action, (ran, result) in zip(actions, results, strict=True):
            if ran:
                data = apply_result(action, data, result, ctx, extra)
        return data
    for action in actions:
        ran, result = await call_action(action, data, ctx, extra)
        if ran:
            data = apply_result(action, data, result, ctx, extra)
    return data


async def call_action(action: Action, data: Any, ctx: RunContext, extra: Extra = None) -> tuple[bool, Any]:
    """Run one action's call; (False, None) when its condition says skip."""
    if action.condition is not None and not ctx.evaluate_bool(action.condition, data, extra):
        return False, None
    if action.sleep_before:
        await workflow.sleep(parse_duration(action.sleep_before))
    action_input = ctx.evaluate(action.from_state_data, data, extra)
    result = await INVOKERS[action.call.kind](action, action_input, ctx, extra)
    if action.sleep_after:
        await workflow.sleep(parse_duration(action.sleep_after))
    return True, result


def apply_result(action: Action, data: Any, result: Any, ctx: RunContext, extra: Extra = None) -> Any:
    """Filter an action's result (``results``) and merge it at ``toStateData``, unless ``useResults`` is off."""
    if not action.use_results or result is None:
        return data
    if action.results is not None:
        result = ctx.evaluate(action.results, result, extra)
    return ctx.merge_into(data, action.to_state_data, result, extra)


async def _invoke_function(action: Action, action_input: Any, ctx: RunContext, extra: Extra) -> Any:
    call = action.call
    assert isinstance(call, FunctionCall)
    if call.expression is not None:
        return ctx.evaluate(call.expression, action_input, extra)
    arguments = (
        action_input
        if call.arguments_expr is None
        else ctx.evaluate(call.arguments_expr, action_input, extra)
    )
    payload: Any = arguments
    if call.activity in OPERATION_ACTIVITIES:
        payload = {"function": call.function, "operation": call.operation, "arguments": arguments}
        if call.proto is not None:
            payload["proto"] = call.proto
    assert call.activity is not None
    policy = retry_policy(action)
    timeout = action_timeout(action)
    summary = activity_summary(call.activity, call.function)
    if call.invoke == "async":
        workflow.start_activity(
            call.activity, payload, start_to_close_timeout=timeout, retry_policy=policy, summary=summary
        )
        return None
    if call.local:
        return await workflow.execute_local_activity(
            call.activity, payload, start_to_close_timeout=timeout, retry_policy=policy, summary=summary
        )
    return await workflow.execute_activity(
        call.activity, payload, start_to_close_timeout=timeout, retry_policy=policy, summary=summary
    )


def _subflow_definition(call: SubflowCall, ctx: RunContext):  # noqa: ANN202 - returns WorkflowIR
    keys = [f"{call.workflow_id}@{call.version}"] if call.version else []
    keys.append(call.workflow_id)
    for key in keys:
        if key in ctx.request.subflows:
            return ctx.request.subflows[key]
    raise StateFailure("subflow_not_found", f"subflow '{call.workflow_id}' is not deployed")


async def _invoke_subflow(action: Action, action_input: Any, ctx: RunContext, extra: Extra) -> Any:
    call = action.call
    assert isinstance(call, SubflowCall)
    child_ir = _subflow_definition(call, ctx)
    request = child_request(ctx, child_ir, action_input)
    child_id = ctx.next_child_id(workflow.info().workflow_id, call.workflow_id)
    close = (
        ParentClosePolicy.ABANDON if call.on_parent_complete == "continue" else ParentClosePolicy.TERMINATE
    )
    # Indexed like a top-level instance, so the event router finds a child waiting for an event.
    index = (
        search_index(child_ir, dict(ctx.inbox.correlation), legacy=not by_definition_type())
        if ctx.request.index_correlation
        else None
    )
    kind = child_type(child_ir)
    if call.invoke == "async":
        await workflow.start_child_workflow(
            kind, request, id=child_id, parent_close_policy=close, search_attributes=index or None
        )
        return None
    return await workflow.execute_child_workflow(
        kind, request, id=child_id, parent_close_policy=close, search_attributes=index or None
    )


async def _invoke_event(action: Action, action_input: Any, ctx: RunContext, extra: Extra) -> Any:
    call = action.call
    assert isinstance(call, EventCall)
    await produce_events([call.produce], action_input, ctx, extra)
    if call.invoke == "async" or call.result_event is None:
        return None
    try:
        definition, event = await wait_for_event(ctx, [ctx.ir.event(call.result_event)], call.result_timeout)
    except TimeoutError:
        message = f"result event '{call.result_event}' did not arrive within {call.result_timeout}"
        raise StateFailure("timeout", message) from None
    return event_payload(event, definition)


INVOKERS: dict[str, Callable[[Action, Any, RunContext, Extra], Awaitable[Any]]] = {
    "function": _invoke_function,
    "subflow": _invoke_subflow,
    "event": _invoke_event,
}
