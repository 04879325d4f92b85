"""One rooted error hierarchy: every error swengine raises on purpose carries a stable machine code."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` with control characters (all but newline and tab) written as ``\\xNN``."""
    return _CONTROL.sub(lambda found: f"\\x{ord(found[0]):02x}", text) if _CONTROL.search(text) else text


@dataclass(frozen=True, kw_only=True, slots=True)
class Problem:
    """One thing wrong with a workflow document, located so a person can jump to it."""

    code: str
    """Stable machine code, e.g. ``unknown_state``."""
    message: str
    """What is wrong, in words a person understands."""
    path: str = "$"
    """JSON path of the offending node, e.g. ``$.states[2].transition``."""
    line: int | None = None
    """1-based line in the source text, when known."""
    column: int | None = None
    """1-based column in the source text, when known."""
    severity: str = "error"
    """``error`` refuses the document; ``warning`` does not."""

    def __post_init__(self) -> None:
        # A message quotes the document; printed to a terminal, its control characters would act (clear the
        # screen, overwrite the line) instead of showing. They are written out as escapes.
        object.__setattr__(self, "message", printable(self.message))
        object.__setattr__(self, "path", printable(self.path))

    def location(self) -> str:
        if self.line is None:
            return "?:?"
        return f"{self.line}:{self.column or 1}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class SwengineError(Exception):
    """Root of every error swengine raises on purpose."""

    code = "swengine_error"
    http_status = 500

    def __init__(self, message: str, *, code: str | None = None, detail: Any = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.detail = detail


class DocumentError(SwengineError):
    """A workflow document was refused; ``problems`` lists everything wrong with it."""

    code = "invalid_document"
    http_status = 422

    def __init__(self, problems: list[Problem], source: str | None = None) -> None:
        first = problems[0] if problems else None
        where = f"{source or '<document>'}:{first.location()}" if first else source or "<document>"
        summary = f"{where}: {first.code}: {first.message}" if first else "invalid document"
        if len(problems) > 1:
            summary += f" (and {len(problems) - 1} more)"
        super().__init__(summary, detail=[p.to_dict() for p in problems])
        self.problems = problems
        self.source = source


class ExpressionError(SwengineError):
    """A jq expression failed to compile or to evaluate."""

    code = "expression_error"
    http_status = 422


class ExpressionLimitExceeded(ExpressionError):
    """A jq expression ran past its time or memory bound (or crashed its evaluator)."""

    code = "expression_limit_exceeded"


class InputError(SwengineError):
    """Workflow input refused (for example by ``dataInputSchema``)."""

    code = "invalid_input"
    http_status = 400


class NotFound(SwengineError):
    code = "not_found"
    http_status = 404


class Conflict(SwengineError):
    code = "conflict"
    http_status = 409


class EventError(SwengineError):
    """A CloudEvent was refused (missing attributes, bad data)."""

    code = "invalid_event"
    http_status = 400


class Unavailable(SwengineError):
    """A service we depend on (Temporal, the store) cannot be reached right now."""

    code = "unavailable"
    http_status = 503
