"""What an instance is doing, for people: each state's outcome, and what it waits for and until when.

Pure bookkeeping read by the ``status`` query: it emits no command, so it needs no ``workflow.patched``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from swengine.core.ir import EventDef
from swengine.core.matching import dedupe_key
from swengine.interpreter.inbox import Inbox

OUTCOMES = ("running", "completed", "timed_out", "handled_error", "failed", "compensated")
"""``timed_out``: an event wait's timeout passed and the state moved on (spec behaviour)."""
MAX_STEPS = 1000
"""Steps kept (the newest), like ``visited``."""


@dataclass
class Step:
    state: str
    outcome: str = "running"
    error: str | None = None
    timed_out: bool = False

    def view(self) -> dict[str, Any]:
        view: dict[str, Any] = {"state": self.state, "outcome": self.outcome}
        if self.error is not None:
            view["error"] = self.error
        return view


@dataclass
class Wait:
    """One pending event wait (parallel branches can wait at once)."""

    state: str | None
    events: list[dict[str, Any]]
    deadline: datetime | None

    def view(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "events": self.events,
            "deadline": self.deadline.isoformat() if self.deadline else None,
        }


def expected_event(definition: EventDef, learned: dict[str, Any]) -> dict[str, Any]:
    """What an event must carry to be taken: its type, source and correlation values (None: any value; the
    first event taken fixes it)."""
    return {
        "event": definition.name,
        "type": definition.type,
        "source": definition.source,
        "correlation": {
            rule.context_attribute_name: rule.context_attribute_value
            if rule.context_attribute_value is not None
            else learned.get(rule.context_attribute_name)
            for rule in definition.correlation
        },
    }


@dataclass
class Progress:
    steps: list[Step] = field(default_factory=list)
    waits: list[Wait] = field(default_factory=list)

    def begin(self, state: str) -> Step:
        step = Step(state)
        self.steps.append(step)
        del self.steps[:-MAX_STEPS]
        return step

    def wait(self, state: str | None, events: list[dict[str, Any]], deadline: datetime | None) -> Wait:
        waiting = Wait(state, events, deadline)
        self.waits.append(waiting)
        return waiting

    def done_waiting(self, waiting: Wait, *, timed_out: bool) -> None:
        if waiting in self.waits:
            self.waits.remove(waiting)
        if timed_out:
            step = next((s for s in reversed(self.steps) if s.state == waiting.state), None)
            if step is not None:
                step.timed_out = True

    def compensated(self, state: str) -> None:
        step = next((s for s in reversed(self.steps) if s.state == state), None)
        if step is not None:
            step.outcome = "compensated"

    def view(self) -> dict[str, Any]:
        return {
            "steps": [step.view() for step in self.steps],
            "waiting_for": [waiting.view() for waiting in self.waits],
        }


def event_fate(inbox: Inbox, event: dict[str, Any], consumed: list[EventDef]) -> str:
    """What became of ``event`` here: ``consumed`` by a state, ``buffered`` until a state takes it,
    ``unmatched`` (kept, but no event definition of this workflow matches its source or correlation, so no
    state ever will), or ``not_received``."""
    key = dedupe_key(event)
    if key not in inbox.seen():
        return "not_received"
    pending = next((item for item in inbox.pending() if dedupe_key(item) == key), None)
    if pending is None:
        return "consumed"
    return "buffered" if any(inbox.matches(pending, definition) for definition in consumed) else "unmatched"
