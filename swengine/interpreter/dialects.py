"""Expression variables a dialect adds: SonataFlow's ``$WORKFLOW`` (its ``KogitoProcessContextResolver`` keys)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from temporalio import workflow

from swengine.core.ir import RunRequest


def _standard(request: RunRequest) -> dict[str, Any]:
    return {}


def _sonataflow(request: RunRequest) -> dict[str, Any]:
    """``instanceId``, ``id``, ``name``, ``input`` and ``headers`` (none: events and API calls carry no headers
    into expressions here)."""
    ir = request.ir
    facts = {
        "instanceId": workflow.info().workflow_id,
        "id": ir.id,
        "name": ir.name or ir.id,
        "input": request.input,
        "headers": {},
    }
    return {"WORKFLOW": facts}


DIALECT_VARIABLES: dict[str, Callable[[RunRequest], dict[str, Any]]] = {
    "standard": _standard,
    "sonataflow": _sonataflow,
}


def dialect_variables(request: RunRequest) -> dict[str, Any]:
    return DIALECT_VARIABLES.get(request.ir.dialect, _standard)(request)
