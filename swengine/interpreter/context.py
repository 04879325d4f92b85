"""The per-instance run context shared by every state executor: IR, variables, event inbox, progress."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from temporalio import workflow

from swengine import expressions
from swengine.core import json_merge
from swengine.core.ir import CONSTANTS_VARIABLE, RunRequest, State, WorkflowIR
from swengine.core.json_size import JsonSizer
from swengine.interpreter.dialects import dialect_variables
from swengine.interpreter.inbox import Inbox
from swengine.interpreter.lifecycle import Lifecycle
from swengine.interpreter.progress import Progress
from swengine.interpreter.telemetry import StateDurations


@dataclass
class RunContext:
    """Mutable bookkeeping of one running instance (lives only inside the workflow)."""

    request: RunRequest
    inbox: Inbox
    states: dict[str, State] = field(default_factory=dict)
    positions: dict[str, int] = field(default_factory=dict)
    """Each state's index in the document (a lifecycle event names a 0.8 state by its JSON pointer)."""
    visited: list[str] = field(default_factory=list)
    current_state: str | None = None
    data: Any = None
    produced_events: list[dict[str, Any]] = field(default_factory=list)
    completed_for_compensation: list[str] = field(default_factory=list)
    child_counter: int = 0
    dialect_variables: dict[str, Any] = field(default_factory=dict)
    progress: Progress = field(default_factory=Progress)
    data_size: JsonSizer = field(default_factory=JsonSizer)
    """Measures each state's output for the payload limit, re-serialising only what the state changed."""
    checked: expressions.Checked = field(default_factory=expressions.checked_containers)
    """Containers this instance's jq answers showed unchanged (not walked again by the next answer)."""
    state_durations: StateDurations = field(default_factory=lambda: StateDurations(""))
    lifecycle: Lifecycle = field(default_factory=lambda: Lifecycle(False))
    suspended: bool = False
    """Suspended through the API: no further state or task starts until it is resumed."""

    @classmethod
    def create(cls, request: RunRequest, inbox: Inbox) -> RunContext:
        ctx = cls(request=request, inbox=inbox, visited=list(request.visited))
        ctx.states = {state.name: state for state in request.ir.states}
        ctx.positions = {state.name: index for index, state in enumerate(request.ir.states)}
        ctx.dialect_variables = dialect_variables(request)
        ctx.state_durations = StateDurations(request.ir.id)
        return ctx

    async def unless_suspended(self) -> None:
        """Wait while suspended (a timer-free wait: it adds nothing to the history)."""
        if self.suspended:
            await workflow.wait_condition(lambda: not self.suspended)

    @property
    def ir(self) -> WorkflowIR:
        return self.request.ir

    def variables(self, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        """Variables every expression sees: ``$CONST``, the dialect's, and any iteration parameters."""
        base = {CONSTANTS_VARIABLE: self.ir.constants, **self.dialect_variables}
        if extra:
            base.update(extra)
        return base

    def evaluate(self, expr: str | None, data: Any, extra: dict[str, Any] | None = None) -> Any:
        """Evaluate a jq expression against ``data``; a missing expression passes data through."""
        if expr is None:
            return data
        return expressions.evaluate(expr, data, self.variables(extra), checked=self.checked)

    def evaluate_bool(self, expr: str, data: Any, extra: dict[str, Any] | None = None) -> bool:
        return expressions.evaluate_bool(expr, data, self.variables(extra))

    def merge_into(
        self, data: Any, to_state_data: str | None, value: Any, extra: dict[str, Any] | None = None
    ) -> Any:
        """Merge ``value`` into ``data`` at the place ``to_state_data`` designates (0.8 merging rules)."""
        path = None
        if to_state_data is not None:
            path = expressions.evaluate_path(to_state_data, data, self.variables(extra))
        return json_merge.merge_at(data, path, value)

    def next_child_id(self, workflow_id: str, label: str) -> str:
        self.child_counter += 1
        return f"{workflow_id}/{label}/{self.child_counter}"

    def status(self, status: str) -> dict[str, Any]:
        return {
            "status": status,
            "definition": {
                "id": self.ir.id,
                "version": self.ir.version,
                "content_hash": self.ir.content_hash,
            },
            "current_state": self.current_state,
            "suspended": self.suspended,
            "data": self.data,
            "visited": list(self.visited),
            "produced_events": list(self.produced_events),
            "pending_events": self.inbox.pending_count(),
            **self.progress.view(),
            "unconsumed_events": [
                {key: event.get(key) for key in ("id", "type", "source")} for event in self.inbox.pending()
            ],
            "dropped_events": list(self.inbox.dropped),
        }
