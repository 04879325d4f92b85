"""Render a workflow graph as a Mermaid flowchart or Graphviz DOT, optionally coloured by an instance's progress."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from swengine.authoring.graph import Cluster, Graph, Group, Node

VISITED_FILL = "#d9f2d9"
VISITED_STROKE = "#2e7d32"
CURRENT_FILL = "#ffe08a"
CURRENT_STROKE = "#e65100"
FAILED_FILL = "#f8c9c4"
FAILED_STROKE = "#c62828"
TIMED_OUT_FILL = "#e1d5f5"
TIMED_OUT_STROKE = "#5e35b1"


@dataclass(frozen=True, slots=True)
class Progress:
    """What an instance has done so far: the states it visited, the one it is in (only while it runs) and
    the one it failed in."""

    visited: frozenset[str] = field(default_factory=frozenset)
    current: str | None = None
    failed: str | None = None
    timed_out: frozenset[str] = field(default_factory=frozenset)
    """States whose event wait timed out and moved on (spec behaviour)."""

    @classmethod
    def of(cls, view: dict[str, Any]) -> Progress:
        """From an instance's status view (``GET /instances/{id}``): a closed instance has no current state."""
        visited = frozenset(view.get("visited") or [])
        state = view.get("current_state")
        status = view.get("status")
        steps = view.get("steps") or []
        return cls(
            visited=visited,
            current=state if status in (None, "running") else None,
            failed=state if status == "failed" else None,
            timed_out=frozenset(s.get("state") for s in steps if s.get("outcome") == "timed_out"),
        )


def state_classes(graph: Graph, progress: Progress | None) -> dict[str, str]:
    """node id -> ``visited``, ``timed_out``, ``current`` or ``failed`` (later ones win)."""
    if progress is None:
        return {}
    classes = {n.id: "visited" for n in graph.nodes if n.state is not None and n.state in progress.visited}
    classes.update(
        {n.id: "timed_out" for n in graph.nodes if n.state is not None and n.state in progress.timed_out}
    )
    for name, state in (("current", progress.current), ("failed", progress.failed)):
        classes.update({n.id: name for n in graph.nodes if n.state is not None and n.state == state})
    return classes


MERMAID_SHAPES = {
    "state": ('["', '"]'),
    "choice": ('{"', '"}'),
    "wait": ('(["', '"])'),
    "start": ('(("', '"))'),
    "end": ('((("', '")))'),
}
MERMAID_ARROWS = {"solid": "-->", "dashed": "-.->"}


def mermaid_text(text: str) -> str:
    """Text safe inside a quoted Mermaid label (entity codes for the characters Mermaid would read)."""
    for raw, code in (("#", "#35;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"), ("|", "#124;")):
        text = text.replace(raw, code)
    return text


def render_mermaid(graph: Graph, progress: Progress | None = None) -> str:
    lines = ["flowchart TD"]
    for node in graph.nodes:
        opening, closing = MERMAID_SHAPES[node.shape]
        label = "<br/>".join(mermaid_text(line) for line in node.lines)
        lines.append(f"    {node.id}{opening}{label}{closing}")
    for edge in graph.edges:
        arrow = MERMAID_ARROWS[edge.style]
        label = f'|"{mermaid_text(edge.label)}"|' if edge.label else ""
        lines.append(f"    {edge.source} {arrow}{label} {edge.target}")
    for cluster in graph.clusters:
        lines += _mermaid_cluster(cluster)
    lines += _nested_groups(graph, None, "    ", MERMAID_GROUP)
    classes = state_classes(graph, progress)
    if classes:
        lines.append(f"    classDef visited fill:{VISITED_FILL},stroke:{VISITED_STROKE}")
        lines.append(f"    classDef current fill:{CURRENT_FILL},stroke:{CURRENT_STROKE},stroke-width:3px")
        lines.append(f"    classDef failed fill:{FAILED_FILL},stroke:{FAILED_STROKE},stroke-width:3px")
        lines.append(f"    classDef timed_out fill:{TIMED_OUT_FILL},stroke:{TIMED_OUT_STROKE}")
        for name in ("visited", "timed_out", "current", "failed"):
            members = [node_id for node_id, kind in classes.items() if kind == name]
            if members:
                lines.append(f"    class {','.join(members)} {name}")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True, slots=True)
class GroupSyntax:
    """How a renderer opens a subgraph around existing nodes, names a member, and closes it."""

    opening: Callable[[Group], str]
    member: str
    closing: str


MERMAID_GROUP = GroupSyntax(lambda g: f'subgraph {g.id} ["{mermaid_text(g.label)}"]', "{}", "end")


