"""Walk a definition once and list what the checks need: every reference, expression, duration and cron.

The walk assumes the document passed the schema only loosely: it skips whatever has an unexpected shape, so
semantic checks can run (and report) even when the schema already found problems.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from swengine.dsl.source_map import JsonPath


@dataclass(frozen=True, slots=True)
class Finding:
    """A problem found by a semantic check, located by path; the validator turns it into a ``Problem``."""

    code: str
    message: str
    path: JsonPath
    severity: str = "error"


@dataclass(frozen=True, slots=True)
class Ref:
    """A name that must resolve: ``kind`` is state, function, event, error or retry."""

    kind: str
    name: str
    path: JsonPath
    event_kind: str | None = None
    """For events: the kind the referring property needs (``consumed`` or ``produced``)."""


@dataclass(frozen=True, slots=True)
class Expression:
    """A jq expression site; ``always`` when the property is an expression even without ``${ }``."""

    text: str
    path: JsonPath
    always: bool


@dataclass(frozen=True, slots=True)
class Call:
    """A ``functionRef``: the function it names and its ``arguments`` (None when it gives none)."""

    function: str
    arguments: Any
    path: JsonPath


@dataclass(slots=True)
class Facts:
    """What the checks need from a definition; only values of the expected type are recorded."""

    refs: list[Ref] = field(default_factory=list)
    expressions: list[Expression] = field(default_factory=list)
    durations: list[tuple[JsonPath, str]] = field(default_factory=list)
    intervals: list[tuple[JsonPath, str]] = field(default_factory=list)
    crons: list[tuple[JsonPath, str]] = field(default_factory=list)
    subflows: list[tuple[JsonPath, Any]] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)

    def ref(self, kind: str, name: Any, path: JsonPath, event_kind: str | None = None) -> None:
        if isinstance(name, str):
            self.refs.append(Ref(kind, name, path, event_kind))

    def expression(self, text: Any, path: JsonPath, *, always: bool = True) -> None:
        if isinstance(text, str):
            self.expressions.append(Expression(text, path, always))

    def duration(self, text: Any, path: JsonPath) -> None:
        if isinstance(text, str):
            self.durations.append((path, text))


def _items(value: Any, path: JsonPath) -> Iterator[tuple[Any, JsonPath]]:
    """(item, path) for each mapping in a list; nothing when ``value`` is not a list."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict):
                yield item, path + (index,)


def listed(value: Any) -> list[Any]:
    """``value`` when it is a list, else nothing (the schema reports the wrong shape)."""
    return value if isinstance(value, list) else []


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def collect(data: dict[str, Any]) -> Facts:
    """Everything in the definition that names something or must parse."""
    facts = Facts()
    _walk_start(facts, data.get("start"))
    _walk_timeouts(facts, data.get("timeouts"), ("timeouts",))
    for function, path in _items(data.get("functions"), ("functions",)):
        if function.get("type") == "expression":
            facts.expression(function.get("operation"), path + ("operation",))
    for retry, path in _items(data.get("retries"), ("retries",)):
        for key in ("delay", "maxDelay", "increment", "jitter"):  # a jitter given as a number is a fraction
            facts.duration(retry.get(key), path + (key,))
    for state, path in _items(data.get("states"), ("states",)):
        _walk_state(facts, state, path)
    return facts


def _walk_start(facts: Facts, start: Any) -> None:
    if isinstance(start, str):
        facts.ref("state", start, ("start",))
        return
    start = _mapping(start)
    facts.ref("state", start.get("stateName"), ("start", "stateName"))
    schedule = start.get("schedule")
    if isinstance(schedule, str):
        facts.intervals.append((("start", "schedule"), schedule))
        return
    schedule = _mapping(schedule)
    path = ("start", "schedule")
    if isinstance(schedule.get("interval"), str):
        facts.intervals.append((path + ("interval",), schedule["interval"]))
    cron = schedule.get("cron")
    if isinstance(cron, str):
        facts.crons.append((path + ("cron",), cron))
    elif isinstance(expression := _mapping(cron).get("expression"), str):
        facts.crons.append((path + ("cron", "expression"), expression))


