"""Listing instances through Temporal visibility: the query, the summaries, and opaque page tokens."""

from __future__ import annotations

import base64
import binascii
import hashlib

from temporalio.client import WorkflowExecution

from swengine.api.models import InstanceSummary
from swengine.core.errors import InputError
from swengine.core.ir import (
    DEFINITION_TYPE_PREFIX,
    SEARCH_DEFINITION,
    WORKFLOW_NAME,
    workflow_type,
)
from swengine.runtime.service import STATUS_NAMES, definition_of

VISIBILITY_STATUS = {
    "running": "Running",
    "completed": "Completed",
    "failed": "Failed",
    "cancelled": "Canceled",
    "terminated": "Terminated",
    "timed_out": "TimedOut",
}


def visibility_query(definition: str | None, status_name: str | None) -> str:
    """Our interpreter's executions, by definition and status: by their workflow type, or, for instances
    started under the old single type, by their ``SwDefinition`` attribute.

    ``definition`` never holds a quote or backslash (the route's pattern refuses them).
    """
    if definition is None:
        ours = f"WorkflowType STARTS_WITH '{DEFINITION_TYPE_PREFIX}' OR WorkflowType = '{WORKFLOW_NAME}'"
    else:
        legacy = f"WorkflowType = '{WORKFLOW_NAME}' AND {SEARCH_DEFINITION} = '{definition}'"
        ours = f"WorkflowType = '{workflow_type(definition)}' OR ({legacy})"
    clauses = [f"({ours})"]
    if status_name is not None:
        clauses.append(f"ExecutionStatus = '{VISIBILITY_STATUS[status_name]}'")
    return " AND ".join(clauses)


def instance_summary(execution: WorkflowExecution) -> InstanceSummary:
    return InstanceSummary(
        instance_id=execution.id,
        run_id=execution.run_id,
        definition=definition_of(execution),
        status=STATUS_NAMES.get(execution.status, "unknown") if execution.status else "unknown",
        started_at=execution.start_time,
        closed_at=execution.close_time,
    )


def _bad_page_token() -> InputError:
    return InputError("page_token is not a token this API handed out", code="invalid_page_token")


def _checksum(token: bytes) -> str:
    return hashlib.sha256(token).hexdigest()[:12]


def encode_page_token(token: bytes) -> str:
    """Temporal's token with a checksum: a garbled token is refused here (Temporal answers one with an
    internal error, after retries)."""
    return f"{base64.urlsafe_b64encode(token).decode()}.{_checksum(token)}"


def decode_page_token(text: str | None) -> bytes | None:
    if text is None:
        return None
    encoded, _, checksum = text.rpartition(".")
    try:
        token = base64.b64decode(encoded.encode(), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise _bad_page_token() from None
    if not token or checksum != _checksum(token):
        raise _bad_page_token()
    return token
