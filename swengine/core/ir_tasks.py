"""The IR of the task DSL (1.0): a tree of tasks whose flow directives are scoped to their own list.

A 1.0 definition compiles to one ``TasksState`` (see ``ir``) holding this tree, so the 0.8 state machine and
its wire form stay as they were. Every task carries its JSON pointer (``/do/0/name/try/0/...``), which errors
and progress report. Expressions are jq programs without ``${ }``; object templates are one jq program.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

HTTP_ACTIVITY = "swengine.http"
"""Engine activity behind ``call: http`` (operator allow-list as for ``rest``)."""
PROCESS_ACTIVITY = "swengine.process"
"""Engine activity behind ``run.shell`` and ``run.script`` (only when the operator turns processes on)."""
MCP_ACTIVITY = "swengine.mcp"
"""Engine activity behind ``call: mcp`` (http transport: allow-list; stdio: the operator's commands only)."""
GRPC_ACTIVITY = "swengine.grpc"
"""Engine activity behind ``call: grpc`` (the proto compiled when the definition is)."""
A2A_ACTIVITY = "swengine.a2a"
"""Engine activity behind ``call: a2a`` (JSON-RPC to the agent its card names; allow-list as for http)."""
PROTO_DESCRIPTORS = "descriptorSet"
"""Key of a grpc call's ``with.proto`` holding its proto compiled at load time (base64 ``FileDescriptorSet``)."""
PROTOCOL_ACTIVITIES = {
    "http": HTTP_ACTIVITY,
    "openapi": HTTP_ACTIVITY,
    "mcp": MCP_ACTIVITY,
    "grpc": GRPC_ACTIVITY,
    "a2a": A2A_ACTIVITY,
}
"""``call`` protocols swengine runs, by the engine activity that runs them."""
SECRET_READERS = frozenset({PROCESS_ACTIVITY, *PROTOCOL_ACTIVITIES.values()})
"""Engine activities given the run's secret grant: they alone put secret values in place of markers."""


@dataclass(frozen=True, kw_only=True, slots=True)
class _TaskBase:
    name: str
    pointer: str
    """JSON pointer of the task in its document, e.g. ``/do/0/tryGetPet/try/0/getPet``."""
    when: str | None = None
    """``if``: jq; the task runs only when it yields true."""
    input_from: str | None = None
    output_as: str | None = None
    export_as: str | None = None
    then: str | None = None
    """Flow directive after the task: None (continue), ``exit``, ``end`` or a sibling's name."""
    timeout: str | None = None
    """ISO 8601; past it the task faults with a ``timeout`` error."""
    input_schema: dict[str, Any] | None = None
    """JSON Schema the raw input must match (else a ``validation`` fault)."""
    output_schema: dict[str, Any] | None = None
    """JSON Schema the transformed output must match."""
    export_schema: dict[str, Any] | None = None
    """JSON Schema the new ``$context`` must match."""


@dataclass(frozen=True, kw_only=True, slots=True)
class SetTask(_TaskBase):
    kind: Literal["set"] = "set"
    value: str
    """jq building the new data (a literal map compiles to a jq literal)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class DoTask(_TaskBase):
    kind: Literal["do"] = "do"
    tasks: list[Task] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True, slots=True)
class SwitchCase:
    name: str
    when: str | None = None
    """None: the default case."""
    then: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class SwitchTask(_TaskBase):
    kind: Literal["switch"] = "switch"
    cases: list[SwitchCase] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True, slots=True)
class WaitTask(_TaskBase):
    kind: Literal["wait"] = "wait"
    duration: str
    """ISO 8601, or a jq program yielding one when ``computed``."""
    computed: bool = False


@dataclass(frozen=True, kw_only=True, slots=True)
class RaiseTask(_TaskBase):
    kind: Literal["raise"] = "raise"
    error: str
    """jq building the error object (type, status, title, detail)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class RetryPolicy:
    """A resolved ``catch.retry``: the try block runs again after a delay while the limits allow."""

    when: str | None = None
    except_when: str | None = None
    delay: str = "PT0S"
    backoff: Literal["constant", "linear", "exponential"] = "constant"
    attempts: int | None = None
    """``limit.attempt.count``: retries after the first attempt; None is unlimited."""
    attempt_duration: str | None = None
    """``limit.attempt.duration``: each attempt's bound (past it the attempt faults with ``timeout``)."""
    duration: str | None = None
    """``limit.duration``: no new attempt starts once this has passed since the first."""
    jitter_from: str | None = None
    jitter_to: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class ErrorFilter:
    """``catch.errors.with``: every given property must equal the error's (types by standard name too)."""

    type: str | None = None
    status: int | None = None
    instance: str | None = None
    title: str | None = None
    detail: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Catch:
    errors: ErrorFilter = field(default_factory=ErrorFilter)
    variable: str = "error"
    """``as``: the name the caught error is bound to in ``when``, ``exceptWhen`` and ``do``."""
    when: str | None = None
    except_when: str | None = None
    retry: RetryPolicy | None = None
    tasks: list[Task] | None = None
    """``catch.do``; None: the try task's output is its input."""


@dataclass(frozen=True, kw_only=True, slots=True)
class TryTask(_TaskBase):
    kind: Literal["try"] = "try"
    tasks: list[Task] = field(default_factory=list)
    catch: Catch = field(default_factory=Catch)


@dataclass(frozen=True, kw_only=True, slots=True)
class ForTask(_TaskBase):
    kind: Literal["for"] = "for"
    each: str = "item"
    collection: str
    """``in``: jq yielding the array iterated."""
    at: str = "index"
    while_: str | None = None
    tasks: list[Task] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True, slots=True)
