"""What the state translators share: a translated state's parts, where a state goes next, and a list of
actions as one task body."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from swengine.authoring.migrate import jq
from swengine.authoring.migrate.actions import Slot, action_name, translate_action
from swengine.authoring.migrate.context import Jump, Task, Translation
from swengine.authoring.migrate.flow import jump


@dataclass
class Parts:
    """A translated state: its work (a task body), where it goes, and the tasks beside it."""

    body: dict[str, Any]
    then: str | None = None
    beside: list[Task] = field(default_factory=list)


Translator = Callable[[dict[str, Any], tuple, Translation], Parts]


def next_of(state: dict[str, Any], path: tuple, tr: Translation, suffix: str = "end") -> Jump:
    return jump(state, path, f"{state['name']}-{suffix}", tr)


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
    if mode != "parallel" or len(actions) < 2:
        return {"do": tasks}
    bodies = [next(iter(task.values())) for task in tasks]
    if slot.keys or any("output" not in body or "if" in body for body in bodies):
        sequential: dict[str, Any] = {"do": tasks}
        message = "parallel actions with conditions, retries or sleeps run one after another here"
        tr.note(path + ("actionMode",), message, sequential)
        return sequential
    for task in tasks:  # each branch yields its result alone; the fork merges them in order
        only = next(iter(task.values()))
        only["output"] = {"as": jq.wrap(_result_only(only["output"]["as"]))}
    merge = "reduce .[] as $r ($input; if $r == null then . else merge08(.; $r) end)"
    return {"fork": {"branches": tasks}, "output": {"as": jq.wrap(merge)}}


def _result_only(output_as: str) -> str:
    """A branch's merge turned into its result placed as the merge would place it, from null."""
    return jq.body(output_as).replace("$input", "null")
