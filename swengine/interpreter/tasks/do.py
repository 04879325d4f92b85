"""``do``: a nested task list; its ``then`` targets are its own, and ``end`` ends the whole workflow."""

from __future__ import annotations

from typing import Any

from swengine.core.ir_tasks import DoTask
from swengine.interpreter.tasks.run import Outcome, TaskRun, Variables


async def execute_do(task: DoTask, data: Any, run: TaskRun, variables: Variables) -> Outcome:
    output, ended = await run.run_list(task.tasks, data, variables)
    return output, "end" if ended else None
