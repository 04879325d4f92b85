"""The request a child workflow starts with (0.8 subflows and 1.0 ``run.workflow`` alike)."""

from __future__ import annotations

from typing import Any

from temporalio import workflow

from swengine.core.ir import RunRequest, WorkflowIR
from swengine.core.ir_codec import encode
from swengine.interpreter.context import RunContext


def child_request(ctx: RunContext, child: WorkflowIR, data: Any) -> Any:
    """The child carries the bundled definitions and belongs to its parent's correlation session."""
    return encode(
        RunRequest(
            ir=child,
            input=data,
            subflows=ctx.request.subflows,
            parent_id=workflow.info().workflow_id,
            correlation=dict(ctx.inbox.correlation),
            index_correlation=ctx.request.index_correlation,
            lifecycle_events=ctx.request.lifecycle_events,
        )
    )
