"""Timeouts: workflow-level defaults, overridden per state (and per parallel branch)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from swengine.compiler.context import CompileContext, compile_error
from swengine.core import ir


@dataclass(frozen=True, kw_only=True, slots=True)
class WorkflowExecTimeout:
    duration: str | None = None
    interrupt: bool = True
    """The 0.8 schema's default (its prose says false; the schema is what tools validate against)."""
    run_before: str | None = None


def default_timeouts(data: dict[str, Any]) -> ir.StateTimeouts:
    """The top-level ``timeouts`` as defaults for every state."""
    return _override(ir.StateTimeouts(), _timeouts_object(data.get("timeouts"), "workflow"))


def state_timeouts(state: dict[str, Any], ctx: CompileContext) -> ir.StateTimeouts:
    """The state's own ``timeouts`` over the workflow defaults."""
    where = f"state {state.get('name')!r}"
    return _override(ctx.timeouts, _timeouts_object(state.get("timeouts"), where))


def branch_timeouts(branch: dict[str, Any], state: ir.StateTimeouts) -> ir.StateTimeouts:
    """A parallel branch's ``timeouts`` over its state's (which already carry the workflow defaults)."""
    return _override(state, _timeouts_object(branch.get("timeouts"), f"branch {branch.get('name')!r}"))


def workflow_exec_timeout(value: Any) -> WorkflowExecTimeout:
    """``workflowExecTimeout``: a duration string or ``{duration, interrupt, runBefore}``."""
    if value is None:
        return WorkflowExecTimeout()
    if isinstance(value, str):
        return WorkflowExecTimeout(duration=value)
    if isinstance(value, dict) and isinstance(value.get("duration"), str):
        return WorkflowExecTimeout(
            duration=value["duration"],
            interrupt=bool(value.get("interrupt", True)),
            run_before=value.get("runBefore"),
        )
    raise compile_error(f"workflowExecTimeout must be a duration or an object with one, got {value!r}")


def workflow_timeouts(data: dict[str, Any]) -> WorkflowExecTimeout:
    return workflow_exec_timeout(
        _timeouts_object(data.get("timeouts"), "workflow").get("workflowExecTimeout")
    )


def _timeouts_object(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise compile_error(f"timeouts of the {where} must be an object (the loader resolves references)")
    return value


def _override(base: ir.StateTimeouts, spec: dict[str, Any]) -> ir.StateTimeouts:
    state_exec = _state_exec(spec.get("stateExecTimeout"))
    return ir.StateTimeouts(
        state_exec=state_exec if state_exec is not None else base.state_exec,
        action_exec=spec.get("actionExecTimeout") or base.action_exec,
        event_timeout=spec.get("eventTimeout") or base.event_timeout,
        branch_exec=spec.get("branchExecTimeout") or base.branch_exec,
    )


def _state_exec(value: Any) -> str | None:
    """``stateExecTimeout``: a string is the total; of ``{single, total}`` only ``total`` is kept."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("total"), str):
        return value["total"]
    raise compile_error(f"stateExecTimeout must be a duration or {{total, single}}, got {value!r}")
