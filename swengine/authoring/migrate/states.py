"""One translator per 0.8 state kind (``TRANSLATORS``): a state becomes a task named after it, plus the
tasks its routing needs beside it (1.0 flow directives only reach tasks of the same list)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from swengine.authoring.migrate import jq
from swengine.authoring.migrate.actions import Slot, action_name, translate_action
from swengine.authoring.migrate.context import Jump, Task, Translation
from swengine.authoring.migrate.errors import codes, matching
from swengine.authoring.migrate.events import filtered, listen_body, matches, payload
from swengine.authoring.migrate.flow import jump, track_completion

ROUTE = "route"
"""``$context`` key naming the branch a state took, for the switch task after it (errors, timeouts)."""


@dataclass
class Parts:
    """A translated state: its work (a task body), where it goes, and the tasks beside it."""

    body: dict[str, Any]
    then: str | None = None
    beside: list[Task] = field(default_factory=list)


Translator = Callable[[dict[str, Any], tuple, Translation], Parts]


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


def _next(state: dict[str, Any], path: tuple, tr: Translation, suffix: str = "end") -> Jump:
    return jump(state, path, f"{state['name']}-{suffix}", tr)


def _inject(state: dict[str, Any], path: tuple, tr: Translation) -> Parts:
    taken = _next(state, path, tr)
    if state.get("data") is None:
        return Parts({"set": "${ . }"}, taken.then, taken.tasks)
    return Parts({"set": jq.wrap(jq.merged_literal(state["data"]))}, taken.then, taken.tasks)


def _operation(state: dict[str, Any], path: tuple, tr: Translation) -> Parts:
    taken = _next(state, path, tr)
    return Parts(
        actions_body(state.get("actions") or [], state.get("actionMode"), path, Slot(), tr),
        taken.then,
        taken.tasks,
    )


def actions_body(
    actions: list[dict[str, Any]], mode: Any, path: tuple, slot: Slot, tr: Translation
) -> dict[str, Any]:
    """Actions one after the other (each merging into the data), or in parallel as a ``fork`` whose
    results merge in document order, as 0.8 does."""
    taken: set[str] = set()
    tasks = [
        {action_name(action, index, taken): translate_action(action, path + ("actions", index), slot, tr)}
        for index, action in enumerate(actions)
    ]
    if mode != "parallel" or len(actions) < 2 or slot.keys or any(a.get("condition") for a in actions):
        if mode == "parallel" and len(actions) > 1:
            body: dict[str, Any] = {"do": tasks}
            tr.note(path + ("actionMode",), "parallel actions with conditions run one after another", body)
            return body
        return {"do": tasks}
    for task in tasks:  # each branch yields its result alone; the fork merges them in order
        only = next(iter(task.values()))
        only["output"] = {"as": jq.wrap(_result_only(only["output"]["as"]))}
    merge = "reduce .[] as $r ($input; if $r == null then . else merge08(.; $r) end)"
    return {"fork": {"branches": tasks}, "output": {"as": jq.wrap(merge)}}


def _result_only(output_as: str) -> str:
    """A branch's merge turned into its result placed as the merge would place it, from null."""
    return jq.body(output_as).replace("$input", "null")


def _sleep(state: dict[str, Any], path: tuple, tr: Translation) -> Parts:
    taken = _next(state, path, tr)
    return Parts({"wait": state.get("duration")}, taken.then, taken.tasks)


def _switch(state: dict[str, Any], path: tuple, tr: Translation) -> Parts:
    if state.get("eventConditions"):
        return _event_switch(state, path, tr)
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


def _event_switch(state: dict[str, Any], path: tuple, tr: Translation) -> Parts:
    """Wait for the first of the events (or the timeout), then a switch to the condition it satisfies;
    each condition merges its event's data before following its transition."""
    name = state["name"]
    events = tr.named("events")
    conditions = state["eventConditions"]
    definitions = [events.get(c.get("eventRef"), {"type": c.get("eventRef")}) for c in conditions]
    wait = _awaiting(definitions, "any", tr.timeout(state, "eventTimeout"), tr)
    cases: list[Task] = [{"timedOut": {"when": "${ .timedOut == true }", "then": f"{name}-default"}}]
    beside: list[Task] = []
    for index, (condition, definition) in enumerate(zip(conditions, definitions, strict=True)):
        label = f"{name}-{condition.get('name') or index}"
        cases.append({str(index): {"when": jq.wrap(matches(definition, ".event")), "then": label}})
        taken = jump(condition, path + ("eventConditions", index), label, tr)
        merge = filtered(condition.get("eventDataFilter"), payload(definition, ".event"), ".data", tr)
        beside.append({label: {"set": jq.wrap(merge), "then": taken.then}})
        beside += taken.tasks
    default = jump(state.get("defaultCondition") or {}, path + ("defaultCondition",), f"{name}-default", tr)
    cases.append({"default": {"then": f"{name}-default"}})
    route = {f"{name}-which": {"switch": cases}}
    beside = [
        route,
        *beside,
        {f"{name}-default": {"set": "${ .data }", "then": default.then}},
        *default.tasks,
    ]
    return Parts(wait, f"{name}-which", beside)