def _walk_timeouts(facts: Facts, timeouts: Any, path: JsonPath, *, own_states: bool = True) -> None:
    for key, value in _mapping(timeouts).items():
        if isinstance(value, dict):
            for inner in ("duration", "single", "total"):
                facts.duration(value.get(inner), path + (key, inner))
            if own_states:  # a continueAs timeout's runBefore names a state of the next workflow
                facts.ref("state", value.get("runBefore"), path + (key, "runBefore"))
        else:
            facts.duration(value, path + (key,))


def _walk_state(facts: Facts, state: dict[str, Any], path: JsonPath) -> None:
    filters = _mapping(state.get("stateDataFilter"))
    for key in ("input", "output"):
        facts.expression(filters.get(key), path + ("stateDataFilter", key))
    _walk_timeouts(facts, state.get("timeouts"), path + ("timeouts",))
    _walk_flow(facts, state, path)
    for handler, handler_path in _items(state.get("onErrors"), path + ("onErrors",)):
        facts.ref("error", handler.get("errorRef"), handler_path + ("errorRef",))
        for index, name in enumerate(listed(handler.get("errorRefs"))):
            facts.ref("error", name, handler_path + ("errorRefs", index))
        _walk_flow(facts, handler, handler_path)
    facts.ref("state", state.get("compensatedBy"), path + ("compensatedBy",))
    walker = _STATE_WALKERS.get(kind) if isinstance(kind := state.get("type"), str) else None
    if walker is not None:
        walker(facts, state, path)


def _walk_flow(facts: Facts, owner: dict[str, Any], path: JsonPath) -> None:
    """The ``transition`` and ``end`` of a state, condition or error handler."""
    transition = owner.get("transition")
    if isinstance(transition, str):
        facts.ref("state", transition, path + ("transition",))
    elif isinstance(transition, dict):
        facts.ref("state", transition.get("nextState"), path + ("transition", "nextState"))
        _walk_produced(facts, transition.get("produceEvents"), path + ("transition", "produceEvents"))
    end = _mapping(owner.get("end"))
    _walk_produced(facts, end.get("produceEvents"), path + ("end", "produceEvents"))
    continue_as = _mapping(end.get("continueAs"))
    facts.expression(continue_as.get("data"), path + ("end", "continueAs", "data"))
    timeout = {"workflowExecTimeout": continue_as.get("workflowExecTimeout")}
    _walk_timeouts(facts, timeout, path + ("end", "continueAs"), own_states=False)


def _walk_produced(facts: Facts, produced: Any, path: JsonPath) -> None:
    for event, event_path in _items(produced, path):
        facts.ref("event", event.get("eventRef"), event_path + ("eventRef",), "produced")
        facts.expression(event.get("data"), event_path + ("data",))
        _walk_arguments(facts, event.get("contextAttributes"), event_path + ("contextAttributes",))


