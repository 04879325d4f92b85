"""The state a 1.0 definition compiles to: the workflow's input/output and timeout around its task tree."""

from __future__ import annotations

import asyncio
from typing import Any

from temporalio import workflow

from swengine.core.durations import parse_duration
from swengine.core.ir import TasksState, Transition
from swengine.core.task_errors import standard_error
from swengine.interpreter.context import RunContext
from swengine.interpreter.failures import to_state_failure
from swengine.interpreter.tasks import TASK_EXECUTORS
from swengine.interpreter.tasks.errors import TaskFault, fault_of
from swengine.interpreter.tasks.run import TaskRun, moment
from swengine.interpreter.tasks.schemas import check_schema


async def execute_tasks(state: TasksState, data: Any, ctx: RunContext) -> tuple[Any, Transition]:
    """The workflow's input, its tasks, its output; whatever fails outside a task faults at ``/``."""
    run = TaskRun(ctx=ctx, state=state, executors=TASK_EXECUTORS)
    if state.secrets:
        # Only documents that declare secrets (refused before) draw the nonce: older histories replay as they were.
        run.secret_nonce = workflow.uuid4().hex
    info = workflow.info()
    run.workflow_info = {
        "id": info.workflow_id,
        "definition": {"document": state.document},
        "input": data,
        "startedAt": moment(info.start_time),
    }
    try:
        return await _run_workflow(run, state, data), state.transition
    except Exception as err:
        failure = to_state_failure(err)
        if failure is None:
            raise
        raise fault_of(failure, "/") from None


async def _run_workflow(run: TaskRun, state: TasksState, data: Any) -> Any:
    data = run.evaluate(state.input_from, data, {"input": data})
    work = run.run_list(state.tasks, data, {})
    if state.timeout is None:
        output, _ = await work
    else:
        try:
            output, _ = await asyncio.wait_for(work, parse_duration(state.timeout).total_seconds())
        except TimeoutError:
            title = f"the workflow did not finish within {state.timeout}"
            raise TaskFault(standard_error("timeout", title, instance="/")) from None
    output = run.evaluate(state.output_as, output, {"input": data, "output": output})
    check_schema(state.output_schema, output, "the workflow output", "/")
    return output
