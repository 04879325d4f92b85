"""An activity interceptor that turns an oversized result into a non-retryable ``payload_too_large`` error."""

from __future__ import annotations

from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
)

from swengine.limits import PayloadTooLarge, check_payload


class _ResultGuard(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        result = await super().execute_activity(input)
        try:
            check_payload(result, f"the result of {activity.info().activity_type}")
        except PayloadTooLarge as err:
            raise ApplicationError(err.message, type=err.code, non_retryable=True) from None
        return result


class PayloadGuard(Interceptor):
    """Registered on every swengine worker: retrying an activity whose result can never fit is pointless."""

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _ResultGuard(next)
