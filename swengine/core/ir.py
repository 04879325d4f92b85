"""The compiled form of a workflow: plain, frozen, JSON-native dataclasses that travel inside Temporal history.

Every member of a union carries ``kind`` so Temporal's converter (which decodes unions by trial) can never
decode a value into the wrong class. Field names are snake_case; durations are ISO-8601 strings; jq
expressions are stored without their ``${ }`` wrapper. Wire names never change once shipped.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from swengine.core.ir_tasks import Task

IR_VERSION = 1

DEFAULT_TASK_QUEUE = "swengine"
CONSTANTS_VARIABLE = "CONST"
"""``$CONST``: the workflow's ``constants``, bound in every expression."""
DEFAULT_ITERATION_PARAM = "item"
"""The variable a ``foreach`` binds to each element when it names none."""
"""Task queue workers poll and instances are started on, unless configured otherwise."""
WORKFLOW_NAME = "swengine.Interpreter"
"""The workflow type instances were started under before each definition had its own (``workflow_type``);
their histories still replay, and they are still listed by their ``SwDefinition`` search attribute."""
DEFINITION_TYPE_PREFIX = "sw:"


def workflow_type(definition_id: str) -> str:
    """The Temporal workflow type an instance of ``definition_id`` starts under, as a hand-written workflow's
    type names it: Temporal lists, filters and counts instances by type for nothing, where a search attribute
    cost every start about 0.3 ms on the server. The interpreter answers these types dynamically."""
    return f"{DEFINITION_TYPE_PREFIX}{definition_id}"


def definition_of_type(type_name: str) -> str | None:
    """The definition id a workflow type names, or None for one that names no definition."""
    if type_name.startswith(DEFINITION_TYPE_PREFIX) and len(type_name) > len(DEFINITION_TYPE_PREFIX):
        return type_name[len(DEFINITION_TYPE_PREFIX) :]
    return None


SUSPEND_SIGNAL = "suspend"
"""Signal: start no further state or task until ``resume``."""
RESUME_SIGNAL = "resume"
ENGINE_ACTIVITY_PREFIX = "swengine."
"""Every engine activity's name starts so. A document reaches them only through the constructs that build
their payloads (``rest``, ``call: http`` ...): named directly (a custom function, ``call: activity``) an author
would write the payload, a forged secret grant included."""
PAUSE_ACTIVITY = "swengine.pause"
"""Local activity that does nothing: awaiting it ends a workflow activation without a trip to the server."""
LIFECYCLE_ACTIVITY = "swengine.lifecycle"
"""Local activity sending lifecycle CloudEvents (``io.serverlessworkflow.*.v1``) to the operator's sink."""
REPEATER_NAME = "swengine.Repeater"
"""The workflow type behind 1.0 ``schedule.after``: it runs a definition again and again, as children."""
EVENT_SIGNAL = "event"
"""Signal carrying one CloudEvent (as a dict) into an instance."""
STATUS_QUERY = "status"
EVENT_FATE_QUERY = "event_fate"
"""Query: what became of a delivered CloudEvent (consumed, buffered, unmatched, not_received)."""
"""Query answering the current state, data and states visited."""
EMIT_ACTIVITY = "swengine.emit_event"
"""Engine activity that sends produced CloudEvents to the configured sink."""
REST_ACTIVITY = "swengine.rest"
"""Engine activity that invokes a ``rest`` (OpenAPI) function."""
RPC_ACTIVITY = "swengine.rpc"
"""Engine activity that invokes an ``rpc`` (gRPC, unary) function."""
OPERATION_ACTIVITIES = frozenset({REST_ACTIVITY, RPC_ACTIVITY})
"""Engine activities every function of a type shares: each payload names its function, operation and arguments."""

RETRY_NO_ERRORS = "swengine:retry-no-application-errors"
"""Retry-policy marker: application errors are final; only infrastructure failures (timeouts) are retried."""
RETRY_ONLY_PREFIX = "swengine:retry-only:"
"""Retry-policy marker prefix: only error types given as ``<prefix><type>`` are retried (``retryableErrors``).
Prefixed so Temporal itself never matches them as non-retryable types."""

SEARCH_DEFINITION = "SwDefinition"
"""Keyword search attribute: the definition id of an instance (lets the event router find instances)."""
SEARCH_EVENT_TYPES = "SwEventTypes"
"""KeywordList search attribute: every event type the instance's definition consumes."""
SEARCH_CORRELATION = "SwCorrelation"
"""KeywordList search attribute: ``name=value`` correlation keys the instance has learned from its events."""
SEARCH_ATTRIBUTES = {
    SEARCH_DEFINITION: "Keyword",
    SEARCH_EVENT_TYPES: "KeywordList",
    SEARCH_CORRELATION: "KeywordList",
}


