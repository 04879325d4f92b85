"""``fork``: branches run concurrently on the same input. Without ``compete`` the output is every branch's
output in declared order; with it, the first branch to succeed wins and the others are cancelled."""

from __future__ import annotations

import asyncio
from typing import Any

from swengine.core.ir_tasks import ForkTask
from swengine.interpreter.tasks.run import Outcome, TaskRun, Variables


async def execute_fork(task: ForkTask, data: Any, run: TaskRun, variables: Variables) -> Outcome:
    running = [asyncio.ensure_future(run.run_task(branch, data, variables)) for branch in task.branches]
    if not task.compete:
        try:
            results = await asyncio.gather(*running)
        finally:  # one branch faulted (or the fork was cancelled): the others stop too
            for branch in running:
                if not branch.done():
                    branch.cancel()
        return [output for output, _ in results], None
    failure: BaseException | None = None
    try:
        pending = set(running)
        while pending:
            _, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for branch in running:  # declared order decides between branches done in the same step
                if branch.done() and not branch.cancelled() and branch.exception() is None:
                    return branch.result()[0], None
                if branch.done() and failure is None and not branch.cancelled():
                    failure = branch.exception()
        assert failure is not None
        raise failure
    finally:
        for branch in running:
            if not branch.done():
                branch.cancel()
