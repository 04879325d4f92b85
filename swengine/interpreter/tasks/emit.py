"""``emit``: build a CloudEvent (``id``, ``time``, ``specversion`` filled in), send it to the sinks, record
it per instance; the event is the task output."""

from __future__ import annotations

from typing import Any

from temporalio import workflow

from swengine.core.ir import EMIT_ACTIVITY
from swengine.core.ir_tasks import EmitTask
from swengine.interpreter.events import EMIT_TIMEOUT
from swengine.interpreter.tasks.run import Outcome, TaskRun, Variables


async def execute_emit(task: EmitTask, data: Any, run: TaskRun, variables: Variables) -> Outcome:
    attributes = run.evaluate(task.event, data, variables)
    event = {
        "specversion": "1.0",
        "id": str(workflow.uuid4()),
        "time": workflow.now().isoformat(),
        **{key: value for key, value in attributes.items() if value is not None},
    }
    await workflow.execute_activity(EMIT_ACTIVITY, [event], start_to_close_timeout=EMIT_TIMEOUT)
    run.ctx.produced_events.append(event)
    return event, None