@dataclass(frozen=True, kw_only=True, slots=True)
class Retry:
    """A resolved retry definition, mapped onto a Temporal retry policy by the interpreter."""

    name: str
    delay: str | None = None
    """Initial delay between attempts (ISO-8601)."""
    max_delay: str | None = None
    """Upper bound on the delay between attempts."""
    increment: str | None = None
    """Static duration added to the delay after each attempt (approximated by Temporal's backoff)."""
    multiplier: float | None = None
    """Backoff coefficient."""
    max_attempts: int = 1
    """Total attempts, the first included; 0 means unlimited."""
    jitter: float | None = None
    """Fraction of the delay used as random jitter (Temporal applies its own jitter)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class ProducedEvent:
    """An event to emit on a transition, at the end, or from an ``eventRef`` action."""

    event: str
    """Event definition name."""
    type: str
    source: str | None = None
    data: Any = None
    """Literal data, or None when ``data_expr`` gives it."""
    data_expr: str | None = None
    """jq evaluated against the state data to build the event data."""
    context_attributes: dict[str, str] = field(default_factory=dict)
    """Extension attributes: name to a jq program (literals compiled to jq literals) over the state data."""


@dataclass(frozen=True, kw_only=True, slots=True)
class ContinueAs:
    """Continue the instance as a new execution of a (possibly other) workflow."""

    workflow_id: str
    version: str | None = None
    data_expr: str | None = None
    """jq selecting the new execution's input; None passes the state data."""
    data: Any = None
    workflow_exec_timeout: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Transition:
    """Where a state goes next: another state, or the end of the instance (folded ``transition``/``end``)."""

    next_state: str | None = None
    """Target state; None means this is an end."""
    terminate: bool = False
    """End the whole instance now, even with other branches active."""
    compensate: bool = False
    """Run compensation before moving on."""
    produce_events: list[ProducedEvent] = field(default_factory=list)
    continue_as: ContinueAs | None = None

    @property
    def is_end(self) -> bool:
        return self.next_state is None


@dataclass(frozen=True, kw_only=True, slots=True)
class ErrorHandler:
    """One ``onErrors`` entry: which errors it catches and where it goes."""

    errors: list[str] | None
    """Error names/codes matched; None catches any error (``errorRef: "*"`` style)."""
    transition: Transition


