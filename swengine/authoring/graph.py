"""A workflow as a graph of its states: nodes, transitions, conditions, error paths and ends, built from the IR.

Renderers (Mermaid flowchart, Graphviz DOT) live in ``swengine.authoring.graph_render``; this module only builds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from swengine.core.ir import State, Transition, WorkflowIR

START = "sw_start"
END = "sw_end"


@dataclass(frozen=True, slots=True)
class Node:
    """A state (or the start/end marker); ``lines`` make its label, the first being the state name."""

    id: str
    lines: tuple[str, ...]
    shape: str
    """``state``, ``choice`` (switch), ``wait`` (event/callback), ``start`` or ``end``."""
    state: str | None = None


@dataclass(frozen=True, slots=True)
class Edge:
    source: str
    target: str
    label: str = ""
    style: str = "solid"
    """``solid`` for the normal flow, ``dashed`` for error and compensation paths."""


@dataclass(frozen=True, slots=True)
class Cluster:
    """What a state runs inside it, drawn as a subgraph beside the state: one per parallel branch, one for a
    foreach body; its nodes are the actions in order (chained when they run one after another)."""

    id: str
    label: str
    owner: str
    """The node id of the state that runs it."""
    actions: tuple[str, ...]
    sequential: bool


@dataclass(frozen=True, slots=True)
class Group:
    """A 1.0 task list nested in a task (``do``, ``for``, a ``fork`` branch, ``try``, ``catch``), drawn as a
    subgraph around its tasks' nodes; groups nest as the lists do."""

    id: str
    label: str
    members: tuple[str, ...]
    """Node ids of the list's own tasks (tasks of lists inside them belong to inner groups)."""
    parent: str | None = None


@dataclass(slots=True)
class Graph:
    title: str
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    clusters: list[Cluster] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)

    def children(self, parent: str | None) -> list[Group]:
        return [group for group in self.groups if group.parent == parent]

    def node_of(self, state: str) -> Node:
        return next(node for node in self.nodes if node.state == state)


SHAPES = {"switch": "choice", "event": "wait", "callback": "wait"}


def build_graph(ir: WorkflowIR) -> Graph:
    """Every state a node, every way out of a state an edge; ends lead to one end node (1.0: every task)."""
    if (tree := ir.task_tree) is not None:
        from swengine.authoring.task_graph import build_task_graph  # it builds on this module's types

        return build_task_graph(ir, tree)
    ids = {state.name: f"s{index}" for index, state in enumerate(ir.states)}
    graph = Graph(title=ir.name or ir.id)
    graph.nodes.append(Node(START, ("start",), "start"))
    graph.nodes.extend(
        Node(ids[s.name], (s.name, s.kind, *details(s, ir)), SHAPES.get(s.kind, "state"), s.name)
        for s in ir.states
    )
    graph.edges.append(Edge(START, ids[ir.start]))
    for state in ir.states:
        for label, transition, style in ways_out(state):
            target = ids[transition.next_state] if transition.next_state else END
            graph.edges.append(
                Edge(ids[state.name], target, _join(label, _transition_note(transition)), style)
            )
    if any(edge.target == END for edge in graph.edges):
        graph.nodes.append(Node(END, ("end",), "end"))
    for state in ir.states:
        graph.clusters.extend(clusters_of(state, ids[state.name]))
    return graph


def clusters_of(state: Any, node_id: str) -> list[Cluster]:
    """Parallel branches and foreach bodies, each with the calls of its actions."""
    if state.kind == "parallel":
        return [
            Cluster(
                f"{node_id}_b{index}",
                f"branch {branch.name}",
                node_id,
                _calls(branch.actions),
                branch.action_mode == "sequential",
            )  # fmt: skip
            for index, branch in enumerate(state.branches)
        ]
    if state.kind == "foreach" and state.actions:
        label = f"for each {state.iteration_param} ({state.mode})"
        return [Cluster(f"{node_id}_each", label, node_id, _calls(state.actions), True)]
    return []


def _calls(actions: list[Any]) -> tuple[str, ...]:
    return tuple(called([action]) for action in actions)


Exits = list[tuple[str, Transition, str]]
"""(label, transition, style) of each way out of a state."""


def ways_out(state: State) -> Exits:
    """The main transition (or conditions), then error handlers (dashed), then the compensation link."""
    exits = OUTGOING.get(state.kind, _plain)(state)
    for handler in state.on_errors:
        caught = ", ".join(handler.errors) if handler.errors else "any error"
        exits.append((f"error: {caught}", handler.transition, "dashed"))
    if state.compensated_by:
        exits.append(("compensated by", Transition(next_state=state.compensated_by), "dashed"))
    return exits


def _plain(state: Any) -> Exits:
    return [("", state.transition, "solid")]


def _switch(state: Any) -> Exits:
    exits: Exits = [(c.name or c.condition, c.transition, "solid") for c in state.data_conditions]
    exits += [(c.name or f"on {c.event}", c.transition, "solid") for c in state.event_conditions]
    timeout = state.timeouts.event_timeout if state.event_conditions else None
    exits.append((f"default (after {timeout})" if timeout else "default", state.default, "solid"))
    return exits


OUTGOING: dict[str, Callable[[Any], Exits]] = {"switch": _switch}
"""Kinds whose ways out are not a single ``transition``."""


def _transition_note(transition: Transition) -> str:
    notes = []
    if transition.produce_events:
        notes.append("emits " + ", ".join(event.event for event in transition.produce_events))
    if transition.compensate:
        notes.append("compensate")
    if transition.terminate:
        notes.append("terminate")
    if transition.continue_as is not None:
        notes.append(f"continue as {transition.continue_as.workflow_id}")
    return "; ".join(notes)


def _join(*parts: str) -> str:
    return " / ".join(part for part in parts if part)


def details(state: Any, ir: WorkflowIR) -> tuple[str, ...]:
    """Extra label lines: the events a state waits for, how long it sleeps or waits."""
    lines: list[str] = []
    if state.kind == "event":
        names = [_event_type(ir, ref) for on_event in state.on_events for ref in on_event.event_refs]
        lines.append(
            ("waits for: " if state.exclusive or len(names) == 1 else "waits for all: ") + " | ".join(names)
        )
    elif state.kind == "callback":
        lines.append(f"waits for: {_event_type(ir, state.event)}")
    elif state.kind == "sleep":
        lines.append(f"sleeps {state.duration}")
    elif state.kind == "operation" and state.actions:
        lines.append("calls: " + called(state.actions))
    elif state.kind == "parallel":
        lines += [f"branch {branch.name}: {called(branch.actions) or '-'}" for branch in state.branches]
    elif state.kind == "foreach":
        lines.append(f"for each ({state.mode}): {called(state.actions) or '-'}")
    if state.kind in ("event", "callback") and state.timeouts.event_timeout:
        lines.append(f"timeout {state.timeouts.event_timeout}")
    return tuple(lines)


def called(actions: list[Any]) -> str:
    """What the actions call, in order: function names, ``subflow <id>``, ``event <type>``."""
    names = []
    for action in actions:
        call = action.call
        if call.kind == "subflow":
            names.append(f"subflow {call.workflow_id}")
        elif call.kind == "event":
            names.append(f"emit {call.produce.event}")
        else:
            names.append(call.function)
    return ", ".join(dict.fromkeys(names))


def _event_type(ir: WorkflowIR, name: str) -> str:
    try:
        return ir.event(name).type
    except KeyError:
        return name
