"""``raise``: fault with the evaluated error, located at this task unless the error says otherwise."""

from __future__ import annotations

from typing import Any

from swengine.core.ir_tasks import RaiseTask
from swengine.interpreter.tasks.errors import TaskFault
from swengine.interpreter.tasks.run import Outcome, TaskRun, Variables


async def execute_raise(task: RaiseTask, data: Any, run: TaskRun, variables: Variables) -> Outcome:
    error = run.evaluate(task.error, data, variables)
    status = error.get("status")
    if isinstance(status, str) and status.isdigit():  # given as an expression, it may come back as text
        status = int(status)
    raise TaskFault({**error, "status": status, "instance": error.get("instance") or task.pointer})
