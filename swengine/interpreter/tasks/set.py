"""``set``: the evaluated map (or expression) replaces the data."""

from __future__ import annotations

from typing import Any

from swengine.core.ir_tasks import SetTask
from swengine.interpreter.tasks.run import Outcome, TaskRun, Variables


async def execute_set(task: SetTask, data: Any, run: TaskRun, variables: Variables) -> Outcome:
    return run.evaluate(task.value, data, variables), None
