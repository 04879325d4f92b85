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


TASKS = """
document: {dsl: '1.0.3', namespace: replay, name: tasks, version: '1.0.0'}
use:
  errors:
    flaky: {type: https://example.com/flaky, status: 503, title: flaky}
do:
  - start:
      set: {colors: [red, green], tries: 0}
      export: {as: '{tries: 0}'}
  - loop:
      for: {each: color, in: .colors, at: i}
      do:
        - mark:
            set: '${ . + {last: $color, at: $i} }'
  - pick:
      switch:
        - many: {when: (.colors | length) > 1, then: branches}
        - other: {then: end}
  - never:
      set: {never: true}
  - branches:
      fork:
        branches:
          - one: {set: {branch: 1}}
          - two: {wait: {milliseconds: 10}}
      output: {as: '{branches: length}'}
  - race:
      fork:
        compete: true
        branches:
          - quick: {set: {winner: quick}}
          - slow: {wait: PT1S}
      output: {as: '$input + .'}
  - guarded:
      try:
        - count:
            set: '${ . }'
            export: {as: '{tries: ($context.tries + 1)}'}
        - failTwice:
            if: $context.tries < 3
            raise: {error: flaky}
      catch:
        errors: {with: {status: 503}}
        retry: {delay: {milliseconds: 10}, backoff: {linear: {}}, limit: {attempt: {count: 5}}}
  - caught:
      try:
        - boom:
            raise: {error: {type: https://example.com/boom, status: 400}}
      catch:
        as: problem
        do:
          - note:
              set: '${ $input + {caught: $problem.instance, tries: $context.tries} }'
  - echo:
      call: activity
      with: {name: builtin.echo, arguments: '${ {echoed: .caught} }'}
      output: {as: '$input + .'}
  - pause:
      wait: {milliseconds: 10}
  - announce:
      emit:
        event:
          with: {source: /replay, type: replay.tasks.done, data: '${ {tries: .tries} }'}
      output: {as: '$input'}
  - child:
      run:
        workflow: {namespace: replay, name: tasks-child, version: '1.0.0', input: {n: 2}}
      output: {as: '$input + {child: .}'}
      then: exit
  - skipped:
      set: {skipped: true}
"""

TASKS_CHILD = """
document: {dsl: '1.0.3', namespace: replay, name: tasks-child, version: '1.0.0'}
do:
  - double:
      set: {doubled: '${ .n * 2 }'}
"""


LISTEN = """
document: {dsl: '1.0.3', namespace: replay, name: listen, version: '1.0.0'}
evaluate: {mode: loose}
do:
  - both:
      listen:
        to:
          all:
            - with: {type: replay.a}
            - with: {type: replay.b, data: '${ .ok }'}
  - readings:
      listen:
        to:
          any:
            - with: {type: replay.reading}
          until:
            one:
              with: {type: replay.stop}
        read: envelope
      output: {as: '{readings: map(.data.value)}'}
      export: {as: '{readings: .readings}'}
  - slow:
      try:
        - nap:
            wait: PT5S
            timeout: {after: {milliseconds: 100}}
      catch:
        errors: {with: {type: https://serverlessworkflow.io/spec/1.0.0/errors/timeout}}
        do:
          - note:
              set: {timedOut: true, readings: '$context.readings', label: plain words}
              output:
                schema: {document: {type: object, required: [timedOut]}}
"""


SECRETS_AND_CALLS = """
document: {dsl: '1.0.3', namespace: replay, name: secrets-and-calls, version: '1.0.0'}
use:
  secrets: [token]
do:
  - fetch:
      call: http
      with:
        method: get
        endpoint: {uri: 'http://api.test/x', authentication: {bearer: {token: '${ $secrets.token }'}}}
  - tool:
      call: mcp
      with: {method: tools/list, transport: {stdio: {command: server}}}
  - shell:
      run: {shell: {command: 'echo $KEY', environment: {KEY: '${ $secrets.token }'}}, return: all}
"""


LIFECYCLE = """
document: {dsl: '1.0.3', namespace: replay, name: lifecycle, version: '1.0.0'}
do:
  - first:
      set: {a: 1}
  - guarded:
      try:
        - boom:
            raise: {error: {type: https://example.com/boom, status: 503}}
      catch:
        retry: {delay: {milliseconds: 10}, limit: {attempt: {count: 1}}}
  - both:
      fork:
        compete: true
        branches:
          - quick: {set: {quick: true}}
          - slow: {wait: PT5S}
  - decision:
      listen:
        to:
          one:
            with: {type: replay.decided}
  - nap:
      wait: {milliseconds: 200}
"""
"""Lifecycle events of every kind a 1.0 run publishes (retry, cancelled fork branch, correlation), with a
suspend and a resume (``workflow.patched("lifecycle-events")``)."""


LONG_LOOP = """\
document: {dsl: '1.0.3', namespace: replay, name: long-loop, version: '1.0.0'}
do:
  - bump:
      set: '${ . + {count: (.count + 1)} }'
  - check:
      switch:
        - done: {when: '.count >= .target', then: end}
        - again: {then: bump}
"""
"""1,200 tasks that never wait: the interpreter pauses every 500 (a timer before ``pause-locally``, a local
activity since)."""


@dataclass(frozen=True)
class Scenario:
    name: str
    source: Path | str
    input: Any = field(default_factory=dict)
    mocks: dict[str, Any] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    extra_definitions: tuple[str, ...] = ()
    lifecycle: bool = False
    """Started with lifecycle CloudEvents on (``SWENGINE_LIFECYCLE_EVENTS``)."""
    signals: tuple[str, ...] = ()
    """Signals without arguments (``suspend``, ``resume``) sent after the start, before the events."""


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
    Scenario("v10-tasks", TASKS, extra_definitions=(TASKS_CHILD,)),
    # recorded since each definition runs under its own workflow type (the ones above, under the old one)
    Scenario(
        "typed-callback-subflow-switch",
        CALLBACK_AND_SUBFLOW,
        events=[_event("replay.answer", "a-1", {"answer": 42})],
        extra_definitions=(CHILD,),
    ),
    Scenario("typed-v10-tasks", TASKS, extra_definitions=(TASKS_CHILD,)),
    Scenario("v10-long-loop-timer", LONG_LOOP, {"count": 0, "target": 600}),  # recorded before pause-locally
    Scenario("v10-long-loop", LONG_LOOP, {"count": 0, "target": 600}),
    Scenario(
        "v10-secrets-and-calls",
        SECRETS_AND_CALLS,
        mocks={
            "fetch": {"ok": True},
            "tool": {"tools": []},
            "shell": {"code": 0, "stdout": "", "stderr": ""},
        },
    ),
    Scenario(
        "lifecycle",
        LIFECYCLE,
        events=[_event("replay.decided", "d-1", {"ok": True})],
        lifecycle=True,
        signals=("suspend", "resume"),
    ),
    Scenario("lifecycle-states", SPECS / "greeting.sw.yaml", {"person": {"name": "Ada"}}, lifecycle=True),
    Scenario(
        "v10-listen",
        LISTEN,
        events=[
            _event("replay.b", "b-1", {"ok": True}),
            _event("replay.a", "a-1", {}),
            _event("replay.reading", "r-1", {"value": 1}),
            _event("replay.reading", "r-1", {"value": 1}),
            _event("replay.reading", "r-2", {"value": 2}),
            _event("replay.stop", "s-1", {}),
        ],
    ),
]
