"""Semantic checks that JSON Schema cannot express: references, uniqueness, durations, cron, jq, features.

Each check takes the document data (and the collected ``Facts``) and returns ``Finding``s; ``check``
runs them all. Control flow lives in ``flow.py``; the code table is in ``validator.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from swengine import durations, expressions
from swengine.dsl.expression_batch import find_problems_many
from swengine.dsl.facts import Facts, Finding, collect
from swengine.dsl.flow import check_flow
from swengine.dsl.parser import JsonPath

SUPPORTED_SPEC_VERSION = re.compile(r"^0\.8(\.\d+)?$")
SUPPORTED_FUNCTION_TYPES = ("rest", "expression", "custom")
UNSUPPORTED_FUNCTION_TYPES = ("rpc", "graphql", "odata", "asyncapi")
_FUNCTION_CALL = re.compile(r"^\s*fn:\s*(?P<name>.+?)\s*$")
_REF_CODES = {
    "state": "unknown_state",
    "function": "unknown_function",
    "event": "unknown_event",
    "error": "unknown_error",
    "retry": "unknown_retry",
}
_DEFINITIONS = {"function": "functions", "event": "events", "error": "errors", "retry": "retries"}


def check(data: dict[str, Any]) -> list[Finding]:
    """Every semantic finding for a definition (which may also have schema problems)."""
    facts = collect(data)
    findings: list[Finding] = []
    for run in _CHECKS:
        findings += run(data, facts)
    return findings


def _named(items: Any, key: str) -> Iterable[tuple[str, JsonPath, dict[str, Any]]]:
    """(name, path, item) for every named mapping in the top-level list ``key``."""
    for index, item in enumerate(items if isinstance(items, list) else []):
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            yield item["name"], (key, index), item


def check_duplicates(data: dict[str, Any], facts: Facts) -> list[Finding]:
    findings = []
    for key, code in (
        ("states", "duplicate_state"),
        ("functions", "duplicate_function"),
        ("events", "duplicate_event"),
        ("errors", "duplicate_error"),
        ("retries", "duplicate_retry"),
    ):
        first: dict[str, JsonPath] = {}
        for name, path, _ in _named(data.get(key), key):
            if name in first:
                message = f"{key[:-1] if key != 'retries' else 'retry'} name '{name}' is already used by {key}[{first[name][1]}]"
                findings.append(Finding(code, message, path + ("name",)))
            first.setdefault(name, path)
    return findings


def check_references(data: dict[str, Any], facts: Facts) -> list[Finding]:
    """Names of states, functions, events, errors and retries resolve; events are of the right kind."""
    states = {name for name, _, _ in _named(data.get("states"), "states")}
    defined = {
        kind: {n: item for n, _, item in _named(data.get(key), key)} for kind, key in _DEFINITIONS.items()
    }
    findings = []
    for ref in facts.refs:
        known: Any = states if ref.kind == "state" else defined[ref.kind]
        if ref.name not in known:
            findings.append(
                Finding(_REF_CODES[ref.kind], _unknown_message(ref.kind, ref.name, known), ref.path)
            )
        elif ref.event_kind is not None:
            kind = defined["event"][ref.name].get("kind", "consumed")
            if kind != ref.event_kind:
                message = f"event '{ref.name}' is {kind}, but this property needs a {ref.event_kind} event"
                findings.append(Finding("wrong_event_kind", message, ref.path))
    return findings


def _unknown_message(kind: str, name: str, known: Iterable[str]) -> str:
    names = sorted(known)
    hint = (
        f"; defined: {', '.join(repr(n) for n in names[:8])}{' ...' if len(names) > 8 else ''}"
        if names
        else ""
    )
    return f"no {kind} named '{name}'{hint}"


def check_subflows(data: dict[str, Any], facts: Facts) -> list[Finding]:
    findings = []
    for path, ref in facts.subflows:
        if isinstance(ref, dict) and not (
            isinstance(ref.get("workflowId"), str) and ref["workflowId"].strip()
        ):
            findings.append(Finding("invalid_reference", "subFlowRef needs a workflowId", path))
    return findings


def check_durations(data: dict[str, Any], facts: Facts) -> list[Finding]:
    findings = [
        Finding("invalid_duration", f"{text!r} is not an ISO 8601 duration (such as PT15M or P1DT2H)", path)
        for path, text in facts.durations
        if not _is_duration(text)
    ]
    findings += [
        Finding("invalid_duration", f"{text!r} is not an ISO 8601 repeating interval (such as R/PT2H)", path)
        for path, text in facts.intervals
        if not _is_repeating_interval(text)
    ]
    for path, text in facts.crons:
        error = durations.check_cron(text)
        if error:
            findings.append(
                Finding("invalid_cron", f"{text!r} is not a valid cron expression: {error}", path)
            )
    return findings


def _is_duration(text: str) -> bool:
    try:
        durations.parse_duration(text)
    except ValueError:
        return False
    return True


def _is_repeating_interval(text: str) -> bool:
    """``R[n]/<duration>``, ``R[n]/<start>/<duration>``, ``R[n]/<duration>/<end>`` or ``R[n]/<start>/<end>``."""
    head, *parts = text.split("/")
    if not re.fullmatch(r"R\d*", head) or len(parts) not in (1, 2):
        return False
    if len(parts) == 1:
        return _is_duration(parts[0])
    return all(_is_duration(part) if part.startswith("P") else _is_datetime(part) for part in parts)


def _is_datetime(text: str) -> bool:
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def check_expressions(data: dict[str, Any], facts: Facts) -> list[Finding]:
    """Every jq expression compiles and uses no forbidden builtin; ``fn:name`` names an expression function."""
    functions = {name: item for name, _, item in _named(data.get("functions"), "functions")}
    findings = []
    to_compile: list[tuple[str, JsonPath]] = []
    for site in facts.expressions:
        wrapped = expressions.is_expression(site.text)
        if not wrapped and not site.always:
            continue
        body = expressions.strip(site.text) if wrapped else site.text
        call = _FUNCTION_CALL.match(body)
        if call:
            findings += _check_function_call(call["name"], functions, site.path)
        else:
            to_compile.append((body, site.path))
    problems = find_problems_many(body for body, _ in to_compile)
    for body, path in to_compile:
        findings += [Finding(code, message, path) for code, message in problems[body]]
    return findings


def _check_function_call(name: str, functions: dict[str, dict[str, Any]], path: JsonPath) -> list[Finding]:
    function = functions.get(name)
    if function is None:
        return [Finding("unknown_function", _unknown_message("function", name, functions), path)]
    if function.get("type") != "expression":
        return [Finding("invalid_reference", f"fn:{name} must name an expression function", path)]
    return []


def check_features(data: dict[str, Any], facts: Facts) -> list[Finding]:
    """What swengine refuses rather than silently ignores."""
    findings = []
    spec_version = data.get("specVersion")
    if isinstance(spec_version, str) and not SUPPORTED_SPEC_VERSION.match(spec_version):
        message = f"specVersion '{spec_version}' is not supported: swengine runs 0.8 definitions"
        findings.append(Finding("unsupported_feature", message, ("specVersion",)))
    language = data.get("expressionLang")
    if isinstance(language, str) and language.strip().lower() != "jq":
        message = f"expressionLang '{language}' is not supported: expressions must be jq"
        findings.append(Finding("unsupported_feature", message, ("expressionLang",)))
    for key in ("auth", "secrets"):
        if key in data:
            findings.append(Finding("unsupported_feature", f"'{key}' is not supported yet", (key,)))
    for name, path, function in _named(data.get("functions"), "functions"):
        kind = function.get("type", "rest")
        if kind in UNSUPPORTED_FUNCTION_TYPES:
            message = (
                f"function '{name}' has type '{kind}'; supported types: {', '.join(SUPPORTED_FUNCTION_TYPES)}"
            )
            findings.append(Finding("unsupported_feature", message, path + ("type",)))
        if "authRef" in function:
            message = f"function '{name}': authRef is not supported yet"
            findings.append(Finding("unsupported_feature", message, path + ("authRef",)))
    return findings


def check_states(data: dict[str, Any], facts: Facts) -> list[Finding]:
    """Per-state rules, dispatched by state type, plus the transition/end rule every flow owner obeys."""
    findings = []
    for index, state in enumerate(data.get("states") if isinstance(data.get("states"), list) else []):
        if not isinstance(state, dict):
            continue
        path: JsonPath = ("states", index)
        rule = _STATE_RULES.get(state.get("type"))  # type: ignore[arg-type]
        if rule is not None:
            findings += rule(state, path)
        for handler_index, handler in enumerate(state.get("onErrors") or []):
            if isinstance(handler, dict):
                findings += _exactly_one_way_on(handler, path + ("onErrors", handler_index))
    if data.get("states") == []:
        findings.append(
            Finding("missing_start", "the workflow has no states, so nothing can start", ("states",))
        )
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
        for index, condition in enumerate(state.get(key) or []):
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


def _check_flow(data: dict[str, Any], facts: Facts) -> list[Finding]:
    return check_flow(data)


_CHECKS: tuple[Callable[[dict[str, Any], Facts], list[Finding]], ...] = (
    check_duplicates,
    check_references,
    check_subflows,
    check_durations,
    check_expressions,
    check_features,
    check_states,
    _check_flow,
)
