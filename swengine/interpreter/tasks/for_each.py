"""``for``: the body runs once per item (``each``, at ``at``) while ``while`` holds; each iteration's output
is the next one's input."""

from __future__ import annotations

from typing import Any

from swengine.core.errors import ExpressionError
from swengine.core.ir_tasks import ForTask
from swengine.interpreter.tasks.run import Outcome, TaskRun, Variables


async def execute_for(task: ForTask, data: Any, run: TaskRun, variables: Variables) -> Outcome:
    items = run.evaluate(task.collection, data, variables)
    if isinstance(items, dict):
        items = list(items.values())
    if items is None:
        items = []
    if not isinstance(items, list):
        raise ExpressionError(f"for.in of task '{task.name}' must yield an array, not {type(items).__name__}")
    for index, item in enumerate(items):
        loop = {**variables, task.each: item, task.at: index}
        if task.while_ is not None and not run.truthy(task.while_, data, loop):
            break
        data, ended = await run.run_list(task.tasks, data, loop)
        if ended:
            return data, "end"
    return data, None
