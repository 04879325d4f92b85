"""0.8 transitions and ends as 1.0 ``then`` directives, with what they did on the way: produced events,
compensation, ``continueAs``."""

from __future__ import annotations

from typing import Any

from swengine.authoring.migrate import jq
from swengine.authoring.migrate.context import Jump, Task, Translation, semver, slug
from swengine.authoring.migrate.events import emit_body

COMPENSATED = "compensate"
"""``$context`` key listing the completed states that have ``compensatedBy``, oldest first."""


def jump(holder: dict[str, Any], path: tuple, prefix: str, tr: Translation) -> Jump:
    """Where ``holder`` (a state, a switch condition, an error handler) goes next, and the tasks before."""
    if "transition" in holder:
        step = holder["transition"]
        step = {"nextState": step} if isinstance(step, str) else step
        target, where = str(step.get("nextState")), path + ("transition",)
    else:
        step = holder.get("end") if isinstance(holder.get("end"), dict) else {}
        target, where = tr.end, path + ("end",)
    tasks: list[Task] = []
    if step.get("compensate"):
        tasks.append({f"{prefix}-compensate": compensation(tr)})
    for index, produced in enumerate(step.get("produceEvents") or []):
        tasks.append({f"{prefix}-produce-{index}": _produce(produced, tr)})
    if step.get("continueAs"):
        tasks.append({f"{prefix}-continue": _continue_as(step["continueAs"], where + ("continueAs",), tr)})
    if not tasks:
        return Jump(target)
    names = [next(iter(task)) for task in tasks]
    for task, following in zip(tasks, [*names[1:], target], strict=True):
        next(iter(task.values()))["then"] = following
    return Jump(names[0], tasks)


def _produce(produced: dict[str, Any], tr: Translation) -> dict[str, Any]:
    definition = tr.named("events").get(str(produced.get("eventRef")), {"type": produced.get("eventRef")})
    data = produced.get("data")
    value = jq.wrap(tr.expr(data)) if isinstance(data, str) else tr.template(data)
    body = emit_body(definition, value, produced.get("contextAttributes"), tr)
    body["output"] = {"as": "${ $input }"}
    return body


def _continue_as(target: Any, path: tuple, tr: Translation) -> dict[str, Any]:
    target = {"workflowId": target} if isinstance(target, str) else target
    workflow_id = target.get("workflowId") or tr.data.get("id")
    workflow: dict[str, Any] = {
        "namespace": "default",
        "name": slug(str(workflow_id)),
        "version": semver(target.get("version")),
    }
    data = target.get("data")
    if data is not None:
        workflow["input"] = jq.wrap(tr.expr(data)) if isinstance(data, str) else data
    body: dict[str, Any] = {"run": {"workflow": workflow}}
    tr.note(
        path,
        "1.0 has no continue-as-new: the next execution runs as a child workflow whose output is this one's",
        body,
    )
    return body


def track_completion(body: dict[str, Any], state_name: str) -> None:
    """A state with ``compensatedBy``: on success, remember it for a later ``compensate``."""
    listed = f"(($context.{COMPENSATED} // []) + [{jq.literal(state_name)}])"
    body["export"] = {"as": jq.wrap(f"$context + {{{COMPENSATED}: {listed}}}")}


def compensation(tr: Translation) -> dict[str, Any]:
    """Undo the completed states newest first, each along its ``compensatedBy`` path (0.8 compensation)."""
    from swengine.authoring.migrate.states import translate_state  # states use jumps, jumps use states

    states = tr.data.get("states") or []
    cases: list[Task] = [
        {
            f"undo-{state['name']}": {
                "when": jq.wrap(f"$compensated == {jq.literal(state['name'])}"),
                "then": state["compensatedBy"],
            }
        }
        for state in states
        if state.get("compensatedBy")
    ]
    cases.append({"default": {"then": "exit"}})
    outer_end, tr.end = tr.end, "exit"
    try:
        steps: list[Task] = [{"which": {"switch": cases}}]
        for index, state in enumerate(states):
            if state.get("usedForCompensation"):
                steps += translate_state(state, ("states", index), tr)
    finally:
        tr.end = outer_end
    return {
        "for": {"each": "compensated", "in": jq.wrap(f"$context.{COMPENSATED} // [] | reverse")},
        "do": steps,
        "export": {"as": jq.wrap(f"$context | del(.{COMPENSATED})")},
    }
