"""``dataInputSchema``: refuse workflow input that does not match, with a clear error."""

from __future__ import annotations

from typing import Any

import jsonschema

from swengine.core.ir import WorkflowIR
from swengine.interpreter.failures import StateFailure


def input_problems(ir: WorkflowIR, data: Any) -> list[str]:
    """Messages for every way ``data`` breaks the definition's input schema (empty when it fits)."""
    if ir.data_input_schema is None:
        return []
    validator = jsonschema.Draft202012Validator(ir.data_input_schema)
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in validator.iter_errors(data)
    ]


def check_input(ir: WorkflowIR, data: Any) -> None:
    problems = input_problems(ir, data) if ir.fail_on_invalid_input else []
    if problems:
        raise StateFailure(
            "invalid_input", "workflow input does not match dataInputSchema: " + "; ".join(problems)
        )