@dataclass(frozen=True, kw_only=True, slots=True)
class FunctionCall:
    """Call a function: an activity by name, or a jq expression evaluated in the workflow."""

    kind: Literal["function"] = "function"
    function: str
    """Function definition name (what mocks and error messages refer to)."""
    type: str
    """Spec function type: custom, rest, expression, asyncapi, rpc, graphql, odata."""
    operation: str
    activity: str | None = None
    """Temporal activity name; None for expression functions."""
    expression: str | None = None
    """jq program for expression functions."""
    arguments_expr: str | None = None
    """One jq program building the arguments object (literals and ``${ }`` values combined)."""
    invoke: Literal["sync", "async"] = "sync"
    local: bool = False
    """Run as a Temporal local activity (cheap built-in transforms)."""
    proto: str | None = None
    """``rpc`` functions: their proto's descriptor set, compiled when the definition was loaded (base64)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class SubflowCall:
    """Run another workflow definition as a child workflow."""

    kind: Literal["subflow"] = "subflow"
    workflow_id: str
    version: str | None = None
    invoke: Literal["sync", "async"] = "sync"
    on_parent_complete: Literal["terminate", "continue"] = "terminate"


@dataclass(frozen=True, kw_only=True, slots=True)
class EventCall:
    """Produce an event, then (unless async) wait for its result event."""

    kind: Literal["event"] = "event"
    produce: ProducedEvent
    result_event: str | None = None
    """Event definition name awaited as the result."""
    result_timeout: str | None = None
    invoke: Literal["sync", "async"] = "sync"


@dataclass(frozen=True, kw_only=True, slots=True)
class Action:
    """One action of a state, with its data filter and retry behaviour resolved."""

    name: str | None = None
    call: FunctionCall | SubflowCall | EventCall
    condition: str | None = None
    """jq; the action runs only when it yields true."""
    from_state_data: str | None = None
    results: str | None = None
    to_state_data: str | None = None
    """jq path expression naming where results are merged; None merges at the top."""
    use_results: bool = True
    retry: Retry | None = None
    retryable_errors: list[str] | None = None
    non_retryable_errors: list[str] | None = None
    auto_retries: bool = False
    timeout: str | None = None
    """actionExecTimeout (ISO-8601)."""
    sleep_before: str | None = None
    sleep_after: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class EventDef:
    """A resolved event definition."""

    name: str
    type: str
    source: str | None = None
    kind: Literal["consumed", "produced"] = "consumed"
    correlation: list[Correlation] = field(default_factory=list)
    data_only: bool = True


@dataclass(frozen=True, kw_only=True, slots=True)
class Correlation:
    context_attribute_name: str
    context_attribute_value: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class EventDataFilter:
    use_data: bool = True
    data: str | None = None
    to_state_data: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class StateTimeouts:
    state_exec: str | None = None
    """Total time for the state (ISO-8601)."""
    action_exec: str | None = None
    """Default per-action timeout."""
    event_timeout: str | None = None
    """How long event and callback states (and event-based switches) wait."""
    branch_exec: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class _StateBase:
    name: str
    input_filter: str | None = None
    output_filter: str | None = None
    on_errors: list[ErrorHandler] = field(default_factory=list)
    timeouts: StateTimeouts = field(default_factory=StateTimeouts)
    compensated_by: str | None = None
    used_for_compensation: bool = False


@dataclass(frozen=True, kw_only=True, slots=True)
class OperationState(_StateBase):
    kind: Literal["operation"] = "operation"
    action_mode: Literal["sequential", "parallel"] = "sequential"
    actions: list[Action] = field(default_factory=list)
    transition: Transition


@dataclass(frozen=True, kw_only=True, slots=True)
class InjectState(_StateBase):
    kind: Literal["inject"] = "inject"
    data: Any = None
    transition: Transition


@dataclass(frozen=True, kw_only=True, slots=True)
class SleepState(_StateBase):
    kind: Literal["sleep"] = "sleep"
    duration: str
    transition: Transition


@dataclass(frozen=True, kw_only=True, slots=True)
class DataCondition:
    condition: str
    transition: Transition
    name: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class EventCondition:
    event: str
    transition: Transition
    name: str | None = None
    data_filter: EventDataFilter = field(default_factory=EventDataFilter)


@dataclass(frozen=True, kw_only=True, slots=True)
class SwitchState(_StateBase):
    kind: Literal["switch"] = "switch"
    data_conditions: list[DataCondition] = field(default_factory=list)
    event_conditions: list[EventCondition] = field(default_factory=list)
    default: Transition


@dataclass(frozen=True, kw_only=True, slots=True)
class Branch:
    name: str
    actions: list[Action] = field(default_factory=list)
    action_mode: Literal["sequential", "parallel"] = "sequential"
    timeout: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class ParallelState(_StateBase):
    kind: Literal["parallel"] = "parallel"
    branches: list[Branch] = field(default_factory=list)
    completion_type: Literal["allOf", "atLeast"] = "allOf"
    num_completed: int = 0
    transition: Transition


@dataclass(frozen=True, kw_only=True, slots=True)
class ForEachState(_StateBase):
    kind: Literal["foreach"] = "foreach"
    input_collection: str
    output_collection: str | None = None
    iteration_param: str = "item"
    batch_size: int | None = None
    mode: Literal["parallel", "sequential"] = "parallel"
    actions: list[Action] = field(default_factory=list)
    transition: Transition


@dataclass(frozen=True, kw_only=True, slots=True)
class OnEvent:
    event_refs: list[str]
    action_mode: Literal["sequential", "parallel"] = "sequential"
    actions: list[Action] = field(default_factory=list)
    data_filter: EventDataFilter = field(default_factory=EventDataFilter)


@dataclass(frozen=True, kw_only=True, slots=True)
class EventState(_StateBase):
    kind: Literal["event"] = "event"
    exclusive: bool = True
    on_events: list[OnEvent] = field(default_factory=list)
    transition: Transition


@dataclass(frozen=True, kw_only=True, slots=True)
class CallbackState(_StateBase):
    kind: Literal["callback"] = "callback"
    action: Action
    event: str
    data_filter: EventDataFilter = field(default_factory=EventDataFilter)
    transition: Transition


@dataclass(frozen=True, kw_only=True, slots=True)
class TasksState(_StateBase):
    """A whole 1.0 (task DSL) definition: its task tree and the workflow-level data flow around it."""

    kind: Literal["tasks"] = "tasks"
    tasks: list[Task] = field(default_factory=list)
    input_from: str | None = None
    """The workflow's ``input.from`` (jq)."""
    output_as: str | None = None
    """The workflow's ``output.as`` (jq)."""
    output_schema: dict[str, Any] | None = None
    """The workflow's ``output.schema``; its ``input.schema`` is ``WorkflowIR.data_input_schema``."""
    timeout: str | None = None
    """The workflow's ``timeout``: past it the instance faults with a ``timeout`` error."""
    document: dict[str, Any] = field(default_factory=dict)
    """``document`` of the definition, for ``$workflow.definition``."""
    secrets: list[str] = field(default_factory=list)
    """``use.secrets``: the names engine activities may resolve for this workflow."""
    secret_paths: list[list[str]] = field(default_factory=list)
    """Every ``$secrets`` path the document reads (``[db, user]``): ``$secrets`` holds markers at them."""
    transition: Transition = field(default_factory=Transition)