def _awaiting(
    definitions: list[dict[str, Any]], strategy: str, timeout: str | None, tr: Translation
) -> dict[str, Any]:
    """A task whose output is ``{data, event(s)}`` (the state data beside what arrived), or
    ``{data, timedOut: true}`` when ``eventTimeout`` passes first."""
    body = listen_body(definitions, strategy, tr)
    key = "events" if strategy == "all" else "event"
    picked = "." if strategy == "all" else ".[0]"
    body["output"] = {"as": jq.wrap(f"{{data: $input, {key}: {picked}}}")}
    if timeout is None:
        return body
    body["timeout"] = {"after": timeout}
    catch = {
        "errors": {"with": {"type": "https://serverlessworkflow.io/spec/1.0.0/errors/timeout"}},
        "do": [{"timedOut": {"set": "${ {data: ., timedOut: true} }"}}],
    }
    return {"try": [{"listen": body}], "catch": catch}


def _event(state: dict[str, Any], path: tuple, tr: Translation) -> Parts:
    """Exclusive: the first event of any ``onEvents`` entry runs that entry's actions; otherwise every event
    must arrive (in any order), each merged in document order, then every entry's actions run. Past
    ``eventTimeout`` the state moves on without running any action."""
    events = tr.named("events")
    on_events = state.get("onEvents") or []
    owners = [
        (index, events.get(ref, {"type": ref}))
        for index, entry in enumerate(on_events)
        for ref in entry.get("eventRefs") or []
    ]
    exclusive = state.get("exclusive", True) is not False
    timeout = tr.timeout(state, "eventTimeout")
    wait = _awaiting([d for _, d in owners], "any" if exclusive else "all", timeout, tr)
    cases: list[Task] = [{"timedOut": {"when": "${ .timedOut == true }", "then": "timed-out"}}]
    steps: list[Task] = []
    for index, entry in enumerate(on_events):
        actions = actions_body(
            entry.get("actions") or [], entry.get("actionMode"), path + ("onEvents", index), Slot(), tr
        )
        if exclusive:
            mine = [d for owner, d in owners if owner == index]
            merge = " elif ".join(
                f"{matches(d, '.event')} then {filtered(entry.get('eventDataFilter'), payload(d, '.event'), '.data', tr)}"
                for d in mine
            )
            cases.append(
                {
                    f"on-{index}": {
                        "when": jq.wrap(" or ".join(matches(d, ".event") for d in mine) or "false"),
                        "then": f"on-{index}",
                    }
                }
            )
            work: list[Task] = [{"merge": {"set": jq.wrap(f"if {merge} else .data end")}}]
            if entry.get("actions"):
                work.append({"actions": actions})
            steps.append({f"on-{index}": {"do": work, "then": "exit"}})
        elif entry.get("actions"):
            steps.append({f"on-{index}": actions})
    if not exclusive:
        merge = ".events as $events | .data"
        for index, definition in owners:
            event = f"($events | map(select({matches(definition, '.')})) | .[0])"
            merge += f" | ({filtered(on_events[index].get('eventDataFilter'), payload(definition, event), '.', tr)})"
        steps.insert(0, {"merge": {"set": jq.wrap(merge)}})
        next(iter(steps[-1].values()))["then"] = "exit"
    cases.append({"default": {"then": "timed-out" if exclusive else "merge"}})
    body = {
        "do": [{"wait": wait}, {"which": {"switch": cases}}, *steps, {"timed-out": {"set": "${ .data }"}}]
    }
    taken = _next(state, path, tr)
    return Parts(body, taken.then, taken.tasks)


def _callback(state: dict[str, Any], path: tuple, tr: Translation) -> Parts:
    """The action, then the callback event (its data merged), or past ``eventTimeout`` the action's result alone."""
    definition = tr.named("events").get(str(state.get("eventRef")), {"type": state.get("eventRef")})
    action = translate_action(state.get("action") or {}, path + ("action",), Slot(), tr)
    wait = _awaiting([definition], "any", tr.timeout(state, "eventTimeout"), tr)
    merge = filtered(state.get("eventDataFilter"), payload(definition, ".event"), ".data", tr)
    merge = f"if .timedOut == true then .data else ({merge}) end"
    taken = _next(state, path, tr)
    steps = [{"action": action}, {"callback": wait}, {"merge": {"set": jq.wrap(merge)}}]
    return Parts({"do": steps}, taken.then, taken.tasks)


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
    taken = _next(state, path, tr)
    return Parts(body, taken.then, taken.tasks)


def _foreach(state: dict[str, Any], path: tuple, tr: Translation) -> Parts:
    """Each item in turn: the actions see the data with the item (as ``.<param>`` and ``$<param>``), the
    iteration's result is its actions' results merged; ``outputCollection`` receives the results in order."""
    param = str(state.get("iterationParam") or "item")
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
    taken = _next(state, path, tr)
    return Parts(body, taken.then, taken.tasks)


TRANSLATORS: dict[str, Translator] = {
    "inject": _inject,
    "operation": _operation,
    "switch": _switch,
    "sleep": _sleep,
    "event": _event,
    "callback": _callback,
    "parallel": _parallel,
    "foreach": _foreach,
}
"""One translator per 0.8 state kind."""
