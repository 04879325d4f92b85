"""0.8 error names and retry strategies as 1.0 ``catch`` clauses.

swengine's 1.0 interpreter reports a failure that is not one of 1.0's standard types as a ``runtime`` error
whose ``detail`` starts with the 0.8 code (``card_declined: ...``); the engine's own codes become standard
types (``timeout``). A migrated ``catch`` matches both ways, so it catches what the 0.8 handler caught.
"""

from __future__ import annotations

from typing import Any

from swengine.authoring.migrate import jq
from swengine.authoring.migrate.context import Translation
from swengine.core.task_errors import STANDARD_STATUS
from swengine.interpreter.tasks.errors import ENGINE_CODES

ANY = "*"
DEFAULT_AUTO_RETRY = {"delay": "PT1S", "multiplier": 2, "maxAttempts": "unlimited"}
"""0.8's recommended strategy under ``autoRetries`` when an action names none (unlimited attempts)."""
RETHROW = {
    "raise": {
        "error": {
            "type": "${ $error.type }",
            "status": "${ $error.status }",
            "title": "${ $error.title }",
            "detail": "${ $error.detail }",
        }
    }
}
"""A ``catch.do`` raising the caught error again: retries exhausted, the 0.8 error goes on up."""


def codes(names: Any, tr: Translation) -> list[str] | None:
    """Error names (and their ``code``) a handler or retry list means; None means any error."""
    if names is None:
        return None
    listed = [names] if isinstance(names, str) else list(names)
    found: list[str] = []
    for name in listed:
        if name == ANY:
            return None
        code = tr.named("errors").get(name, {}).get("code")
        found += [
            value for value in (name, None if code is None else str(code)) if value and value not in found
        ]
    return found


def matching(error_codes: list[str]) -> str:
    """jq over ``$error``: true when the 1.0 error is one the 0.8 codes name (by its type's last segment,
    or the 0.8 code its detail starts with)."""
    names: list[str] = []
    for code in error_codes:
        standard = ENGINE_CODES.get(code) or (code if code in STANDARD_STATUS else None)
        names += [name for name in (code, standard) if name and name not in names]
    listed = ", ".join(jq.literal(name) for name in names)
    return f'[($error.type | split("/") | last), ($error.detail // "" | split(": ")[0])] | any(IN({listed}))'


def retry_catch(
    action: dict[str, Any], path: tuple, tr: Translation, todo: dict[str, Any]
) -> dict[str, Any] | None:
    """The ``catch`` retrying an action as 0.8 did (``retryRef``, ``autoRetries``, the error lists); None: no retries."""
    auto = bool(tr.data.get("autoRetries"))
    ref = action.get("retryRef")
    if ref is None and not auto:
        return None
    strategy = tr.named("retries").get(ref) if ref else DEFAULT_AUTO_RETRY
    if strategy is None:
        return None
    catch: dict[str, Any] = {}
    retryable = codes(action.get("retryableErrors"), tr) if not auto else None
    non_retryable = codes(action.get("nonRetryableErrors"), tr) if auto else None
    if retryable is not None:
        catch["when"] = jq.wrap(matching(retryable))
    elif non_retryable:
        catch["exceptWhen"] = jq.wrap(matching(non_retryable))
    catch["retry"] = _policy(strategy, path, tr, todo)
    catch["do"] = [{"rethrow": RETHROW}]
    return catch


def _policy(strategy: dict[str, Any], path: tuple, tr: Translation, todo: dict[str, Any]) -> dict[str, Any]:
    policy: dict[str, Any] = {"delay": str(strategy.get("delay") or "PT1S")}
    multiplier = strategy.get("multiplier")
    increment = strategy.get("increment")
    if multiplier is not None and float(multiplier) == 2:
        policy["backoff"] = {"exponential": {}}
    elif increment is not None and increment == strategy.get("delay"):
        policy["backoff"] = {"linear": {}}
    else:
        policy["backoff"] = {"constant": {}}
        if (multiplier is not None and float(multiplier) != 1) or increment is not None:
            tr.note(
                path, "retry backoff other than doubling or a linear step of the delay: kept constant", todo
            )
    for key, what in (("maxDelay", "maxDelay"), ("jitter", "jitter")):
        if strategy.get(key) is not None:
            tr.note(path, f"retry {what} has no 1.0 equivalent and was left out", todo)
    attempts = strategy.get("maxAttempts", 1)
    if str(attempts).lower() not in ("unlimited", "infinite"):
        # 0.8 counts every attempt (none given: one), swengine's 1.0 ``limit.attempt.count`` the retries
        policy["limit"] = {"attempt": {"count": max(int(float(attempts)) - 1, 0)}}
    return policy
