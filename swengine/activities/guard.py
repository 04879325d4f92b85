"""Activity interceptor: applies the spec's retry rules to application errors, and refuses oversized results.

The interpreter marks each action's retry policy (see swengine/interpreter/retries.py); here an error the
spec says not to retry becomes a non-retryable ``ApplicationError`` carrying the error's name as its type.
"""

from __future__ import annotations

from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError
from temporalio.worker import ActivityInboundInterceptor, ExecuteActivityInput, Interceptor

from swengine.core.ir import RETRY_NO_ERRORS, RETRY_ONLY_PREFIX
from swengine.core.limits import PayloadTooLarge, check_payload


def error_type(err: BaseException) -> str:
    """What ``onErrors`` and ``retryableErrors`` match: an ApplicationError's type, else the class name."""
    if isinstance(err, ApplicationError) and err.type:
        return err.type
    return type(err).__name__


def is_final(error: str, markers: list[str]) -> bool:
    """Whether the action's policy says this application error must not be retried."""
    if RETRY_NO_ERRORS in markers:
        return True
    allowed = [m.removeprefix(RETRY_ONLY_PREFIX) for m in markers if m.startswith(RETRY_ONLY_PREFIX)]
    return bool(allowed) and error not in allowed


class _Guard(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        info = activity.info()
        try:
            result = await super().execute_activity(input)
        except Exception as err:
            markers = list(info.retry_policy.non_retryable_error_types or []) if info.retry_policy else []
            if (
                isinstance(err, ApplicationError)
                and err.non_retryable
                or not is_final(error_type(err), markers)
            ):
                raise
            details = err.details if isinstance(err, ApplicationError) else ()
            raise ApplicationError(
                str(err) or error_type(err), *details, type=error_type(err), non_retryable=True
            ) from err
        try:
            check_payload(result, f"the result of {info.activity_type}")
        except PayloadTooLarge as err:
            raise ApplicationError(err.message, type=err.code, non_retryable=True) from None
        return result


class ActivityGuard(Interceptor):
    """Registered on every swengine worker."""

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _Guard(next)
