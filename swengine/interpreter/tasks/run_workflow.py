"""``run.workflow``: another definition (``namespace/name`` at ``version``) as a child workflow, bundled at
start like 0.8 subflows; with ``await: false`` it is started and the task output is its input."""

from __future__ import annotations

from typing import Any

from temporalio import workflow
from temporalio.workflow import ParentClosePolicy

from swengine.core.ir_tasks import RunWorkflowTask
from swengine.interpreter.children import by_definition_type, child_request, child_type
from swengine.interpreter.events import search_index
from swengine.interpreter.failures import StateFailure
from swengine.interpreter.tasks.run import Outcome, TaskRun, Variables

INDEXED_PATCH = "run-workflow-indexed"
"""Children started before it carry no search attributes (the router never found them)."""


async def execute_run(task: RunWorkflowTask, data: Any, run: TaskRun, variables: Variables) -> Outcome:
    ctx = run.ctx
    key = f"{task.workflow_id}@{task.version}" if task.version else task.workflow_id
    child = ctx.request.subflows.get(key) or ctx.request.subflows.get(task.workflow_id)
    if child is None:
        raise StateFailure("subflow_not_found", f"workflow '{key}' is not deployed")
    child_input = data if task.input is None else run.evaluate(task.input, data, variables)
    request = child_request(ctx, child, child_input)
    child_id = ctx.next_child_id(workflow.info().workflow_id, task.workflow_id)
    # Indexed like a top-level instance (as 0.8 subflows are), so the event router finds a child that listens.
    indexed = ctx.request.index_correlation and workflow.patched(INDEXED_PATCH)
    index = search_index(child, legacy=not by_definition_type()) if indexed else None
    if not task.wait:
        close = ParentClosePolicy.ABANDON
        await workflow.start_child_workflow(
            child_type(child), request, id=child_id, parent_close_policy=close, search_attributes=index
        )
        return data, None
    kind = child_type(child)
    return await workflow.execute_child_workflow(kind, request, id=child_id, search_attributes=index), None
