"""Parallel state: branches run as concurrent tasks of the one workflow; allOf or atLeast N."""

from __future__ import annotations

import asyncio
from typing import Any

from swengine.core import json_merge
from swengine.core.durations import parse_duration
from swengine.core.ir import Branch, ParallelState, Transition
from swengine.interpreter.actions import run_actions
from swengine.interpreter.context import RunContext


async def _run_branch(branch: Branch, data: Any, ctx: RunContext, default_timeout: str | None) -> Any:
    timeout = branch.timeout or default_timeout
    work = run_actions(branch.actions, branch.action_mode, data, ctx)
    if timeout is None:
        return await work
    return await asyncio.wait_for(work, parse_duration(timeout).total_seconds())


async def execute_parallel(state: ParallelState, data: Any, ctx: RunContext) -> tuple[Any, Transition]:
    """Each branch gets the state data; finished branches' results merge into it in branch order.

    A failing branch fails the state (spec "Parallel State Handling Exceptions"), cancelling the others.
    """
    tasks = [
        asyncio.ensure_future(_run_branch(b, data, ctx, state.timeouts.branch_exec)) for b in state.branches
    ]
    needed = len(tasks) if state.completion_type == "allOf" else max(1, min(state.num_completed, len(tasks)))
    done_count = 0
    try:
        for finished in asyncio.as_completed(tasks):
            await finished
            done_count += 1
            if done_count >= needed:
                break
    finally:
        for task in tasks:
            if not task.done():
                task.cancel()
    for task in tasks:
        if task.done() and not task.cancelled() and task.exception() is None:
            data = json_merge.merge(data, task.result())
    return data, state.transition
