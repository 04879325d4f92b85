"""Verbs for tests, tutorials and troubleshooting: echo, log and fail."""

from __future__ import annotations

import json
import logging
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from builtin_activities.arguments import (
    arguments_object,
    refuse,
    require_bool,
    require_choice,
    require_str,
)

LOG_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}
MAX_LOG_CHARS = 8 * 1024
"""Longest message, and longest rendering of ``data``, written to the log; the rest is cut, not refused."""
MAX_FAIL_CHARS = 4 * 1024
"""Longest ``type`` or ``message`` accepted by ``builtin.fail``."""


@activity.defn(name="builtin.echo")
async def echo(arguments: Any) -> Any:
    """Any arguments: returned unchanged ({} when there are none)."""
    return {} if arguments is None else arguments


@activity.defn(name="builtin.log")
async def log(arguments: Any) -> dict[str, bool]:
    """message: text; level?: debug|info|warning|error (default info); data?: any JSON, appended to the line."""
    args = arguments_object("log", arguments, required={"message": "a string"}, optional=("level", "data"))
    message = _cut(require_str("log", args, "message"))
    level = LOG_LEVELS[require_choice("log", args, "level", tuple(LOG_LEVELS), default="info")]
    extra: dict[str, Any] = {}
    if "data" in args:
        try:
            rendered = json.dumps(args["data"], ensure_ascii=False, separators=(",", ":"), default=str)
        except (ValueError, RecursionError):
            rendered = "<unrenderable data>"
        message = f"{message} data={_cut(rendered)}"
        extra["log_data"] = args["data"]
    activity.logger.log(level, "%s", message, extra=extra)
    return {"logged": True}


@activity.defn(name="builtin.fail")
async def fail(arguments: Any) -> Any:
    """type?: error type (default builtin_fail); message?: text; retryable?: bool (default false); details?: JSON."""
    args = arguments_object("fail", arguments, optional=("type", "message", "retryable", "details"))
    error_type = require_str("fail", args, "type", default="builtin_fail")
    message = require_str("fail", args, "message", default="failed on purpose by builtin.fail")
    for name, value in (("type", error_type), ("message", message)):
        if len(value) > MAX_FAIL_CHARS:
            refuse("fail", f"argument {name!r} is longer than {MAX_FAIL_CHARS} characters")
    if not error_type:
        refuse("fail", "argument 'type' must be a non-empty string")
    retryable = require_bool("fail", args, "retryable", default=False)
    details = [args["details"]] if "details" in args else []
    raise ApplicationError(message, *details, type=error_type, non_retryable=not retryable)


def _cut(text: str) -> str:
    if len(text) <= MAX_LOG_CHARS:
        return text
    return f"{text[:MAX_LOG_CHARS]}... ({len(text) - MAX_LOG_CHARS} more characters)"
