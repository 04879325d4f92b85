"""The standard error types of DSL 1.0 (RFC 7807 objects): shared by the interpreter and engine activities."""

from __future__ import annotations

from typing import Any

ERROR_BASE = "https://serverlessworkflow.io/spec/1.0.0/errors/"
"""Where the standard error types live; the errors swengine raises use this base."""
ERROR_ALIASES = (
    ERROR_BASE,
    "https://open-workflow-specification.org/spec/1.0.0/errors/",
    "https://serverlessworkflow.io/dsl/errors/types/",
)
"""Bases under which a standard type's name matches in ``catch`` (the project's new name, and the CTK's)."""
STANDARD_STATUS = {
    "configuration": 400,
    "validation": 400,
    "expression": 400,
    "authentication": 401,
    "authorization": 403,
    "timeout": 408,
    "communication": 500,
    "runtime": 500,
}


def standard_error(
    name: str, title: str, *, instance: str = "/", status: int | None = None, detail: str | None = None
) -> dict[str, Any]:
    """An error of a standard type; ``status`` overrides the type's own (a communication error's HTTP status)."""
    error: dict[str, Any] = {
        "type": ERROR_BASE + name,
        "status": status or STANDARD_STATUS[name],
        "instance": instance,
        "title": title,
    }
    if detail:
        error["detail"] = detail
    return error


def short_type(error_type: str) -> str:
    """``timeout`` for a standard type under any known base (what an ApplicationError's type says), else as is."""
    for base in ERROR_ALIASES:
        name = error_type.removeprefix(base)
        if name != error_type and name in STANDARD_STATUS:
            return name
    return error_type


def is_task_error(value: Any) -> bool:
    """Whether ``value`` is a 1.0 error object (what a failed 1.0 instance reports as its details)."""
    return (
        isinstance(value, dict)
        and isinstance(value.get("type"), str)
        and isinstance(value.get("status"), int)
    )
