"""One translator per 0.8 state kind (``TRANSLATORS``): a state becomes a task named after it, plus the
tasks its routing needs beside it (1.0 flow directives only reach tasks of the same list)."""

from __future__ import annotations

from typing import Any

from swengine.authoring.migrate import jq
from swengine.authoring.migrate.actions import Slot
from swengine.authoring.migrate.blocks import Parts, Translator, actions_body, next_of
from swengine.authoring.migrate.context import Task, Translation
from swengine.authoring.migrate.errors import codes, matching
from swengine.authoring.migrate.event_states import (
    translate_callback,
    translate_event,
    translate_event_switch,
)
from swengine.authoring.migrate.flow import jump, track_completion
from swengine.core.ir import DEFAULT_ITERATION_PARAM

ROUTE = "route"
"""``$context`` key naming the branch a state took, for the switch task after it (errors, timeouts)."""


def translate_state(state: dict[str, Any], path: tuple, tr: Translation) -> list[Task]:
    """The tasks of one state: itself first (with its filters, timeout and error handlers), then its routing."""
    name = state["name"]
    kind = state.get("type")
    if kind not in TRANSLATORS:
        body: dict[str, Any] = {"set": "${ . }"}
        tr.note(path + ("type",), f"state type {kind!r} is not a 0.8 state kind", body)
        return [{name: body}]
    parts = TRANSLATORS[kind](state, path, tr)
    body = _filtered(state, parts.body, tr)
    if state.get("compensatedBy"):
        track_completion(body, name)
    timeout = tr.timeout(state, "stateExecTimeout")
    if timeout:
        body["timeout"] = {"after": timeout}
    tasks: list[Task] = []
    if state.get("onErrors"):
        body, routing = _on_errors(state, path, body, parts.then, tr)
        tasks.append({name: body})
        tasks += routing
    else:
        if parts.then is not None:
            body["then"] = parts.then
        tasks.append({name: body})
    return tasks + parts.beside


def _filtered(state: dict[str, Any], body: dict[str, Any], tr: Translation) -> dict[str, Any]:
    """``stateDataFilter``: input and output as the state task's ``input.from`` and ``output.as``."""
    data_filter = state.get("stateDataFilter") or {}
    wanted = {"input": "input" in data_filter, "output": "output" in data_filter}
    if any(wanted[key] and key in body for key in wanted):  # the work has its own: filter around it
        body = {"do": [{"work": body}]}
    if wanted["input"]:
        body = {"input": {"from": jq.wrap(tr.expr(data_filter["input"]))}, **body}
    if wanted["output"]:
        body["output"] = {"as": jq.wrap(tr.expr(data_filter["output"]))}
    return body


def _on_errors(
    state: dict[str, Any], path: tuple, body: dict[str, Any], then: str | None, tr: Translation
) -> tuple[dict[str, Any], list[Task]]:
    """``onErrors`` in order: nested ``try`` tasks (the first handler innermost) marking which one caught,
    and a switch after them that follows that handler's transition (or the state's own)."""
    name = state["name"]
    cases: list[Task] = []
    beside: list[Task] = []
    for index, handler in enumerate(state["onErrors"]):
        where = path + ("onErrors", index)
        catch: dict[str, Any] = {"as": "error"}
        caught = codes(handler.get("errorRefs", handler.get("errorRef")), tr)
        if caught is not None:
            catch["when"] = jq.wrap(matching(caught))
        mark = jq.wrap(f"$context + {{{ROUTE}: {index}}}")
        catch["do"] = [{"handled": {"set": "${ . }", "export": {"as": mark}}}]
        body = {"try": [{name: body}], "catch": catch}
        taken = jump(handler, where, f"{name}-error-{index}", tr)
        cases.append(
            {f"error-{index}": {"when": jq.wrap(f"$context.{ROUTE} == {index}"), "then": taken.then}}
        )
        beside += taken.tasks
    cases.append({"default": {"then": then or tr.end}})
    route = {"switch": cases, "export": {"as": jq.wrap(f"$context | del(.{ROUTE})")}}
    body["then"] = f"{name}-onErrors"
    return body, [{f"{name}-onErrors": route}, *beside]


def _inject(state: dict[str, Any], path: tuple, tr: Translation) -> Parts:
    taken = next_of(state, path, tr)
    if state.get("data") is None:
        return Parts({"set": "${ . }"}, taken.then, taken.tasks)
    return Parts({"set": jq.wrap(jq.merged_literal(state["data"]))}, taken.then, taken.tasks)


def _operation(state: dict[str, Any], path: tuple, tr: Translation) -> Parts:
    taken = next_of(state, path, tr)
    return Parts(
        actions_body(state.get("actions") or [], state.get("actionMode"), path, Slot(), tr),
        taken.then,
        taken.tasks,
    )


