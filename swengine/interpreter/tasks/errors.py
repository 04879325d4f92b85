"""1.0 errors as RFC 7807 objects (types in ``core.task_errors``): turning any failure into one, and the
``catch.errors.with`` match."""

from __future__ import annotations

from typing import Any

from temporalio.exceptions import ApplicationError

from swengine.core.ir_tasks import ErrorFilter
from swengine.core.task_errors import STANDARD_STATUS, short_type, standard_error
from swengine.interpreter.failures import StateFailure

ENGINE_CODES = {
    "invalid_expression": "expression",
    "expression_error": "expression",
    "expression_limit_exceeded": "expression",
    "forbidden_builtin": "expression",
    "timeout": "timeout",
    "workflow_timeout": "timeout",
    "rest_not_allowed": "authorization",
    "http_not_allowed": "authorization",
    "invalid_input": "validation",
    "subflow_not_found": "configuration",
}
"""Our stable failure codes and the standard 1.0 type each becomes; anything else is ``runtime``."""


class TaskFault(StateFailure):
    """A 1.0 task faulted with ``error`` (RFC 7807); the instance fails with it unless a ``try`` catches it."""

    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(short_type(str(error.get("type"))), str(error.get("title") or error.get("type")))
        self.details = self.error = error

    def to_application_error(self) -> ApplicationError:
        """The instance's failure: its type is the short type (``timeout``), its one detail the error object."""
        return ApplicationError(self.message, self.error, type=self.code, non_retryable=True)


def fault_of(failure: StateFailure, instance: str) -> TaskFault:
    """Any failure inside a task as a 1.0 fault located at that task (an inner task's location is kept)."""
    if isinstance(failure, TaskFault):
        return failure
    details = failure.details
    if isinstance(details, dict) and "type" in details and "status" in details:
        error = {"instance": instance, **details}
    else:
        name = ENGINE_CODES.get(failure.code) or (
            failure.code if failure.code in STANDARD_STATUS else "runtime"
        )
        error = standard_error(name, failure.message, instance=instance)
        if name == "runtime" and failure.code not in ("error", "runtime"):
            error["detail"] = f"{failure.code}: {failure.message}"
    return TaskFault(error)


def matches(errors: ErrorFilter, error: dict[str, Any]) -> bool:
    """Every property the filter gives equals the error's; types compare by standard name across bases."""
    if errors.type is not None and short_type(errors.type) != short_type(str(error.get("type"))):
        return False
    given = {
        "status": errors.status,
        "instance": errors.instance,
        "title": errors.title,
        "detail": errors.detail,
    }
    return all(value is None or error.get(key) == value for key, value in given.items())
