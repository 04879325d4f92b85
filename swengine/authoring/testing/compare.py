"""Compare what an instance did with what a case expects; every mismatch explained, with a diff where it helps."""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Observed:
    """What one instance did: how it ended, its output or error, the states it visited, the events it produced."""

    status: str
    """``completed``, ``failed`` or ``unfinished`` (still running when the case's time ran out)."""
    output: Any = None
    error: str | None = None
    error_message: str | None = None
    error_object: dict[str, Any] | None = None
    """A 1.0 instance's RFC 7807 error."""
    visited: list[str] | None = None
    current_state: str | None = None
    produced_events: list[dict[str, Any]] = field(default_factory=list)


def pretty(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)


def json_diff(expected: Any, actual: Any) -> str:
    """A unified diff of the two values as pretty JSON."""
    lines = difflib.unified_diff(
        pretty(expected).splitlines(), pretty(actual).splitlines(), "expected", "actual", lineterm="", n=3
    )
    return "\n".join(lines)


def is_subset(expected: Any, actual: Any) -> bool:
    """Mappings: every expected key matches; lists: same length, item by item; anything else: equal."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            k in actual and is_subset(v, actual[k]) for k, v in expected.items()
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(expected) == len(actual)
            and all(is_subset(e, a) for e, a in zip(expected, actual, strict=True))
        )
    return bool(expected == actual and type(expected) is type(actual)) or _same_number(expected, actual)


def _same_number(expected: Any, actual: Any) -> bool:
    numbers = (int, float)
    return (
        all(isinstance(v, numbers) and not isinstance(v, bool) for v in (expected, actual))
        and expected == actual
    )


def events_match(expected: list[Any], produced: list[dict[str, Any]]) -> bool:
    """Each expected event (a subset, typically type and data) is found among the produced, in order."""
    remaining = iter(produced)
    return all(any(is_subset(wanted, event) for event in remaining) for wanted in expected)


Check = Callable[[Any, Observed], str | None]


def _status(expected: Any, observed: Observed) -> str | None:
    if expected == observed.status:
        return None
    found = f"{observed.status}"
    if observed.error:
        found += f" with error {observed.error}: {observed.error_message}"
    elif observed.status == "unfinished":
        found += f" (still in state {observed.current_state})" if observed.current_state else ""
        found += f"; {observed.error_message}" if observed.error_message else ""
    return f"status: expected {expected}, got {found}"


def _output(expected: Any, observed: Observed) -> str | None:
    if (
        observed.status == "completed"
        and is_subset(expected, observed.output)
        and is_subset(observed.output, expected)
    ):
        return None
    return "output differs:\n" + json_diff(expected, observed.output)


def _output_subset(expected: Any, observed: Observed) -> str | None:
    if is_subset(expected, observed.output):
        return None
    return "output does not contain the expected subset:\n" + json_diff(expected, observed.output)


def _visited(expected: Any, observed: Observed) -> str | None:
    if observed.visited is None:
        return "visited: the instance's status could not be read"
    if list(expected) == observed.visited:
        return None
    return "states visited differ:\n" + json_diff(list(expected), observed.visited)


def _produced(expected: Any, observed: Observed) -> str | None:
    if events_match(list(expected), observed.produced_events):
        return None
    return "produced events do not include the expected ones (in order):\n" + json_diff(
        list(expected), observed.produced_events
    )


def _error(expected: Any, observed: Observed) -> str | None:
    """0.8: the error code. 1.0: the error's type (in full or its short standard name), or a mapping of the
    error object's fields that must match (``{type: ..., status: 404, instance: /do/0/fetch}``)."""
    problem = observed.error_object
    if expected == observed.error or (problem is not None and _same_error(expected, problem)):
        return None
    found = pretty(problem) if problem is not None else observed.error or "no error"
    return f"error: expected {expected}, got {found}"


def _same_error(expected: Any, problem: dict[str, Any]) -> bool:
    if isinstance(expected, dict):
        return is_subset(expected, problem)
    return expected == problem.get("type")


def _error_message(expected: Any, observed: Observed) -> str | None:
    if str(expected) in (observed.error_message or ""):
        return None
    return f"error message: expected it to contain {expected!r}, got {observed.error_message!r}"


CHECKS: dict[str, Check] = {
    "status": _status,
    "error": _error,
    "error_message": _error_message,
    "output": _output,
    "output_subset": _output_subset,
    "visited": _visited,
    "produced_events": _produced,
}
"""One check per ``expect`` key, run in this order."""


def mismatches(expect: dict[str, Any], expected_status: str, observed: Observed) -> list[str]:
    """Every way ``observed`` differs from the expectation (the status is always checked)."""
    wanted = {"status": expected_status, **expect}
    found = [CHECKS[key](wanted[key], observed) for key in CHECKS if key in wanted]
    return [message for message in found if message is not None]
