"""``try``/``catch``: a fault of the try block that the catch filters accept is retried (``retry``) or
handled (``catch.do``, with the error bound to ``as``); any other fault goes on up."""

from __future__ import annotations

import asyncio
from typing import Any

from temporalio import workflow

from swengine.core.durations import parse_duration
from swengine.core.ir_tasks import Catch, RetryPolicy, TryTask
from swengine.core.task_errors import standard_error
from swengine.interpreter.tasks.errors import TaskFault, matches
from swengine.interpreter.tasks.run import Outcome, TaskRun, Variables

BACKOFF = {
    "constant": lambda retries: 1,
    "linear": lambda retries: retries + 1,
    "exponential": lambda retries: 2**retries,
}
"""Multiplier of the delay before retry number ``retries`` (0 for the first retry)."""


async def execute_try(task: TryTask, data: Any, run: TaskRun, variables: Variables) -> Outcome:
    catch = task.catch
    retries = 0
    first = workflow.now()
    while True:
        try:
            output, ended = await _attempt(task, data, run, variables)
            return output, "end" if ended else None
        except TaskFault as fault:
            caught = {**variables, catch.variable: fault.error}
            if not _catches(catch, fault.error, data, run, caught):
                raise
            if catch.retry is not None and _may_retry(catch.retry, retries, first, data, run, caught):
                await run.ctx.lifecycle.task(("retried",), task.pointer)
                await workflow.sleep(_delay(catch.retry, retries))
                retries += 1
                continue
            if catch.tasks is None:
                return data, None
            output, ended = await run.run_list(catch.tasks, data, caught)
            return output, "end" if ended else None


async def _attempt(task: TryTask, data: Any, run: TaskRun, variables: Variables) -> tuple[Any, bool]:
    """One run of the try block, bounded by the retry policy's ``limit.attempt.duration`` when it has one."""
    retry = task.catch.retry
    work = run.run_list(task.tasks, data, variables)
    if retry is None or retry.attempt_duration is None:
        return await work
    try:
        return await asyncio.wait_for(work, parse_duration(retry.attempt_duration).total_seconds())
    except TimeoutError:
        title = f"an attempt of task '{task.name}' did not finish within {retry.attempt_duration}"
        raise TaskFault(standard_error("timeout", title, instance=task.pointer)) from None


def _catches(catch: Catch, error: dict[str, Any], data: Any, run: TaskRun, variables: Variables) -> bool:
    if not matches(catch.errors, error):
        return False
    if catch.when is not None and not run.truthy(catch.when, data, variables):
        return False
    return catch.except_when is None or not run.truthy(catch.except_when, data, variables)


def _may_retry(
    policy: RetryPolicy, retries: int, first: Any, data: Any, run: TaskRun, variables: Variables
) -> bool:
    """``limit.attempt.count`` counts retries after the first attempt; ``limit.duration`` bounds them all."""
    if policy.attempts is not None and retries >= policy.attempts:
        return False
    if policy.duration is not None and workflow.now() - first >= parse_duration(policy.duration):
        return False
    if policy.when is not None and not run.truthy(policy.when, data, variables):
        return False
    return policy.except_when is None or not run.truthy(policy.except_when, data, variables)


def _delay(policy: RetryPolicy, retries: int) -> float:
    seconds = parse_duration(policy.delay).total_seconds() * BACKOFF[policy.backoff](retries)
    if policy.jitter_from is not None and policy.jitter_to is not None:
        low = parse_duration(policy.jitter_from).total_seconds()
        high = parse_duration(policy.jitter_to).total_seconds()
        seconds += workflow.random().uniform(low, high)  # replay-safe: Temporal seeds it
    return seconds