def _nested_groups(graph: Graph, parent: str | None, indent: str, syntax: GroupSyntax) -> list[str]:
    """The 1.0 task lists inside ``parent`` (None: the top), each around its tasks and its own inner lists."""
    lines = []
    for group in graph.children(parent):
        lines.append(indent + syntax.opening(group))
        lines += [indent + "    " + syntax.member.format(member) for member in group.members]
        lines += _nested_groups(graph, group.id, indent + "    ", syntax)
        lines.append(indent + syntax.closing)
    return lines


def _mermaid_cluster(cluster: Cluster) -> list[str]:
    """A subgraph of the actions, linked to its state by a plain dotted line."""
    ids = [f"{cluster.id}_a{index}" for index in range(len(cluster.actions))]
    lines = [f'    subgraph {cluster.id} ["{mermaid_text(cluster.label)}"]']
    lines += [
        f'        {node_id}["{mermaid_text(call)}"]'
        for node_id, call in zip(ids, cluster.actions, strict=True)
    ]
    if cluster.sequential:
        lines += [f"        {a} --> {b}" for a, b in zip(ids, ids[1:], strict=False)]
    lines += ["    end", f"    {cluster.owner} -.- {cluster.id}"]
    return lines


def _dot_cluster(cluster: Cluster) -> list[str]:
    ids = [f"{cluster.id}_a{index}" for index in range(len(cluster.actions))]
    lines = [
        f"    subgraph cluster_{cluster.id} {{",
        f"        label={dot_text(cluster.label)};",
        "        style=dashed;",
    ]
    lines += [
        f"        {node_id} [label={dot_text(call)}, shape=box];"
        for node_id, call in zip(ids, cluster.actions, strict=True)
    ]
    if cluster.sequential:
        lines += [f"        {a} -> {b};" for a, b in zip(ids, ids[1:], strict=False)]
    lines.append("    }")
    # outside the block: an edge named inside a cluster would pull the state into it
    lines += [f"    {cluster.owner} -> {ids[0]} [style=dotted, arrowhead=none];"] if ids else []
    return lines


DOT_SHAPES: dict[str, tuple[str, tuple[str, ...]]] = {
    "state": ("box", ("rounded",)),
    "choice": ("diamond", ()),
    "wait": ("box", ("rounded", "bold")),
    "start": ("circle", ()),
    "end": ("doublecircle", ()),
}
DOT_FILLS = {
    "visited": VISITED_FILL,
    "current": CURRENT_FILL,
    "failed": FAILED_FILL,
    "timed_out": TIMED_OUT_FILL,
}


def dot_text(text: str) -> str:
    """A double-quoted DOT string (JSON escaping is a valid subset of DOT's)."""
    return json.dumps(text, ensure_ascii=False)


def _dot_node(node: Node, fill: str | None) -> str:
    shape, styles = DOT_SHAPES[node.shape]
    styles = (*styles, "filled") if fill else styles
    attributes = [f"label={dot_text(chr(10).join(node.lines))}", f"shape={shape}"]
    attributes += [f'style="{",".join(styles)}"'] if styles else []
    attributes += [f'fillcolor="{fill}"'] if fill else []
    return f"    {node.id} [{', '.join(attributes)}];"


DOT_GROUP = GroupSyntax(
    lambda g: f"subgraph cluster_{g.id} {{ label={dot_text(g.label)}; style=rounded; color=gray;", "{};", "}"
)


def render_dot(graph: Graph, progress: Progress | None = None) -> str:
    classes = state_classes(graph, progress)
    lines = [f"digraph {dot_text(graph.title)} {{", "    rankdir=TB;", '    node [fontname="Helvetica"];']
    lines += [_dot_node(node, DOT_FILLS.get(classes.get(node.id, ""))) for node in graph.nodes]
    for edge in graph.edges:
        attributes = [f"label={dot_text(edge.label)}"] if edge.label else []
        if edge.style == "dashed":
            attributes.append("style=dashed")
        suffix = f" [{', '.join(attributes)}]" if attributes else ""
        lines.append(f"    {edge.source} -> {edge.target}{suffix};")
    for cluster in graph.clusters:
        lines += _dot_cluster(cluster)
    lines += _nested_groups(graph, None, "    ", DOT_GROUP)
    lines.append("}")
    return "\n".join(lines) + "\n"


Renderer = Callable[[Graph, Progress | None], str]
RENDERERS: dict[str, Renderer] = {"mermaid": render_mermaid, "dot": render_dot}
