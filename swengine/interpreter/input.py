"""``dataInputSchema``: refuse workflow input that does not match, with a clear error (the schema applied by
``json_schema``, which never reaches outside it)."""

from __future__ import annotations

from typing import Any

from swengine.core.ir import TasksState, WorkflowIR
from swengine.interpreter.failures import StateFailure
from swengine.interpreter.json_schema import schema_problems
from swengine.interpreter.tasks.errors import fault_of


def input_problems(ir: WorkflowIR, data: Any) -> list[str]:
    """Messages for every way ``data`` breaks the definition's input schema (empty when it fits)."""
    return [] if ir.data_input_schema is None else schema_problems(ir.data_input_schema, data)


def check_input(ir: WorkflowIR, data: Any) -> None:
    """Refuse input the schema refuses: a 1.0 document faults with a ``validation`` error (so a parent's
    ``catch`` of that type takes it), a 0.8 one fails with ``invalid_input``."""
    problems = input_problems(ir, data) if ir.fail_on_invalid_input else []
    if problems:
        failure = StateFailure(
            "invalid_input", "workflow input does not match dataInputSchema: " + "; ".join(problems)
        )
        raise fault_of(failure, "/") if any(isinstance(s, TasksState) for s in ir.states) else failure
