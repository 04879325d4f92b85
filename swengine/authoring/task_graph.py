"""A 1.0 definition as a graph of its tasks: each list's flow (sequence, ``then``, switch cases) as edges, each
composite task's nested lists as subgraphs entered from the task (the way into ``catch`` dashed); a nested list
that runs out (or ``exit``\\s) returns to its enclosing task, which then follows its own ``then``."""

from __future__ import annotations

from swengine.authoring.graph import END, START, Edge, Graph, Group, Node
from swengine.core import ir_tasks as t
from swengine.core.ir import TasksState, WorkflowIR

SHAPES = {"switch": "choice", "listen": "wait", "wait": "wait"}
DASHED_ROLES = {"catch"}
"""Ways into a nested list taken only on a fault."""


def nested(task: t.Task) -> list[tuple[str, list[t.Task]]]:
    """(role, task list) of each list inside a task; fork branches each on their own (they run side by side)."""
    if isinstance(task, t.ForkTask):
        return [(f"branch {branch.name}", [branch]) for branch in task.branches]
    if isinstance(task, t.TryTask):
        return [("try", task.tasks)] + ([("catch", task.catch.tasks)] if task.catch.tasks else [])
    if isinstance(task, t.ListenTask):
        return [("each event", task.foreach.tasks)] if task.foreach else []
    if isinstance(task, (t.DoTask, t.ForTask)):
        return [("for each" if isinstance(task, t.ForTask) else "do", task.tasks)]
    return []


def build_task_graph(ir: WorkflowIR, state: TasksState) -> Graph:
    graph = Graph(title=ir.name or ir.id)
    graph.nodes.append(Node(START, ("start",), "start"))
    ids: dict[str, str] = {}
    _add_nodes(graph, state.tasks, ids)
    graph.edges.append(Edge(START, ids[state.tasks[0].pointer] if state.tasks else END))
    _add_flow(graph, state.tasks, ids, END)
    if any(edge.target == END for edge in graph.edges):
        graph.nodes.append(Node(END, ("end",), "end"))
    return graph


def _add_nodes(graph: Graph, tasks: list[t.Task], ids: dict[str, str], group: str | None = None) -> None:
    for task in tasks:
        ids[task.pointer] = f"t{len(ids)}"
        graph.nodes.append(
            Node(ids[task.pointer], (task.name, task.kind), SHAPES.get(task.kind, "state"), task.pointer)
        )
        for number, (role, inner) in enumerate(nested(task)):
            inner_group = f"{ids[task.pointer]}_{number}"
            _add_nodes(graph, inner, ids, inner_group)
            members = tuple(ids[item.pointer] for item in inner)
            if members:
                graph.groups.append(Group(inner_group, f"{task.name}: {role}", members, group))


def _add_flow(graph: Graph, tasks: list[t.Task], ids: dict[str, str], back: str) -> None:
    """Edges of one list; ``back`` is where running out of it leads (the enclosing task, or the end)."""
    by_name: dict[str | None, str] = {task.name: ids[task.pointer] for task in tasks}
    for index, task in enumerate(tasks):
        after = ids[tasks[index + 1].pointer] if index + 1 < len(tasks) else back
        targets: dict[str | None, str] = {**by_name, None: after, "continue": after, "exit": back, "end": END}
        node = ids[task.pointer]
        if isinstance(task, t.SwitchTask):
            for case in task.cases:
                label = case.name if case.when else f"{case.name} (default)"
                graph.edges.append(Edge(node, targets[case.then], label))
            if all(case.when for case in task.cases):
                graph.edges.append(Edge(node, targets[task.then], "no case"))
        else:
            graph.edges.append(Edge(node, targets[task.then]))
        for role, inner in nested(task):
            if inner:
                style = "dashed" if role in DASHED_ROLES else "solid"
                graph.edges.append(Edge(node, ids[inner[0].pointer], role, style))
                _add_flow(graph, inner, ids, node)
