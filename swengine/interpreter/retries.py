"""Spec 0.8 retry semantics mapped onto Temporal retry policies.

Temporal cannot say "retry only these error types" or "retry timeouts but not errors", so the policy carries
a marker in ``non_retryable_error_types`` and the worker's activity guard (swengine/activities/guard.py)
marks application errors non-retryable accordingly. Timeouts (a worker that crashed mid-activity) are
always retried by Temporal, so a crash never fails an instance on its own.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio.common import RetryPolicy

from swengine.core.durations import parse_duration
from swengine.core.ir import RETRY_NO_ERRORS, RETRY_ONLY_PREFIX, Action
from swengine.core.remembered import RememberedFor

INFRASTRUCTURE_ATTEMPTS = 3
"""Attempts for an action with no retry strategy: enough to survive a worker crash, not a hung service."""

DEFAULT_ACTION_TIMEOUT = timedelta(minutes=10)
"""Start-to-close bound for an action with no ``actionExecTimeout``, so a lost worker cannot stall an instance."""


def _duration(text: str | None) -> timedelta | None:
    return parse_duration(text) if text else None


_POLICIES: RememberedFor[Action, RetryPolicy] = RememberedFor(4096)
"""Each action's policy, built once per action of a (never changed) compiled definition, not on every call."""


def retry_policy(action: Action) -> RetryPolicy:
    """The Temporal policy for one action (the same object every time: nothing changes a policy once built)."""
    policy = _POLICIES.get(action)
    if policy is None:
        policy = _policy_for(action)
        _POLICIES.put(action, policy)
    return policy


def _policy_for(action: Action) -> RetryPolicy:
    """The Temporal policy for one action.

    Without ``autoRetries`` an action is retried only when it names a strategy, and then (when it lists
    ``retryableErrors``) only for those errors. With ``autoRetries`` every error is retried except
    ``nonRetryableErrors`` (the compiler fills in the default strategy).
    """
    strategy = action.retry
    if strategy is None:
        return RetryPolicy(
            maximum_attempts=INFRASTRUCTURE_ATTEMPTS, non_retryable_error_types=[RETRY_NO_ERRORS]
        )
    if not action.auto_retries and action.retryable_errors is not None:
        non_retryable = [RETRY_ONLY_PREFIX + name for name in action.retryable_errors] or [RETRY_NO_ERRORS]
    else:
        non_retryable = list(action.non_retryable_errors or [])
    coefficient = strategy.multiplier if strategy.multiplier and strategy.multiplier >= 1 else 1.0
    return RetryPolicy(
        initial_interval=_duration(strategy.delay) or timedelta(seconds=1),
        backoff_coefficient=coefficient,
        maximum_interval=_duration(strategy.max_delay),
        maximum_attempts=strategy.max_attempts,
        non_retryable_error_types=non_retryable or None,
    )


def action_timeout(action: Action) -> timedelta:
    return _duration(action.timeout) or DEFAULT_ACTION_TIMEOUT
