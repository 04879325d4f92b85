"""Turning whatever went wrong inside a state into one catchable ``StateFailure`` with a stable code."""

from __future__ import annotations

from temporalio.exceptions import (
    ActivityError,
    ApplicationError,
    CancelledError,
    ChildWorkflowError,
    FailureError,
)
from temporalio.exceptions import (
    TimeoutError as TemporalTimeoutError,
)

from swengine.core.errors import SwengineError
from swengine.core.ir import ErrorHandler


class StateFailure(Exception):
    """A state failed; ``code`` is what ``onErrors`` matches (an error name or code)."""

    def __init__(self, code: str, message: str, *, state: str | None = None, details: object = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.state = state
        self.details = details

    def to_application_error(self) -> ApplicationError:
        where = f"state '{self.state}': " if self.state else ""
        return ApplicationError(f"{where}{self.message}", self.details, type=self.code, non_retryable=True)


def _from_failure(err: FailureError) -> StateFailure:
    """Walk a Temporal failure chain down to the most specific cause."""
    cause: BaseException | None = err
    while isinstance(cause, (ActivityError, ChildWorkflowError)) and cause.cause is not None:
        cause = cause.cause
    if isinstance(cause, ApplicationError):
        details = cause.details[0] if cause.details else None
        return StateFailure(cause.type or "error", cause.message, details=details)
    if isinstance(cause, TemporalTimeoutError):
        return StateFailure("timeout", f"timed out ({cause.type.name.lower() if cause.type else 'timeout'})")
    if isinstance(cause, CancelledError):
        return StateFailure("cancelled", cause.message or "cancelled")
    return StateFailure("error", str(cause))


def to_state_failure(err: BaseException) -> StateFailure | None:
    """Normalise an exception raised while running a state; None means "not ours to handle, re-raise"."""
    if isinstance(err, StateFailure):
        return err
    if isinstance(err, SwengineError):
        return StateFailure(err.code, err.message)
    if isinstance(err, FailureError):
        return _from_failure(err)
    if isinstance(err, TimeoutError):
        return StateFailure("timeout", "state execution timed out")
    if isinstance(err, RecursionError):  # unhandled, it would fail the workflow task again and again
        return StateFailure("nesting_too_deep", "the data nests too deeply to process")
    return None


def find_handler(handlers: list[ErrorHandler], failure: StateFailure) -> ErrorHandler | None:
    """The first ``onErrors`` entry naming the failure's code (spec order); None when unhandled."""
    for handler in handlers:
        if handler.errors is None or failure.code in handler.errors:
            return handler
    return None