def _walk_arguments(facts: Facts, value: Any, path: JsonPath) -> None:
    """Argument values are expressions only when written as ``${ ... }``, at any depth."""
    if isinstance(value, str):
        facts.expression(value, path, always=False)
    elif isinstance(value, dict):
        for key, item in value.items():
            _walk_arguments(facts, item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk_arguments(facts, item, path + (index,))


def _walk_actions(facts: Facts, actions: Any, path: JsonPath) -> None:
    for action, action_path in _items(actions, path):
        _walk_action(facts, action, action_path)


def _walk_action(facts: Facts, action: dict[str, Any], path: JsonPath) -> None:
    function_ref = action.get("functionRef")
    if isinstance(function_ref, str):
        facts.ref("function", function_ref, path + ("functionRef",))
        facts.calls.append(Call(function_ref, None, path + ("functionRef",)))
    elif isinstance(function_ref, dict):
        facts.ref("function", function_ref.get("refName"), path + ("functionRef", "refName"))
        if isinstance(function_ref.get("refName"), str):
            facts.calls.append(
                Call(function_ref["refName"], function_ref.get("arguments"), path + ("functionRef",))
            )
        _walk_arguments(facts, function_ref.get("arguments"), path + ("functionRef", "arguments"))
    event_ref = action.get("eventRef")
    if isinstance(event_ref, dict):
        event_path = path + ("eventRef",)
        facts.ref("event", event_ref.get("triggerEventRef"), event_path + ("triggerEventRef",), "produced")
        facts.ref("event", event_ref.get("resultEventRef"), event_path + ("resultEventRef",), "consumed")
        facts.duration(event_ref.get("resultEventTimeout"), event_path + ("resultEventTimeout",))
        facts.expression(event_ref.get("data"), event_path + ("data",))
        _walk_arguments(facts, event_ref.get("contextAttributes"), event_path + ("contextAttributes",))
    if "subFlowRef" in action:
        facts.subflows.append((path + ("subFlowRef",), action["subFlowRef"]))
    sleep = _mapping(action.get("sleep"))
    for key in ("before", "after"):
        facts.duration(sleep.get(key), path + ("sleep", key))
    facts.ref("retry", action.get("retryRef"), path + ("retryRef",))
    for key in ("retryableErrors", "nonRetryableErrors"):
        for index, name in enumerate(listed(action.get(key))):
            facts.ref("error", name, path + (key, index))
    _walk_filter(facts, action.get("actionDataFilter"), path + ("actionDataFilter",))
    facts.expression(action.get("condition"), path + ("condition",))


def _walk_filter(facts: Facts, data_filter: Any, path: JsonPath) -> None:
    """Action and event data filters: every string property is an expression."""
    for key, value in _mapping(data_filter).items():
        facts.expression(value, path + (key,))


def _walk_event_state(facts: Facts, state: dict[str, Any], path: JsonPath) -> None:
    for on_events, on_path in _items(state.get("onEvents"), path + ("onEvents",)):
        for index, name in enumerate(listed(on_events.get("eventRefs"))):
            facts.ref("event", name, on_path + ("eventRefs", index), "consumed")
        _walk_actions(facts, on_events.get("actions"), on_path + ("actions",))
        _walk_filter(facts, on_events.get("eventDataFilter"), on_path + ("eventDataFilter",))


def _walk_operation_state(facts: Facts, state: dict[str, Any], path: JsonPath) -> None:
    _walk_actions(facts, state.get("actions"), path + ("actions",))


def _walk_switch_state(facts: Facts, state: dict[str, Any], path: JsonPath) -> None:
    for condition, condition_path in _items(state.get("dataConditions"), path + ("dataConditions",)):
        facts.expression(condition.get("condition"), condition_path + ("condition",))
        _walk_flow(facts, condition, condition_path)
    for condition, condition_path in _items(state.get("eventConditions"), path + ("eventConditions",)):
        facts.ref("event", condition.get("eventRef"), condition_path + ("eventRef",), "consumed")
        _walk_filter(facts, condition.get("eventDataFilter"), condition_path + ("eventDataFilter",))
        _walk_flow(facts, condition, condition_path)
    if isinstance(state.get("defaultCondition"), dict):
        _walk_flow(facts, state["defaultCondition"], path + ("defaultCondition",))


def _walk_sleep_state(facts: Facts, state: dict[str, Any], path: JsonPath) -> None:
    facts.duration(state.get("duration"), path + ("duration",))


def _walk_parallel_state(facts: Facts, state: dict[str, Any], path: JsonPath) -> None:
    for branch, branch_path in _items(state.get("branches"), path + ("branches",)):
        _walk_actions(facts, branch.get("actions"), branch_path + ("actions",))
        _walk_timeouts(facts, branch.get("timeouts"), branch_path + ("timeouts",))


def _walk_foreach_state(facts: Facts, state: dict[str, Any], path: JsonPath) -> None:
    for key in ("inputCollection", "outputCollection"):
        facts.expression(state.get(key), path + (key,))
    _walk_actions(facts, state.get("actions"), path + ("actions",))


def _walk_callback_state(facts: Facts, state: dict[str, Any], path: JsonPath) -> None:
    if isinstance(state.get("action"), dict):
        _walk_action(facts, state["action"], path + ("action",))
    facts.ref("event", state.get("eventRef"), path + ("eventRef",), "consumed")
    _walk_filter(facts, state.get("eventDataFilter"), path + ("eventDataFilter",))


def _walk_nothing(facts: Facts, state: dict[str, Any], path: JsonPath) -> None:
    """Inject data is static JSON: nothing in it is evaluated."""


_STATE_WALKERS: dict[str, Callable[[Facts, dict[str, Any], JsonPath], None]] = {
    "event": _walk_event_state,
    "operation": _walk_operation_state,
    "switch": _walk_switch_state,
    "sleep": _walk_sleep_state,
    "parallel": _walk_parallel_state,
    "inject": _walk_nothing,
    "foreach": _walk_foreach_state,
    "callback": _walk_callback_state,
}