def _sleep(state: dict[str, Any], path: tuple, tr: Translation) -> Parts:
    taken = next_of(state, path, tr)
    return Parts({"wait": state.get("duration")}, taken.then, taken.tasks)


def _switch(state: dict[str, Any], path: tuple, tr: Translation) -> Parts:
    if state.get("eventConditions"):
        return translate_event_switch(state, path, tr)
    name = state["name"]
    cases: list[Task] = []
    beside: list[Task] = []
    for index, condition in enumerate(state.get("dataConditions") or []):
        label = str(condition.get("name") or f"case{index}")
        taken = jump(condition, path + ("dataConditions", index), f"{name}-{index}", tr)
        cases.append({label: {"when": jq.wrap(tr.expr(condition["condition"])), "then": taken.then}})
        beside += taken.tasks
    default = jump(state.get("defaultCondition") or {}, path + ("defaultCondition",), f"{name}-default", tr)
    cases.append({"default": {"then": default.then}})
    return Parts({"switch": cases}, None, beside + default.tasks)


def _parallel(state: dict[str, Any], path: tuple, tr: Translation) -> Parts:
    """Branches as a ``fork`` on the same data; each finished branch's data merges in, in branch order."""
    branches: list[Task] = []
    for index, branch in enumerate(state.get("branches") or []):
        where = path + ("branches", index)
        body = actions_body(branch.get("actions") or [], branch.get("actionMode"), where, Slot(), tr)
        timeout = branch.get("timeouts", {}).get("branchExecTimeout") or tr.timeout(
            state, "branchExecTimeout"
        )
        if timeout:
            body["timeout"] = {"after": timeout}
        branches.append({str(branch.get("name") or f"branch{index}"): body})
    fork: dict[str, Any] = {"branches": branches}
    merge = "reduce .[] as $b ($input; merge08(.; $b))"
    if state.get("completionType") == "atLeast":
        needed = int(state.get("numCompleted") or 1)
        if needed == 1:
            fork["compete"] = True
            merge = "merge08($input; .)"
    body = {"fork": fork, "output": {"as": jq.wrap(merge)}}
    if state.get("completionType") == "atLeast" and not fork.get("compete"):
        tr.note(
            path + ("numCompleted",), "1.0 forks wait for one branch or all: this one waits for all", body
        )
    taken = next_of(state, path, tr)
    return Parts(body, taken.then, taken.tasks)


def _foreach(state: dict[str, Any], path: tuple, tr: Translation) -> Parts:
    """Each item in turn: the actions see the data with the item (as ``.<param>`` and ``$<param>``), the
    iteration's result is its actions' results merged; ``outputCollection`` receives the results in order."""
    param = _iteration_param(state.get("iterationParam"))
    collection = tr.expr(state.get("inputCollection") or "${ [] }")
    scoped = f'(if (.data | type) == "object" then .data + {{{jq.literal(param)}: ${param}}} else .data end)'
    iteration = actions_body(
        state.get("actions") or [], "sequential", path, Slot(read=".s", keys=("s", "r")), tr
    )
    steps = [
        {"begin": {"set": jq.wrap(f"{{data, results, s: {scoped}, r: null}}")}},
        *iteration["do"],
        {"collect": {"set": "${ {data, results: (.results + [.r])} }"}},
    ]
    output = ".data"
    if state.get("outputCollection"):
        output = jq.merged(".data", ".results", tr.expr(state["outputCollection"]))
    body: dict[str, Any] = {
        "input": {"from": "${ {data: ., results: []} }"},
        "for": {"each": param, "in": jq.wrap(f".data | ({collection}) // []")},
        "do": steps,
        "output": {"as": jq.wrap(output)},
    }
    if state.get("mode", "parallel") != "sequential" and (
        state.get("batchSize") or len(state.get("actions") or []) > 0
    ):
        tr.note(
            path + ("mode",),
            "1.0 iterates one item after another: same results, in order, without parallel batches",
            body,
        )
    taken = next_of(state, path, tr)
    return Parts(body, taken.then, taken.tasks)


def _iteration_param(given: Any) -> str:
    """The iteration variable; a ``${ .name }`` spelling (as in the published example 28) means ``name``."""
    if not isinstance(given, str) or not given:
        return DEFAULT_ITERATION_PARAM
    return jq.body(given).lstrip(".") if given.strip().startswith("${") else given


TRANSLATORS: dict[str, Translator] = {
    "inject": _inject,
    "operation": _operation,
    "switch": _switch,
    "sleep": _sleep,
    "event": translate_event,
    "callback": translate_callback,
    "parallel": _parallel,
    "foreach": _foreach,
}
"""One translator per 0.8 state kind."""
