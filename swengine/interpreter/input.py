"""``dataInputSchema``: refuse workflow input that does not match, with a clear error.

The schema is self-contained (the loader embedded every file it references), so the validator resolves
nothing from outside: its registry refuses every URI, and an unresolvable reference (a definition stored
before schemas were bundled) is a problem with the input's start, never a fetch, a file read or a 500.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, NoReturn

import jsonschema
from referencing import Registry
from referencing.exceptions import NoSuchResource, Unresolvable

from swengine.core.ir import WorkflowIR
from swengine.interpreter.failures import StateFailure


def _refuse(uri: str) -> NoReturn:
    raise NoSuchResource(ref=uri)  # type: ignore[call-arg]  # attrs class, its stub lacks the field


NOTHING_OUTSIDE: Registry[Any] = Registry(retrieve=_refuse)  # type: ignore[call-arg]


@lru_cache(maxsize=256)
def _validator(schema_json: str) -> jsonschema.Draft202012Validator:
    """Built once per schema (by its JSON text), not at every start."""
    return jsonschema.Draft202012Validator(json.loads(schema_json), registry=NOTHING_OUTSIDE)


def input_problems(ir: WorkflowIR, data: Any) -> list[str]:
    """Messages for every way ``data`` breaks the definition's input schema (empty when it fits)."""
    if ir.data_input_schema is None:
        return []
    validator = _validator(json.dumps(ir.data_input_schema, sort_keys=True))
    try:
        return [
            f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
            for e in validator.iter_errors(data)
        ]
    except Unresolvable as unresolvable:
        return [f"dataInputSchema refers to {unresolvable.ref!r}, which is not inside the schema"]


def check_input(ir: WorkflowIR, data: Any) -> None:
    problems = input_problems(ir, data) if ir.fail_on_invalid_input else []
    if problems:
        raise StateFailure(
            "invalid_input", "workflow input does not match dataInputSchema: " + "; ".join(problems)
        )
