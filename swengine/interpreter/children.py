"""How a child workflow starts (0.8 subflows and 1.0 ``run.workflow`` alike): its request and its type."""

from __future__ import annotations

from typing import Any

from temporalio import workflow

from swengine.core.ir import WORKFLOW_NAME, RunRequest, WorkflowIR, definition_of_type, workflow_type
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


def by_definition_type() -> bool:
    """Whether this instance runs under its definition's own workflow type: then what it starts (children,
    a run continued as another definition) does too. One started under the old single type keeps starting
    under it, so its history replays unchanged."""
    return definition_of_type(workflow.info().workflow_type) is not None


def child_type(child: WorkflowIR) -> str:
    """The workflow type a child of this instance starts under."""
    return workflow_type(child.id) if by_definition_type() else WORKFLOW_NAME
