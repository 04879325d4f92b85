"""``call``: an activity by name (``http`` through the engine's HTTP activity, an operator's activity, a
function of ``use.functions``); its result is the task output."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from temporalio import workflow
from temporalio.common import RetryPolicy

from swengine.core.ir import RETRY_NO_ERRORS
from swengine.core.ir_tasks import HTTP_ACTIVITY, SECRET_READERS, CallTask
from swengine.core.secret_markers import GRANT
from swengine.interpreter.tasks.run import Outcome, TaskRun, Variables
from swengine.interpreter.telemetry import activity_summary

CALL_TIMEOUT = timedelta(minutes=10)
"""Each attempt's bound when the task has no ``timeout`` (a worker that dies mid-call is retried)."""
NO_APPLICATION_RETRIES = RetryPolicy(non_retryable_error_types=[RETRY_NO_ERRORS])
"""Retrying is the document's choice (``try``/``catch.retry``); only lost workers are retried here."""
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


async def execute_call(task: CallTask, data: Any, run: TaskRun, variables: Variables) -> Outcome:
    payload = data if task.arguments is None else run.evaluate(task.arguments, data, variables)
    if task.activity == HTTP_ACTIVITY:
        payload = _with_uri_filled(payload, data)
    grant = run.secret_grant() if task.activity in SECRET_READERS else None
    if grant is not None and isinstance(payload, dict):
        payload = {**payload, GRANT: grant}
    options: dict[str, Any] = {"start_to_close_timeout": CALL_TIMEOUT, "retry_policy": NO_APPLICATION_RETRIES}
    if task.local:
        output = await workflow.execute_local_activity(task.activity, payload, **options)
    else:
        summary = activity_summary(task.activity, task.name)
        output = await workflow.execute_activity(task.activity, payload, summary=summary, **options)
    return output, None


def _with_uri_filled(payload: Any, data: Any) -> Any:
    """URI templates (``/pet/{petId}``) take top-level values of the task input, percent-encoded as RFC 6570's
    simple expansion does: a value can never add a path segment, a query or a fragment."""
    arguments = payload.get("arguments") if isinstance(payload, dict) else None
    if not isinstance(arguments, dict) or not isinstance(data, dict):
        return payload
    endpoint = arguments.get("endpoint")
    uri = endpoint.get("uri") if isinstance(endpoint, dict) else endpoint
    if not isinstance(uri, str):
        return payload
    filled = _PLACEHOLDER.sub(lambda m: _expanded(data[m[1]]) if m[1] in data else m[0], uri)
    endpoint = {**endpoint, "uri": filled} if isinstance(endpoint, dict) else filled
    return {**payload, "arguments": {**arguments, "endpoint": endpoint}}


def _expanded(value: Any) -> str:
    """One value in a URI: its text (JSON's, for what is not a string), every reserved character escaped."""
    return quote(value if isinstance(value, str) else json.dumps(value, separators=(",", ":")), safe="")
