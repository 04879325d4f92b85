"""Compensation: undo completed states in the reverse order of their completion (spec 0.8)."""

from __future__ import annotations

from typing import Any

from swengine.interpreter.context import RunContext
from swengine.interpreter.failures import StateFailure


async def compensate(ctx: RunContext, data: Any) -> Any:
    """Run each completed state's ``compensatedBy`` chain, newest first; a failure here is unrecoverable."""
    from swengine.interpreter.states import executor_for  # states import actions, which import this package

    pending = list(reversed(ctx.completed_for_compensation))
    ctx.completed_for_compensation.clear()
    for name in pending:
        target = ctx.states[name].compensated_by
        ctx.progress.compensated(name)
        while target is not None:
            state = ctx.states[target]
            ctx.visited.append(state.name)
            step = ctx.progress.begin(state.name)
            try:
                step_data = ctx.evaluate(state.input_filter, data)
                step_data, transition = await executor_for(state.kind)(state, step_data, ctx)
                data = ctx.evaluate(state.output_filter, step_data)
                step.outcome = "completed"
            except StateFailure as failure:
                step.outcome, step.error = "failed", failure.code
                message = f"compensation state '{state.name}': {failure.message}"
                raise StateFailure("compensation_failed", message) from failure
            target = transition.next_state
    return data
