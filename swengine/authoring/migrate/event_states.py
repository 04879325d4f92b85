"""Translators of the 0.8 states that wait for events: event, callback and the event switch. Each waits
with a ``listen`` whose output is ``{data, event}`` (or ``{data, timedOut}``), then merges as 0.8 did."""

from __future__ import annotations

from typing import Any

from swengine.authoring.migrate import jq
from swengine.authoring.migrate.actions import Slot, translate_action
from swengine.authoring.migrate.blocks import Parts, actions_body, next_of
from swengine.authoring.migrate.context import Task, Translation
from swengine.authoring.migrate.events import filtered, listen_body, matches, payload
from swengine.authoring.migrate.flow import jump


def translate_event_switch(state: dict[str, Any], path: tuple, tr: Translation) -> Parts:
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


def translate_event(state: dict[str, Any], path: tuple, tr: Translation) -> Parts:
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
    taken = next_of(state, path, tr)
    return Parts(body, taken.then, taken.tasks)


def translate_callback(state: dict[str, Any], path: tuple, tr: Translation) -> Parts:
    """The action, then the callback event (its data merged), or past ``eventTimeout`` the action's result alone."""
    definition = tr.named("events").get(str(state.get("eventRef")), {"type": state.get("eventRef")})
    action = translate_action(state.get("action") or {}, path + ("action",), Slot(), tr)
    wait = _awaiting([definition], "any", tr.timeout(state, "eventTimeout"), tr)
    merge = filtered(state.get("eventDataFilter"), payload(definition, ".event"), ".data", tr)
    merge = f"if .timedOut == true then .data else ({merge}) end"
    taken = next_of(state, path, tr)
    steps = [{"action": action}, {"callback": wait}, {"merge": {"set": jq.wrap(merge)}}]
    return Parts({"do": steps}, taken.then, taken.tasks)
