"""Rules for the shape of each state that JSON Schema cannot say well, dispatched by state type.

Every state, switch condition and error handler either transitions or ends (never both); a switch state
waits on data or on events (never both); a parallel state completing "atLeast" says how many branches.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from swengine.dsl.facts import Finding, listed
from swengine.dsl.source_map import JsonPath


def check_states(data: dict[str, Any]) -> list[Finding]:
    """Per-state rules, dispatched by state type, plus the transition/end rule every flow owner obeys."""
    findings = []
    states = data.get("states")
    for index, state in enumerate(listed(states)):
        if not isinstance(state, dict):
            continue
        path: JsonPath = ("states", index)
        rule = _STATE_RULES.get(kind) if isinstance(kind := state.get("type"), str) else None
        if rule is not None:
            findings += rule(state, path)
        for handler_index, handler in enumerate(listed(state.get("onErrors"))):
            if isinstance(handler, dict):
                findings += _exactly_one_way_on(handler, path + ("onErrors", handler_index))
    return findings


def _exactly_one_way_on(owner: dict[str, Any], path: JsonPath, *, optional: bool = False) -> list[Finding]:
    """A state (or condition, or handler) either transitions or ends: one of the two, not both."""
    transition = "transition" in owner
    end = owner.get("end") not in (None, False)
    if transition and end:
        return [
            Finding("conflicting_transition", "give either 'transition' or 'end', not both", path + ("end",))
        ]
    if not transition and not end and not optional:
        return [Finding("missing_transition", "needs a 'transition' or an 'end'", path)]
    return []


def _flow_state_rule(state: dict[str, Any], path: JsonPath) -> list[Finding]:
    # A compensation state's chain stops where it has no transition, so it needs neither.
    return _exactly_one_way_on(state, path, optional=state.get("usedForCompensation") is True)


def _switch_rule(state: dict[str, Any], path: JsonPath) -> list[Finding]:
    has_data, has_events = "dataConditions" in state, "eventConditions" in state
    findings = []
    if has_data == has_events:
        which = "both" if has_data else "neither"
        message = f"a switch state has either dataConditions or eventConditions; this one has {which}"
        findings.append(Finding("invalid_state", message, path))
    timeouts = state.get("timeouts")
    if not has_events and isinstance(timeouts, dict) and "eventTimeout" in timeouts:
        message = "eventTimeout applies only to a switch state with eventConditions"
        findings.append(Finding("invalid_state", message, path + ("timeouts", "eventTimeout")))
    for key in ("dataConditions", "eventConditions"):
        for index, condition in enumerate(listed(state.get(key))):
            if isinstance(condition, dict):
                findings += _exactly_one_way_on(condition, path + (key, index))
    if isinstance(state.get("defaultCondition"), dict):
        findings += _exactly_one_way_on(state["defaultCondition"], path + ("defaultCondition",))
    return findings


def _parallel_rule(state: dict[str, Any], path: JsonPath) -> list[Finding]:
    findings = _flow_state_rule(state, path)
    if state.get("completionType") == "atLeast" and "numCompleted" not in state:
        findings.append(Finding("invalid_state", "completionType atLeast needs numCompleted", path))
    count = _as_int(state.get("numCompleted"))
    branches = state.get("branches")
    if count is not None and isinstance(branches, list) and count > len(branches):
        message = f"numCompleted is {count} but there are only {len(branches)} branches"
        findings.append(Finding("invalid_state", message, path + ("numCompleted",)))
    return findings


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
        return int(value)
    return None


_STATE_RULES: dict[str, Callable[[dict[str, Any], JsonPath], list[Finding]]] = {
    "event": _flow_state_rule,
    "operation": _flow_state_rule,
    "switch": _switch_rule,
    "sleep": _flow_state_rule,
    "parallel": _parallel_rule,
    "inject": _flow_state_rule,
    "foreach": _flow_state_rule,
    "callback": _flow_state_rule,
}
