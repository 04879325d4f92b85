"""One running 1.0 task tree: the task envelope (``if``, input/output/export, ``timeout``, ``then``) around
one executor per task kind, the runtime expression arguments, and flow directives scoped to their list."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow

from swengine import expressions
from swengine.core.durations import parse_duration
from swengine.core.ir import PAUSE_ACTIVITY, TasksState
from swengine.core.ir_tasks import Task
from swengine.core.secret_markers import skeleton
from swengine.core.task_errors import standard_error
from swengine.interpreter.context import RunContext
from swengine.interpreter.failures import to_state_failure
from swengine.interpreter.tasks.errors import TaskFault, fault_of
from swengine.interpreter.tasks.schemas import check_schema

RUNTIME = {"name": "swengine", "version": "1.0", "metadata": {}}
"""``$runtime``: who runs the workflow."""
TASKS_PER_PAUSE = 500
"""Tasks run between two pauses. A loop of set and switch tasks never waits on Temporal, so it would hold the
workflow thread past the SDK's deadlock detector (2 s); a pause ends the activation now and then."""
PAUSE = timedelta(milliseconds=1)
"""How runs before the ``PAUSE_PATCH`` paused: a timer, which waits for the server's timer processing (about a
second a pause on the dev server: a loop of 1,000 tasks took two seconds)."""
PAUSE_PATCH = "pause-locally"
PAUSE_TIMEOUT = timedelta(seconds=10)
VISITED_KEPT = 1000
"""Task pointers the status keeps (the most recent): a long loop must not grow the query's answer forever."""

Variables = dict[str, Any]
Outcome = tuple[Any, str | None]
"""A task's output and the flow directive it asks for (None: its own ``then``, or the next task)."""
Executor = Callable[[Any, Any, "TaskRun", Variables], Awaitable[Outcome]]


def moment(when: datetime) -> dict[str, Any]:
    """The spec's date-time descriptor: ISO 8601 and epoch."""
    millis = int(when.timestamp() * 1000)
    return {"iso8601": when.isoformat(), "epoch": {"seconds": millis // 1000, "milliseconds": millis}}


@dataclass
class TaskRun:
    """The state of one instance's task tree: ``$context``, ``$workflow`` and the executors by kind."""

    ctx: RunContext
    state: TasksState
    executors: dict[str, Executor]
    context: Any = field(default_factory=dict)
    workflow_info: dict[str, Any] = field(default_factory=dict)
    tasks_run: int = 0
    secret_nonce: str | None = None
    """Drawn once per run when the document declares secrets: ``$secrets`` holds markers carrying it."""

    def arguments(self, variables: Variables) -> Variables:
        """Every runtime expression argument (``$context``, ``$workflow`` ...) plus the local ones."""
        found = {"context": self.context, "workflow": self.workflow_info, "runtime": RUNTIME, **variables}
        if self.secret_nonce is not None:
            found["secrets"] = skeleton(self.secret_nonce, self.state.secret_paths)
        return found

    def secret_grant(self) -> dict[str, Any] | None:
        """What an engine activity needs to put this run's secrets in place of their markers."""
        if self.secret_nonce is None:
            return None
        return {"nonce": self.secret_nonce, "names": list(self.state.secrets)}

    def evaluate(self, expr: str | None, data: Any, variables: Variables) -> Any:
        if expr is None:
            return data
        return expressions.evaluate(expr, data, self.arguments(variables), checked=self.ctx.checked)

    def truthy(self, expr: str, data: Any, variables: Variables) -> bool:
        return expressions.evaluate_bool(expr, data, self.arguments(variables))

    async def run_list(self, tasks: list[Task], data: Any, variables: Variables) -> tuple[Any, bool]:
        """Run a task list from its first task, following directives; (output, whether ``end`` was reached)."""
        positions = {task.name: index for index, task in enumerate(tasks)}
        index = 0
        while index < len(tasks):
            data, directive = await self.run_task(tasks[index], data, variables)
            if directive == "end":
                return data, True
            if directive == "exit":
                return data, False
            index = index + 1 if directive in (None, "continue") else positions[directive]
        return data, False

    async def run_task(self, task: Task, data: Any, variables: Variables) -> Outcome:
        """One task in its envelope; any failure becomes a fault located at the task."""
        await self.ctx.unless_suspended()
        self.ctx.current_state = task.pointer
        self.ctx.visited.append(task.pointer)
        if len(self.ctx.visited) > 2 * VISITED_KEPT:
            del self.ctx.visited[:-VISITED_KEPT]
        self.tasks_run += 1
        if self.tasks_run % TASKS_PER_PAUSE == 0:
            await self._pause()
        described = {"name": task.name, "reference": task.pointer, "input": data}
        described["startedAt"] = moment(workflow.now())
        local = {**variables, "task": described, "input": data}
        lifecycle = self.ctx.lifecycle
        try:
            if task.when is not None and not self.truthy(task.when, data, local):
                return data, task.then  # skipped: the output is the raw input, the flow goes on
            await lifecycle.task(("created", "started"), task.pointer)
            if task.kind == "listen":
                await lifecycle.workflow("correlation-started")
            check_schema(task.input_schema, data, "the input", task.pointer)
            task_input = self.evaluate(task.input_from, data, local)
            local["input"] = task_input
            output, directive = await self._execute(task, task_input, local)
            # a new $task, not the old one changed: values expressions have seen are never mutated
            local["task"] = described = {**described, "output": output}
            local["output"] = output
            output = self.evaluate(task.output_as, output, local)
            check_schema(task.output_schema, output, "the output", task.pointer)
            if task.export_as is not None:
                self.context = self.evaluate(task.export_as, output, {**local, "output": output})
                check_schema(task.export_schema, self.context, "the exported context", task.pointer)
        except asyncio.CancelledError:
            await lifecycle.task(("cancelled",), task.pointer)
            raise
        except Exception as err:
            failure = to_state_failure(err)
            if failure is None:
                raise
            fault = fault_of(failure, task.pointer)
            await lifecycle.task(("faulted",), task.pointer, error=fault.error)
            raise fault from None
        if task.kind == "listen":
            await lifecycle.workflow(
                "correlation-completed", correlationKeys=dict(self.ctx.inbox.correlation)
            )
        await lifecycle.task(("completed",), task.pointer, output=output)
        return output, directive or task.then

    @staticmethod
    async def _pause() -> None:
        """End this activation; the next follows at once (``activities/pause.py``)."""
        if workflow.patched(PAUSE_PATCH):
            await workflow.execute_local_activity(PAUSE_ACTIVITY, start_to_close_timeout=PAUSE_TIMEOUT)
        else:
            await workflow.sleep(PAUSE)

    async def _execute(self, task: Task, data: Any, variables: Variables) -> Outcome:
        work = self.executors[task.kind](task, data, self, variables)
        if task.timeout is None:
            return await work
        seconds = parse_duration(task.timeout).total_seconds()
        try:
            return await asyncio.wait_for(work, seconds)
        except TimeoutError:
            title = f"task '{task.name}' did not finish within {task.timeout}"
            raise TaskFault(standard_error("timeout", title, instance=task.pointer)) from None
