"""``dataInputSchema``: refuse workflow input that does not match, with a clear error (the schema applied by
``json_schema``, which never reaches outside it)."""

from __future__ import annotations

from typing import Any

from swengine.core.ir import WorkflowIR
from swengine.interpreter.failures import StateFailure
from swengine.interpreter.json_schema import schema_problems


def input_problems(ir: WorkflowIR, data: Any) -> list[str]:
    """Messages for every way ``data`` breaks the definition's input schema (empty when it fits)."""
    return [] if ir.data_input_schema is None else schema_problems(ir.data_input_schema, data)


def check_input(ir: WorkflowIR, data: Any) -> None:
    problems = input_problems(ir, data) if ir.fail_on_invalid_input else []
    if problems:
        raise StateFailure(
            "invalid_input", "workflow input does not match dataInputSchema: " + "; ".join(problems)
        )
