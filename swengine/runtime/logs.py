"""One log line per event, as text or JSON, for every part of a process: ours, the SDK's, and the Temporal
core's Rust lines (forwarded into Python logging instead of being printed in colour on their own).

A failure with a stable code (a function's ``ApplicationError``, one of our ``SwengineError``) is expected:
its line carries the code and message, never a traceback. Unexpected exceptions keep theirs.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from temporalio.exceptions import ApplicationError
from temporalio.runtime import LogForwardingConfig, LoggingConfig, PrometheusConfig, Runtime, TelemetryConfig

from swengine.core.errors import SwengineError

FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def _expected(error: BaseException | None) -> tuple[str, str] | None:
    """(code, message) of an expected failure, found along the cause chain; None for anything else."""
    seen = 0
    while error is not None and seen < 20:
        if isinstance(error, ApplicationError):
            return error.type or "error", error.message
        if isinstance(error, SwengineError):
            return error.code, error.message
        error = error.__cause__ or getattr(error, "cause", None)
        seen += 1
    return None


class ExpectedFailures(logging.Filter):
    """Replaces the traceback of an expected failure by its code and message."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            expected = _expected(record.exc_info[1])
            if expected is not None:
                record.msg = f"{record.getMessage()}: {expected[0]}: {expected[1]}"
                record.args = ()
                record.exc_info = None
                record.exc_text = None
                setattr(record, "code", expected[0])  # noqa: B010 - an extra attribute, as logging allows
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and code or error when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        code = getattr(record, "code", None)
        if code:
            entry["code"] = code
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure(*, level: int, log_format: str) -> None:
    """Route every log record through one handler on stderr in ``log_format``."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(ExpectedFailures())
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)


def install_runtime(metrics_address: str | None = None) -> None:
    """The SDK runtime every later client uses: the core's logs forwarded into Python logging, and its
    Prometheus endpoint at ``metrics_address`` when given. Must run before the first client connects."""
    forwarding = LogForwardingConfig(logger=logging.getLogger("temporalio.core"))
    metrics = PrometheusConfig(bind_address=metrics_address) if metrics_address else None
    telemetry = TelemetryConfig(logging=LoggingConfig(filter="WARN", forwarding=forwarding), metrics=metrics)
    Runtime.set_default(Runtime(telemetry=telemetry), error_if_already_set=False)
