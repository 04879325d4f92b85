"""Semantic checks that JSON Schema cannot express: references, uniqueness, durations, cron, jq, features.

Each check takes the document data (and the collected ``Facts``) and returns ``Finding``s; ``check``
runs them all. Control flow lives in ``flow.py``; the code table is in ``validator.py``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from swengine import expressions
from swengine.core import durations
from swengine.core.ir import CONSTANTS_VARIABLE, DEFAULT_ITERATION_PARAM, ENGINE_ACTIVITY_PREFIX
from swengine.dsl.builtin_calls import check_builtin_calls
from swengine.dsl.expression_batch import find_problems_many
from swengine.dsl.facts import Facts, Finding, collect, listed
from swengine.dsl.flow import check_flow
from swengine.dsl.literals import check_inject_literals
from swengine.dsl.schema_patterns import pattern_findings
from swengine.dsl.source_map import JsonPath, json_path
from swengine.dsl.state_rules import check_states

SUPPORTED_SPEC_VERSION = re.compile(r"^0\.8(\.\d+)?$")
SUPPORTED_FUNCTION_TYPES = ("rest", "rpc", "expression", "custom")
UNSUPPORTED_FUNCTION_TYPES = ("graphql", "odata", "asyncapi")
_FUNCTION_CALL = re.compile(r"^\s*fn:\s*(?P<name>.+?)\s*$")
_NAME_IN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NAMED = {
    "state": ("states", "unknown_state", "duplicate_state"),
    "function": ("functions", "unknown_function", "duplicate_function"),
    "event": ("events", "unknown_event", "duplicate_event"),
    "error": ("errors", "unknown_error", "duplicate_error"),
    "retry": ("retries", "unknown_retry", "duplicate_retry"),
}
"""What a reference can name: (top-level list, code when the name is unknown, code when defined twice)."""


def check(data: dict[str, Any], variables: frozenset[str] = frozenset()) -> list[Finding]:
    """Every semantic finding for a definition (which may also have schema problems); ``variables``: what a
    dialect binds beyond the engine's own (SonataFlow's ``$WORKFLOW``)."""
    facts = collect(data)
    findings: list[Finding] = check_expressions(data, facts, variables)
    for run in _CHECKS:
        findings += run(data, facts)
    return findings


def _named(items: Any, key: str) -> Iterable[tuple[str, JsonPath, dict[str, Any]]]:
    """(name, path, item) for every named mapping in the top-level list ``key``."""
    for index, item in enumerate(listed(items)):
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            yield item["name"], (key, index), item


def check_duplicates(data: dict[str, Any], facts: Facts) -> list[Finding]:
    findings = []
    for kind, (key, _, code) in _NAMED.items():
        first: dict[str, JsonPath] = {}
        for name, path, _ in _named(data.get(key), key):
            if name in first:
                message = f"{kind} name '{name}' is already used by {json_path(first[name])[2:]}"
                findings.append(Finding(code, message, path + ("name",)))
            first.setdefault(name, path)
    return findings


def check_references(data: dict[str, Any], facts: Facts) -> list[Finding]:
    """Names of states, functions, events, errors and retries resolve; events are of the right kind."""
    defined = {
        kind: {name: item for name, _, item in _named(data.get(key), key)}
        for kind, (key, _, _) in _NAMED.items()
    }
    findings = []
    for ref in facts.refs:
        known = defined[ref.kind]
        if ref.name not in known:
            findings.append(
                Finding(_NAMED[ref.kind][1], _unknown_message(ref.kind, ref.name, known), ref.path)
            )
        elif ref.event_kind is not None:
            kind = known[ref.name].get("kind", "consumed")
            if kind != ref.event_kind:
                message = f"event '{ref.name}' is {kind}, but this property needs a {ref.event_kind} event"
                findings.append(Finding("wrong_event_kind", message, ref.path))
    return findings


def _unknown_message(kind: str, name: str, known: Iterable[str]) -> str:
    names = sorted(known)
    if not names:
        return f"no {kind} named '{name}' (none is defined)"
    close = difflib.get_close_matches(name, names, n=1)
    if close:
        return f"no {kind} named '{name}'; did you mean '{close[0]}'?"
    shown = ", ".join(repr(n) for n in names[:8]) + (" ..." if len(names) > 8 else "")
    return f"no {kind} named '{name}'; defined: {shown}"


def check_subflows(data: dict[str, Any], facts: Facts) -> list[Finding]:
    findings = []
    for path, ref in facts.subflows:
        workflow_id = ref.get("workflowId") if isinstance(ref, dict) else "given as a string"
        if not (isinstance(workflow_id, str) and workflow_id.strip()):
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


LONGEST_ID = 200
"""Characters of a definition id: instance ids, workflow types and schedule ids are made from it, and Temporal
refuses a workflow id past 1,000 (a 1,201-character id deployed, and every start of it failed)."""
_UNADDRESSABLE = re.compile(r"[\s\x00-\x1f\x7f]|(^|/)\.\.?(/|$)")


def check_identifier(data: dict[str, Any], facts: Facts) -> list[Finding]:
    """The id names the definition in URLs, instance ids and Temporal: short, and without blanks, control
    characters or ``.``/``..`` segments."""
    key = "id" if "id" in data else "key"
    identifier = data.get(key)
    if not isinstance(identifier, str):
        return []
    if len(identifier) > LONGEST_ID or _UNADDRESSABLE.search(identifier):
        message = f"an id has at most {LONGEST_ID} characters, none blank or a control character, no . or .. segment"
        return [Finding("invalid_id", message, (key,))]
    return []


def check_schedule(data: dict[str, Any], facts: Facts) -> list[Finding]:
    """``start.schedule`` as Temporal will take it: at most once a second, a known time zone, a real end."""
    start = data.get("start")
    schedule = start.get("schedule") if isinstance(start, dict) else None
    if isinstance(schedule, str):
        schedule = {"interval": schedule}
    if not isinstance(schedule, dict):
        return []
    path: JsonPath = ("start", "schedule")
    interval, cron = schedule.get("interval"), schedule.get("cron")
    every = [p for p in interval.split("/") if p.startswith("P")] if isinstance(interval, str) else []
    until = cron.get("validUntil") if isinstance(cron, dict) else None
    timezone = schedule.get("timezone")
    checks: list[tuple[JsonPath, dict[str, Any]]] = [
        (path + ("interval",), {"every": _duration_or_none(every[0])} if len(every) == 1 else {}),
        (path + ("timezone",), {"timezone": timezone} if isinstance(timezone, str) else {}),
        (path + ("cron", "validUntil"), {"until": until} if isinstance(until, str) else {}),
    ]
    return [
        Finding("invalid_schedule", problem, where)
        for where, given in checks
        if given and (problem := durations.schedule_problem(**given)) is not None
    ]


def _duration_or_none(text: str) -> timedelta | None:
    try:
        return durations.parse_duration(text)
    except ValueError:
        return None  # reported as invalid_duration


def _is_duration(text: str) -> bool:
    try:
        durations.parse_duration(text)
    except ValueError:
        return False
    return True


def _is_repeating_interval(text: str) -> bool:
    """``R[n]/<duration>``, or ``R[n]/`` with two of start, duration and end (start and end are datetimes)."""
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


def check_expressions(
    data: dict[str, Any], facts: Facts, variables: frozenset[str] = frozenset()
) -> list[Finding]:
    """Every jq expression compiles without forbidden builtins; ``fn:name`` names an expression function."""
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
    problems = find_problems_many((body for body, _ in to_compile), bound_variables(data) | variables)
    for body, path in to_compile:
        findings += [Finding(code, message, path) for code, message in problems[body]]
    return findings


def bound_variables(data: dict[str, Any]) -> frozenset[str]:
    """What the engine binds: ``$CONST`` everywhere, and every foreach's iteration parameter (checked per
    document, not per state: a misplaced iteration variable is a runtime error, a typo never gets here)."""
    names = {CONSTANTS_VARIABLE, DEFAULT_ITERATION_PARAM}
    states = data.get("states")
    for state in states if isinstance(states, list) else []:
        parameter = state.get("iterationParam") if isinstance(state, dict) else None
        if isinstance(parameter, str):
            names.update(_NAME_IN.findall(parameter))
    return frozenset(names)


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
        operation = function.get("operation")
        if kind == "custom" and isinstance(operation, str) and operation.startswith(ENGINE_ACTIVITY_PREFIX):
            message = (
                f"function '{name}': {operation} is one of swengine's own activities, not the operator's"
            )
            findings.append(Finding("engine_activity_refused", message, path + ("operation",)))
    return findings


def _check_flow(data: dict[str, Any], facts: Facts) -> list[Finding]:
    return check_flow(data)


def _check_states(data: dict[str, Any], facts: Facts) -> list[Finding]:
    return check_states(data)


def _check_input_patterns(data: dict[str, Any], facts: Facts) -> list[Finding]:
    given = data.get("dataInputSchema")
    if isinstance(given, dict) and isinstance(given.get("schema"), dict):
        return pattern_findings(given["schema"], ("dataInputSchema", "schema"))
    return pattern_findings(given, ("dataInputSchema",)) if isinstance(given, dict) else []


_CHECKS: tuple[Callable[[dict[str, Any], Facts], list[Finding]], ...] = (
    check_duplicates,
    check_references,
    check_subflows,
    check_identifier,
    check_durations,
    check_schedule,
    check_features,
    _check_states,
    _check_flow,
    check_builtin_calls,
    check_inject_literals,
    _check_input_patterns,
)
