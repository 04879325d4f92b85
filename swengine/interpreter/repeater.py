"""1.0 ``schedule.after``: one long-lived workflow per definition runs it as a child, waits for that run to end
(completed or faulted alike: a fault does not stop a schedule, as with ``every`` and ``cron``), sleeps
``after``, and starts it again. Children are abandoned when the repeater ends, so replacing the repeater on a
redeploy never cuts a run short. Its input is a plain mapping: ``run`` (the encoded ``RunRequest`` every run
starts with), ``after`` (ISO 8601), ``index`` (whether runs are indexed by our search attributes) and
``runs`` (how many were started before the last continue-as-new)."""

from __future__ import annotations

from typing import Any

from temporalio import workflow
from temporalio.common import TypedSearchAttributes
from temporalio.exceptions import ChildWorkflowError
from temporalio.workflow import ParentClosePolicy

from swengine.core.durations import parse_duration
from swengine.core.ir import REPEATER_NAME, WORKFLOW_NAME, workflow_type
from swengine.core.ir_codec import decode_run_request
from swengine.interpreter.events import search_index

RUNS_PER_HISTORY = 100
"""Runs one repeater execution starts before it continues as new, keeping its history short."""


@workflow.defn(name=REPEATER_NAME)
class Repeater:
    """Starts a definition again ``after`` each run ends, until the definition changes or goes."""

    @workflow.run
    async def run(self, plan: dict[str, Any]) -> None:
        ir = decode_run_request(plan["run"]).ir
        # a plan made since each definition has its own workflow type says so; an older one keeps the old type
        typed = bool(plan.get("typed"))
        index = search_index(ir, legacy=not typed) if plan.get("index") else TypedSearchAttributes.empty
        for _ in range(RUNS_PER_HISTORY):
            try:
                await workflow.execute_child_workflow(
                    workflow_type(ir.id) if typed else WORKFLOW_NAME,
                    plan["run"],
                    id=f"{ir.id}-scheduled-{workflow.uuid4()}",
                    parent_close_policy=ParentClosePolicy.ABANDON,
                    search_attributes=index,
                )
            except ChildWorkflowError:  # it faulted, or was cancelled or terminated: the schedule goes on
                workflow.logger.info("a scheduled run of %s did not complete", ir.id)
            await workflow.sleep(parse_duration(plan["after"]))
        workflow.continue_as_new({**plan, "runs": int(plan.get("runs", 0)) + RUNS_PER_HISTORY})
