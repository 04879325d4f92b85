"""Scenarios whose histories are recorded for replay tests: every spec in specs/ and every state kind."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SPECS = Path(__file__).resolve().parents[2] / "specs"

CALLBACK_AND_SUBFLOW = """
id: replay-kinds
specVersion: "0.8"
start: Ask
events:
  - {name: answer, type: replay.answer, source: /replay}
  - {name: asked, type: replay.asked, source: /replay, kind: produced}
functions:
  - {name: echo, type: custom, operation: builtin.echo}
states:
  - name: Ask
    type: callback
    action: {functionRef: {refName: echo, arguments: {asked: true}}}
    eventRef: answer
    transition: {nextState: Child, produceEvents: [{eventRef: asked, data: "${ {asked: .asked} }"}]}
  - name: Child
    type: operation
    actions: [{subFlowRef: replay-child}]
    transition: Pick
  - name: Pick
    type: switch
    eventConditions:
      - {eventRef: answer, transition: Done}
    defaultCondition: {transition: Done}
    timeouts: {eventTimeout: PT0.2S}
  - {name: Done, type: inject, data: {done: true}, end: true}
"""

CHILD = """
id: replay-child
specVersion: "0.8"
start: Hi
states:
  - {name: Hi, type: inject, data: {child: true}, end: true}
"""

BOUNDED_INBOX = """
id: replay-bounded-inbox
specVersion: "0.8"
start: Wait
events: [{name: wanted, type: replay.wanted, source: /replay}]
states:
  - {name: Wait, type: event, end: true,
     onEvents: [{eventRefs: [wanted], eventDataFilter: {toStateData: "${ .wanted }"}}]}
"""
"""Over 100 unconsumed events: the oldest are dropped (``workflow.patched("bounded-inbox")``)."""


@dataclass(frozen=True)
class Scenario:
    name: str
    source: Path | str
    input: Any = field(default_factory=dict)
    mocks: dict[str, Any] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    extra_definitions: tuple[str, ...] = ()


def _event(event_type: str, event_id: str, data: Any, **attributes: Any) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": event_id,
        "source": attributes.pop("source", "/replay"),
        "type": event_type,
        "data": data,
        **attributes,
    }


SCENARIOS: list[Scenario] = [
    Scenario("hello", SPECS / "hello.sw.yaml"),
    Scenario("greeting", SPECS / "greeting.sw.yaml", {"person": {"name": "Ada"}}),
    Scenario("countdown", SPECS / "countdown.sw.yaml", {"count": 2}),
    Scenario("order", SPECS / "order.sw.yaml", {"customer": "Ada"}),
    Scenario("fan-out", SPECS / "fan-out.sw.yaml", {"numbers": [1, 2, 3]}),
    Scenario("nap", SPECS / "nap.sw.yaml"),
    Scenario(
        "approval",
        SPECS / "approval.sw.yaml",
        {"request": 7},
        events=[
            _event(
                "com.example.approval.decided", "d-1", {"approved": True}, source="/approvals", requestid="7"
            )
        ],
    ),
    Scenario(
        "intake",
        SPECS / "intake.sw.yaml",
        events=[_event("com.example.order.placed", "o-1", {"id": "o-1"}, source="/shop", orderid="o-1")],
    ),
    Scenario(
        "callback-subflow-switch",
        CALLBACK_AND_SUBFLOW,
        events=[_event("replay.answer", "a-1", {"answer": 42})],
        extra_definitions=(CHILD,),
    ),
    Scenario(
        "bounded-inbox",
        BOUNDED_INBOX,
        events=[
            *(_event("replay.ignored", f"i-{index}", {"i": index}) for index in range(102)),
            _event("replay.wanted", "w-1", {"wanted": True}),
        ],
    ),
]
