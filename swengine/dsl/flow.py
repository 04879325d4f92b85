"""Control-flow checks over the state graph: reachability, a way to end, and the compensation rules.

Edges are transitions (of states, switch conditions and the default condition), ``onErrors`` transitions
and ``compensatedBy``. Roots are the start state and the ``runBefore`` state of the workflow timeout.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from swengine.dsl.facts import Finding, listed
from swengine.dsl.source_map import JsonPath


@dataclass(slots=True)
class _Node:
    name: str
    path: JsonPath
    kind: Any
    compensation: bool
    compensated_by: str | None
    normal: list[tuple[str, JsonPath]] = field(default_factory=list)
    errors: list[tuple[str, JsonPath]] = field(default_factory=list)
    ends: bool = False
    ends_on_error: bool = False


def start_state(data: dict[str, Any]) -> str | None:
    """The start state's name: ``start`` (string or ``stateName``), by default the first state (spec 0.8)."""
    start = data.get("start")
    if isinstance(start, str):
        return start
    if isinstance(start, dict):
        name = start.get("stateName")
        return name if isinstance(name, str) else None
    states = data.get("states")
    first = states[0] if isinstance(states, list) and states else None
    return first.get("name") if isinstance(first, dict) and isinstance(first.get("name"), str) else None


def check_flow(data: dict[str, Any]) -> list[Finding]:
    """No start, unreachable states, states that can never end, and misuse of compensation states."""
    if data.get("states") == []:
        return [Finding("missing_start", "the workflow has no states, so nothing can start", ("states",))]
    nodes = _build_nodes(data.get("states"))
    start = start_state(data)
    if start not in nodes:
        return _check_compensation(nodes)  # unknown_state reports it; everything would look unreachable
    reachable = _closure([start, *_run_before(data)], _every_edge, nodes)
    findings = [
        Finding("unreachable_state", f"state '{node.name}' cannot be reached from the start state", node.path)
        for node in nodes.values()
        if node.name not in reachable
    ]
    findings += _check_endings([node for node in nodes.values() if node.name in reachable], nodes)
    return findings + _check_compensation(nodes)


def _every_edge(node: _Node) -> list[str]:
    compensation = [node.compensated_by] if node.compensated_by else []
    return [target for target, _ in node.normal + node.errors] + compensation


def _build_nodes(states: Any) -> dict[str, _Node]:
    nodes: dict[str, _Node] = {}
    for index, state in enumerate(listed(states)):
        if isinstance(state, dict) and isinstance(state.get("name"), str) and state["name"] not in nodes:
            nodes[state["name"]] = _node(state, ("states", index))
    for node in nodes.values():
        # No way on: the end of a compensation chain, or a missing_transition already reported. A dangling
        # target is reported as unknown_state. Neither should be reported again as "cannot end".
        if (not node.normal and not node.ends) or any(target not in nodes for target, _ in node.normal):
            node.ends = True
    return nodes


def _node(state: dict[str, Any], path: JsonPath) -> _Node:
    node = _Node(
        name=state["name"],
        path=path,
        kind=state.get("type"),
        compensation=state.get("usedForCompensation") is True,
        compensated_by=state.get("compensatedBy") if isinstance(state.get("compensatedBy"), str) else None,
    )
    for owner, owner_path in _flow_owners(state, path):
        node.ends |= _add_flow(node.normal, owner, owner_path)
    for index, handler in enumerate(listed(state.get("onErrors"))):
        if isinstance(handler, dict):
            node.ends_on_error |= _add_flow(node.errors, handler, path + ("onErrors", index))
    return node


def _flow_owners(state: dict[str, Any], path: JsonPath) -> Iterable[tuple[dict[str, Any], JsonPath]]:
    """The state itself and each of its switch conditions: everything that carries a transition or an end."""
    yield state, path
    for key in ("dataConditions", "eventConditions"):
        for index, condition in enumerate(listed(state.get(key))):
            if isinstance(condition, dict):
                yield condition, path + (key, index)
    if isinstance(state.get("defaultCondition"), dict):
        yield state["defaultCondition"], path + ("defaultCondition",)


