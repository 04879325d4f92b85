"""``switch``: the first case whose ``when`` holds (or the default case) gives the flow directive."""

from __future__ import annotations

from typing import Any

from swengine.core.ir_tasks import SwitchTask
from swengine.interpreter.tasks.run import Outcome, TaskRun, Variables


async def execute_switch(task: SwitchTask, data: Any, run: TaskRun, variables: Variables) -> Outcome:
    for case in task.cases:
        if case.when is None or run.truthy(case.when, data, variables):
            return data, case.then or "continue"
    return data, None
