"""Retry definitions and error references, resolved to what the interpreter matches on."""

from __future__ import annotations

from typing import Any

from swengine.compiler.context import CompileContext, compile_error
from swengine.core import ir

DEFAULT_AUTO_RETRY = ir.Retry(name="swengine.default", delay="PT1S", multiplier=2.0, max_attempts=0)
"""Used under ``autoRetries: true`` when an action names no retry: the spec's recommended default
(unlimited attempts, one second, doubling)."""

ANY_ERROR = "*"


def compile_retry(name: str, ctx: CompileContext) -> ir.Retry:
    definition = ctx.retry(name)
    return ir.Retry(
        name=name,
        delay=definition.get("delay"),
        max_delay=definition.get("maxDelay"),
        increment=definition.get("increment"),
        multiplier=_number(definition.get("multiplier"), "multiplier", name),
        max_attempts=_max_attempts(definition.get("maxAttempts"), name),
        jitter=_jitter(definition.get("jitter"), name),
    )


def error_codes(names: Any, ctx: CompileContext) -> list[str] | None:
    """Error names to everything they may be raised as: each name followed by its ``code`` when defined.

    None for no list, and None when any entry is ``*`` (catch anything).
    """
    if names is None:
        return None
    if isinstance(names, str):
        names = [names]
    codes: list[str] = []
    for name in names:
        if name == ANY_ERROR:
            return None
        code = ctx.error(name).get("code")
        for value in (name, None if code is None else str(code)):
            if value is not None and value not in codes:
                codes.append(value)
    return codes


def _max_attempts(value: Any, name: str) -> int:
    """Total attempts as Temporal counts them. The spec's 0 means "no retries", Temporal's 0 unlimited."""
    if value is None:
        return 1
    if isinstance(value, str) and value.strip().lower() in ("unlimited", "infinite"):
        return 0
    attempts = _number(value, "maxAttempts", name)
    if attempts is None or attempts < 0 or not attempts.is_integer():
        raise compile_error(f"retry {name!r}: maxAttempts must be a whole number, got {value!r}")
    return max(int(attempts), 1)


def _jitter(value: Any, name: str) -> float | None:
    """A fraction of the delay. An absolute (ISO duration) jitter has no IR field: Temporal's own applies."""
    if isinstance(value, str) and value.strip().upper().startswith("P"):
        return None
    return _number(value, "jitter", name)


def _number(value: Any, field: str, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise compile_error(f"retry {name!r}: {field} must be a number, got {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise compile_error(f"retry {name!r}: {field} must be a number, got {value!r}") from None