State = (
    OperationState
    | InjectState
    | SleepState
    | SwitchState
    | ParallelState
    | ForEachState
    | EventState
    | CallbackState
    | TasksState
)


@dataclass(frozen=True, kw_only=True, slots=True)
class Schedule:
    interval: str | None = None
    cron: str | None = None
    cron_valid_until: str | None = None
    timezone: str | None = None
    after: str | None = None
    """1.0 ``schedule.after`` (ISO 8601): start again that long after each run ends."""
    on: list[EventDef] = field(default_factory=list)
    """1.0 ``schedule.on``: each event matching one of these starts an instance whose input is ``[event]``."""


@dataclass(frozen=True, kw_only=True, slots=True)
class WorkflowIR:
    """A compiled workflow definition: everything the interpreter needs, nothing it must look up."""

    ir_version: int = IR_VERSION
    id: str
    version: str | None = None
    name: str | None = None
    content_hash: str
    """sha256 of the source text: identifies what was deployed."""
    start: str
    schedule: Schedule | None = None
    states: list[State]
    events: list[EventDef] = field(default_factory=list)
    constants: dict[str, Any] = field(default_factory=dict)
    data_input_schema: dict[str, Any] | None = None
    fail_on_invalid_input: bool = True
    workflow_exec_timeout: str | None = None
    interrupt_on_timeout: bool = True
    run_before_timeout: str | None = None
    """State to run when ``workflowExecTimeout`` fires (``runBefore``)."""
    keep_active: bool = False
    auto_retries: bool = False
    dialect: str = "standard"
    """The 0.8 dialect it was written in: ``sonataflow`` binds SonataFlow's ``$WORKFLOW`` in expressions."""

    def state(self, name: str) -> State:
        for state in self.states:
            if state.name == name:
                return state
        raise KeyError(name)

    @property
    def task_tree(self) -> TasksState | None:
        """The 1.0 task tree (its one state), or None for a 0.8 state machine."""
        only = self.states[0] if len(self.states) == 1 else None
        return only if isinstance(only, TasksState) else None

    def event(self, name: str) -> EventDef:
        for event in self.events:
            if event.name == name:
                return event
        raise KeyError(name)


def nodes(value: Any) -> Iterator[Any]:
    """Every IR dataclass inside ``value`` (itself included), depth first in document order."""
    if isinstance(value, list):
        for item in value:
            yield from nodes(item)
    elif dataclasses.is_dataclass(value):
        yield value
        for item in dataclasses.fields(value):
            yield from nodes(getattr(value, item.name))


@dataclass(frozen=True, kw_only=True, slots=True)
class RunRequest:
    """The single argument of the interpreter workflow."""

    ir: WorkflowIR
    input: Any = None
    subflows: dict[str, WorkflowIR] = field(default_factory=dict)
    """Definitions reachable through ``subFlowRef``, keyed ``id`` and ``id@version``, bundled at start."""
    start_state: str | None = None
    """Resume point after continue-as-new; None starts at ``ir.start``."""
    visited: list[str] = field(default_factory=list)
    """States visited before a continue-as-new, carried over so status stays complete."""
    events: list[dict[str, Any]] = field(default_factory=list)
    """CloudEvents buffered but not yet consumed, carried over continue-as-new."""
    seen_event_keys: list[str] = field(default_factory=list)
    """Dedupe keys (source + id) of events already received, carried over continue-as-new."""
    parent_id: str | None = None
    correlation: dict[str, str] = field(default_factory=dict)
    """Correlation values known at start (given by the caller): this instance only accepts events that match."""
    index_correlation: bool = False
    """Upsert learned correlation keys as the ``SwCorrelation`` search attribute (when it is registered)."""
    deadline: str | None = None
    """When ``workflowExecTimeout`` expires (ISO 8601), carried over continue-as-new so it never restarts."""
    dropped_events: list[dict[str, Any]] = field(default_factory=list)
    """Unconsumed events dropped to keep the instance within its limits (id, source, type, reason), carried
    over continue-as-new so the status keeps saying why they are gone."""
    lifecycle_events: bool = False
    """Publish lifecycle CloudEvents (the operator's ``SWENGINE_LIFECYCLE_EVENTS`` when it started), carried
    to continued runs and children."""
    suspended: bool = False
    """The instance was suspended when its run continued as new: the next run starts suspended."""
