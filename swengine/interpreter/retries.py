"""Spec 0.8 retry semantics mapped onto Temporal retry policies."""

from __future__ import annotations

from datetime import timedelta

from temporalio.common import RetryPolicy

from swengine.durations import parse_duration
from swengine.ir import Action, Retry

DEFAULT_AUTO_RETRY = Retry(name="swengine-default", delay="PT1S", multiplier=2.0, max_attempts=0)
"""Used when ``autoRetries`` is on and an action names no strategy: unlimited, 1 s, doubling (the spec's advice)."""

DEFAULT_ACTION_TIMEOUT = timedelta(minutes=10)
"""Start-to-close bound for an action with no ``actionExecTimeout``, so a lost worker cannot stall an instance."""


def _seconds(text: str | None, fallback: timedelta | None = None) -> timedelta | None:
    return parse_duration(text) if text else fallback


def retry_policy(action: Action, known_errors: list[str]) -> RetryPolicy:
    """The Temporal policy for one action.

    Without ``autoRetries`` an action is retried only when it names a strategy, and then (when it lists
    ``retryableErrors``) only for those: every other known error is marked non-retryable. With
    ``autoRetries`` everything is retried except ``nonRetryableErrors``.
    """
    strategy = action.retry
    if strategy is None:
        if not action.auto_retries:
            return RetryPolicy(maximum_attempts=1)
        strategy = DEFAULT_AUTO_RETRY
    non_retryable = list(action.non_retryable_errors or [])
    if not action.auto_retries and action.retryable_errors is not None:
        allowed = set(action.retryable_errors)
        non_retryable += [name for name in known_errors if name not in allowed]
    initial = _seconds(strategy.delay, timedelta(seconds=1)) or timedelta(seconds=1)
    coefficient = strategy.multiplier if strategy.multiplier and strategy.multiplier >= 1 else 1.0
    return RetryPolicy(
        initial_interval=initial,
        backoff_coefficient=coefficient,
        maximum_interval=_seconds(strategy.max_delay),
        maximum_attempts=strategy.max_attempts,
        non_retryable_error_types=sorted(set(non_retryable)) or None,
    )


def action_timeout(action: Action) -> timedelta:
    return _seconds(action.timeout, DEFAULT_ACTION_TIMEOUT) or DEFAULT_ACTION_TIMEOUT
