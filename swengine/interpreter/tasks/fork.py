"""``fork``: branches run concurrently on the same input. Without ``compete`` the output is every branch's
output in declared order; with it, the first branch to succeed wins and the others are cancelled."""

from __future__ import annotations

import asyncio
from typing import Any

from temporalio import workflow

from swengine.core.ir_tasks import ForkTask
from swengine.interpreter.tasks.run import Outcome, TaskRun, Variables

END_PATCH = "fork-branch-end"
"""Before it a branch's ``then: end`` was dropped at the fork, and the workflow went on after it."""


def _ending(directives: list[str | None]) -> str | None:
    """``end`` when a branch (the winner, when they compete) ended the workflow: the fork passes it on. Any
    other directive of a branch names a place in the branch's own list and stays there."""
    return "end" if "end" in directives and workflow.patched(END_PATCH) else None


async def execute_fork(task: ForkTask, data: Any, run: TaskRun, variables: Variables) -> Outcome:
    running = [asyncio.ensure_future(run.run_task(branch, data, variables)) for branch in task.branches]
    if not task.compete:
        try:
            results = await asyncio.gather(*running)
        finally:  # one branch faulted (or the fork was cancelled): the others stop too
            for branch in running:
                if not branch.done():
                    branch.cancel()
        return [output for output, _ in results], _ending([directive for _, directive in results])
    failure: BaseException | None = None
    try:
        pending = set(running)
        while pending:
            _, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for branch in running:  # declared order decides between branches done in the same step
                if branch.done() and not branch.cancelled() and branch.exception() is None:
                    output, directive = branch.result()
                    return output, _ending([directive])
                if branch.done() and failure is None and not branch.cancelled():
                    failure = branch.exception()
        assert failure is not None
        raise failure
    finally:
        for branch in running:
            if not branch.done():
                branch.cancel()
