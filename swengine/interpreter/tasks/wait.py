"""``wait``: a durable timer; the data passes through."""

from __future__ import annotations

from typing import Any

from temporalio import workflow

from swengine.core.durations import parse_duration
from swengine.core.ir_tasks import WaitTask
from swengine.interpreter.tasks.durations import duration_of
from swengine.interpreter.tasks.run import Outcome, TaskRun, Variables


async def execute_wait(task: WaitTask, data: Any, run: TaskRun, variables: Variables) -> Outcome:
    text = duration_of(run.evaluate(task.duration, data, variables)) if task.computed else task.duration
    await workflow.sleep(parse_duration(text))
    return data, None
