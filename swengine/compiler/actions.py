"""Actions: the call, its data filter, retry behaviour, timeout and sleeps, with the spec's rules applied."""

from __future__ import annotations

from typing import Any

from swengine.compiler.calls import compile_call
from swengine.compiler.context import CompileContext, compile_error
from swengine.compiler.data import optional_expression
from swengine.compiler.retries import DEFAULT_AUTO_RETRY, compile_retry, error_codes
from swengine.core import ir


def compile_actions(value: Any, ctx: CompileContext, *, timeout: str | None) -> list[ir.Action]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise compile_error(f"actions must be a list, got {value!r}")
    return [compile_action(action, ctx, timeout=timeout) for action in value]


def compile_action(action: Any, ctx: CompileContext, *, timeout: str | None) -> ir.Action:
    """``timeout`` is the actionExecTimeout in force (state, branch or workflow default)."""
    if not isinstance(action, dict):
        raise compile_error(f"an action must be an object, got {action!r}")
    call = compile_call(action, ctx, timeout=timeout)
    data_filter = action.get("actionDataFilter") or {}
    sleep = action.get("sleep") or {}
    # The spec: an async call yields no results and its retry definition is ignored.
    is_async = call.invoke == "async"
    auto_retries = ctx.auto_retries and not is_async
    # The spec: sleep before/after does not apply to eventRef actions.
    sleeps = not isinstance(call, ir.EventCall)
    return ir.Action(
        name=action.get("name"),
        call=call,
        condition=optional_expression(action.get("condition"), ctx),
        from_state_data=optional_expression(data_filter.get("fromStateData"), ctx),
        results=optional_expression(data_filter.get("results"), ctx),
        to_state_data=optional_expression(data_filter.get("toStateData"), ctx),
        use_results=bool(data_filter.get("useResults", True)) and not is_async,
        retry=None if is_async else _retry(action, ctx),
        # The spec: retryableErrors count only without autoRetries, nonRetryableErrors only with it.
        retryable_errors=None
        if is_async or auto_retries
        else error_codes(action.get("retryableErrors"), ctx),
        non_retryable_errors=error_codes(action.get("nonRetryableErrors"), ctx) if auto_retries else None,
        auto_retries=auto_retries,
        timeout=timeout,
        sleep_before=sleep.get("before") if sleeps else None,
        sleep_after=sleep.get("after") if sleeps else None,
    )


def _retry(action: dict[str, Any], ctx: CompileContext) -> ir.Retry | None:
    name = action.get("retryRef")
    if name is not None:
        return compile_retry(name, ctx)
    return DEFAULT_AUTO_RETRY if ctx.auto_retries else None