def _add_flow(edges: list[tuple[str, JsonPath]], owner: dict[str, Any], path: JsonPath) -> bool:
    """Append the owner's transition target to ``edges``; True when the owner ends the workflow."""
    transition = owner.get("transition")
    if isinstance(transition, dict):
        transition = transition.get("nextState")
    if isinstance(transition, str):
        edges.append((transition, path + ("transition",)))
    return owner.get("end") not in (None, False)


def _run_before(data: dict[str, Any]) -> list[str]:
    timeouts = data.get("timeouts")
    timeout = timeouts.get("workflowExecTimeout") if isinstance(timeouts, dict) else None
    run_before = timeout.get("runBefore") if isinstance(timeout, dict) else None
    return [run_before] if isinstance(run_before, str) else []


def _closure(
    roots: Iterable[str], successors: Callable[[_Node], Iterable[str]], nodes: dict[str, _Node]
) -> set[str]:
    """Names reachable from ``roots`` following ``successors(node)``."""
    seen = {root for root in roots if root in nodes}
    queue = deque(seen)
    while queue:
        for target in successors(nodes[queue.popleft()]):
            if target in nodes and target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


def _can_end(nodes: dict[str, _Node], *, with_errors: bool) -> set[str]:
    """States from which some path reaches an end (through onErrors too when ``with_errors``)."""
    predecessors: dict[str, list[str]] = {name: [] for name in nodes}
    for node in nodes.values():
        for target, _ in node.normal + (node.errors if with_errors else []):
            if target in predecessors:
                predecessors[target].append(node.name)
    ends = [n.name for n in nodes.values() if n.ends or (with_errors and n.ends_on_error)]
    return _closure(ends, lambda n: predecessors[n.name], nodes)


def _check_endings(reachable: list[_Node], nodes: dict[str, _Node]) -> list[Finding]:
    can_end = _can_end(nodes, with_errors=True)
    ends_normally = _can_end(nodes, with_errors=False)
    findings = []
    for node in reachable:
        if node.name not in can_end:
            message = f"no path from state '{node.name}' reaches an end: it would run forever"
            findings.append(Finding("no_exit_path", message, node.path))
        elif node.name not in ends_normally:
            message = f"state '{node.name}' can only end through an onErrors handler"
            findings.append(Finding("ends_only_by_error", message, node.path, "warning"))
    return findings


def _check_compensation(nodes: dict[str, _Node]) -> list[Finding]:
    """The spec's rules: compensation states are marked, not event states, not recursive, a flow apart."""
    findings = []
    for node in nodes.values():
        target = nodes.get(node.compensated_by or "")
        path = node.path + ("compensatedBy",)
        if target is not None and not target.compensation:
            message = f"state '{target.name}' compensates '{node.name}' but lacks usedForCompensation: true"
            findings.append(Finding("invalid_compensation", message, path))
        if target is not None and target.kind == "event":
            findings.append(
                Finding("invalid_compensation", f"event state '{target.name}' cannot compensate", path)
            )
        if node.compensation and node.compensated_by:
            message = f"compensation state '{node.name}' cannot itself be compensated"
            findings.append(Finding("invalid_compensation", message, path))
        for name, edge_path in node.normal + node.errors:
            other = nodes.get(name)
            if other is not None and other.compensation != node.compensation:
                findings.append(Finding("invalid_compensation", _crossing_message(node, other), edge_path))
    return findings


def _crossing_message(source: _Node, target: _Node) -> str:
    if source.compensation:
        return f"compensation state '{source.name}' may only lead to compensation states, not '{target.name}'"
    return f"state '{target.name}' is used for compensation and cannot be the target of a transition"