class ForkTask(_TaskBase):
    kind: Literal["fork"] = "fork"
    branches: list[Task] = field(default_factory=list)
    compete: bool = False


@dataclass(frozen=True, kw_only=True, slots=True)
class CallTask(_TaskBase):
    kind: Literal["call"] = "call"
    function: str
    """What mocks and errors name: the ``call`` value (``http``, a function of ``use.functions``, an activity)."""
    activity: str
    """Temporal activity run."""
    arguments: str | None = None
    """jq building the activity's one argument."""
    local: bool = False


@dataclass(frozen=True, kw_only=True, slots=True)
class EmitTask(_TaskBase):
    kind: Literal["emit"] = "emit"
    event: str
    """jq building the event's attributes and data (``emit.event.with``)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class RunWorkflowTask(_TaskBase):
    kind: Literal["run"] = "run"
    workflow_id: str
    """``namespace/name`` of the definition run as a child workflow."""
    version: str | None = None
    input: str | None = None
    """jq building the child's input; None passes the task input."""
    wait: bool = True
    """``await``."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Correlate:
    """``correlate.<key>``: the value ``source`` reads from an event must equal ``expect`` (or, without it,
    the value the first consumed event gave)."""

    key: str
    source: str
    """``from``: jq over the event."""
    expect: str | None = None
    """jq over the task input (a constant compiles to a jq literal)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class EventFilter:
    """An event matches when every literal attribute equals (or, as a regular expression, fully matches) the
    event's, every computed one is true on the event, and every correlation holds."""

    attributes: dict[str, Any] = field(default_factory=dict)
    computed: dict[str, str] = field(default_factory=dict)
    """Attribute name to jq over that attribute's value (``data`` among them), which must yield true."""
    correlate: list[Correlate] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True, slots=True)
class EventIterator:
    """``listen.foreach``: each consumed event, as it is consumed, runs ``tasks`` with the event as input."""

    item: str = "item"
    at: str = "index"
    tasks: list[Task] = field(default_factory=list)
    output_as: str | None = None
    export_as: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class ListenTask(_TaskBase):
    kind: Literal["listen"] = "listen"
    strategy: Literal["one", "all", "any"] = "any"
    filters: list[EventFilter] = field(default_factory=list)
    until: str | None = None
    """``until`` as an expression over the events consumed so far (``any`` only)."""
    until_strategy: Literal["one", "all", "any"] | None = None
    until_filters: list[EventFilter] = field(default_factory=list)
    """``until`` as a strategy: events it consumes end the listening and are not in the output."""
    read: Literal["data", "envelope", "raw"] = "data"
    foreach: EventIterator | None = None


Task = (
    SetTask
    | DoTask
    | SwitchTask
    | WaitTask
    | RaiseTask
    | TryTask
    | ForTask
    | ForkTask
    | CallTask
    | EmitTask
    | RunWorkflowTask
    | ListenTask
)
