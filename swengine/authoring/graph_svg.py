"""Render a workflow graph as a standalone SVG, laid out here (no Graphviz, no browser-side library): the web
console shows it as it is, offline, coloured by an instance's progress.

Layout: states in layers by their longest forward distance from the start (edges that go back, loops, are
drawn as arcs on the right), each layer a centred row.
"""

from __future__ import annotations

from collections import defaultdict
from html import escape

from swengine.authoring.graph import Edge, Graph, Node
from swengine.authoring.graph_render import (
    CURRENT_FILL,
    CURRENT_STROKE,
    FAILED_FILL,
    FAILED_STROKE,
    TIMED_OUT_FILL,
    TIMED_OUT_STROKE,
    VISITED_FILL,
    VISITED_STROKE,
    Progress,
    state_classes,
)

CHAR_WIDTH = 7.2
LINE_HEIGHT = 16
PAD = 10
ROW_GAP = 56
COLUMN_GAP = 36
MARGIN = 24
LEGEND_HEIGHT = 28

STYLE = f"""
.node rect, .node polygon, .node ellipse {{ fill: #ffffff; stroke: #455a64; stroke-width: 1.5; }}
.node text {{ font: 12px sans-serif; fill: #263238; }}
.node text.name {{ font-weight: bold; }}
.visited rect, .visited polygon, .visited ellipse {{ fill: {VISITED_FILL}; stroke: {VISITED_STROKE}; }}
.current rect, .current polygon, .current ellipse {{ fill: {CURRENT_FILL}; stroke: {CURRENT_STROKE}; stroke-width: 3; }}
.failed rect, .failed polygon, .failed ellipse {{ fill: {FAILED_FILL}; stroke: {FAILED_STROKE}; stroke-width: 3; }}
.timed_out rect, .timed_out polygon, .timed_out ellipse {{ fill: {TIMED_OUT_FILL}; stroke: {TIMED_OUT_STROKE}; }}
.edge path {{ fill: none; stroke: #607d8b; stroke-width: 1.3; }}
.edge.dashed path {{ stroke-dasharray: 5 4; }}
.edge text {{ font: 11px sans-serif; fill: #37474f; }}
.legend text {{ font: 11px sans-serif; fill: #37474f; }}
"""


def _size(node: Node) -> tuple[float, float]:
    if node.shape in ("start", "end"):
        return 44.0, 44.0
    width = max(len(line) for line in node.lines) * CHAR_WIDTH + 2 * PAD
    height = len(node.lines) * LINE_HEIGHT + 2 * PAD
    if node.shape == "choice":
        return width + 40, height + 16
    return width, height


def _layers(graph: Graph) -> tuple[dict[str, int], set[tuple[str, str]]]:
    """Layer of each node (longest forward path from the first node), and the edges that point back."""
    outgoing: dict[str, list[str]] = defaultdict(list)
    for edge in graph.edges:
        outgoing[edge.source].append(edge.target)
    order: list[str] = []
    back: set[tuple[str, str]] = set()
    state: dict[str, int] = {}  # 1 while on the DFS stack, 2 when done
    start = graph.nodes[0].id
    stack: list[tuple[str, int]] = [(start, 0)]
    state[start] = 1
    while stack:
        node, index = stack.pop()
        targets = outgoing[node]
        if index < len(targets):
            stack.append((node, index + 1))
            target = targets[index]
            if state.get(target) == 1:
                back.add((node, target))
            elif target not in state:
                state[target] = 1
                stack.append((target, 0))
        else:
            state[node] = 2
            order.append(node)
    layer = {node.id: 0 for node in graph.nodes}
    for node in reversed(order):  # reverse post-order is a topological order of the forward edges
        for target in outgoing[node]:
            if (node, target) not in back:
                layer[target] = max(layer[target], layer[node] + 1)
    return layer, back


def render_svg(graph: Graph, progress: Progress | None = None) -> str:
    classes = state_classes(graph, progress)
    sizes = {node.id: _size(node) for node in graph.nodes}
    layer, back = _layers(graph)
    rows: dict[int, list[Node]] = defaultdict(list)
    for node in graph.nodes:
        rows[layer[node.id]].append(node)
    row_widths = {
        row: sum(sizes[n.id][0] for n in nodes) + COLUMN_GAP * (len(nodes) - 1) for row, nodes in rows.items()
    }
    width = max(max(row_widths.values(), default=0) + 2 * MARGIN + 80, 640.0)  # loop arcs; the legend
    centres: dict[str, tuple[float, float]] = {}
    y = float(MARGIN + LEGEND_HEIGHT)
    for row in sorted(rows):
        height = max(sizes[n.id][1] for n in rows[row])
        x = (width - 80 - row_widths[row]) / 2
        for node in rows[row]:
            node_width = sizes[node.id][0]
            centres[node.id] = (x + node_width / 2, y + height / 2)
            x += node_width + COLUMN_GAP
        y += height + ROW_GAP
    total_height = y - ROW_GAP + MARGIN
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="workflow-graph" width="{width:.0f}" '
        f'height="{total_height:.0f}" viewBox="0 0 {width:.0f} {total_height:.0f}" role="img">',
        f"<title>{escape(graph.title)}</title>",
        f"<style>{STYLE}</style>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#607d8b"/></marker></defs>',
        _legend(),
    ]
    for index, edge in enumerate(graph.edges):
        parts.append(_edge(edge, centres, sizes, (edge.source, edge.target) in back, index, width))
    for node in graph.nodes:
        parts.append(_node(node, centres[node.id], sizes[node.id], classes.get(node.id)))
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _legend() -> str:
    items = [("visited", VISITED_FILL, VISITED_STROKE), ("current", CURRENT_FILL, CURRENT_STROKE),
             ("failed", FAILED_FILL, FAILED_STROKE), ("timed out", TIMED_OUT_FILL, TIMED_OUT_STROKE)]  # fmt: skip
    parts = ['<g class="legend">']
    x = MARGIN
    for name, fill, stroke in items:
        parts.append(
            f'<rect x="{x}" y="{MARGIN - 12}" width="14" height="14" rx="3" fill="{fill}" stroke="{stroke}"/>'
        )
        parts.append(f'<text x="{x + 20}" y="{MARGIN}">{name}</text>')
        x += 90
    parts.append(f'<text x="{x}" y="{MARGIN}">- - - error or compensation path</text>')
    parts.append("</g>")
    return "".join(parts)


def _node(node: Node, centre: tuple[float, float], size: tuple[float, float], css: str | None) -> str:
    cx, cy = centre
    w, h = size
    classes = " ".join(filter(None, ["node", node.shape, css]))
    state = f' data-state="{escape(node.state)}"' if node.state else ""
    if node.shape in ("start", "end"):
        shape = f'<ellipse cx="{cx:.1f}" cy="{cy:.1f}" rx="{w / 2:.1f}" ry="{h / 2:.1f}"/>'
        if node.shape == "end":
            shape += f'<ellipse cx="{cx:.1f}" cy="{cy:.1f}" rx="{w / 2 - 4:.1f}" ry="{h / 2 - 4:.1f}"/>'
    elif node.shape == "choice":
        points = f"{cx - w / 2:.1f},{cy:.1f} {cx:.1f},{cy - h / 2:.1f} {cx + w / 2:.1f},{cy:.1f} {cx:.1f},{cy + h / 2:.1f}"
        shape = f'<polygon points="{points}"/>'
    else:
        radius = h / 2 if node.shape == "wait" else 8
        shape = f'<rect x="{cx - w / 2:.1f}" y="{cy - h / 2:.1f}" width="{w:.1f}" height="{h:.1f}" rx="{radius:.1f}"/>'
    first = cy - (len(node.lines) - 1) * LINE_HEIGHT / 2 + 4
    name_class = ' class="name"'
    texts = "".join(
        f'<text x="{cx:.1f}" y="{first + i * LINE_HEIGHT:.1f}" text-anchor="middle"'
        f"{name_class if i == 0 else ''}>{escape(line)}</text>"
        for i, line in enumerate(node.lines)
    )
    return f'<g class="{classes}"{state}>{shape}{texts}</g>'


def _edge(
    edge: Edge,
    centres: dict[str, tuple[float, float]],
    sizes: dict[str, tuple[float, float]],
    backwards: bool,
    index: int,
    width: float,
) -> str:
    (sx, sy), (tx, ty) = centres[edge.source], centres[edge.target]
    sh, (tw, th) = sizes[edge.source][1], sizes[edge.target]
    if backwards or ty <= sy:
        # a loop: down out of the source, round by the right margin, into the target's right side
        bulge = width - 16 - 10 * (index % 4)
        below = sy + sh / 2 + 26
        end = (tx + tw / 2, ty)
        path = (
            f"M {sx:.1f} {sy + sh / 2:.1f} C {sx:.1f} {below:.1f} {bulge:.1f} {below:.1f} {bulge:.1f} {sy:.1f}"
            f" C {bulge:.1f} {ty:.1f} {end[0] + 30:.1f} {ty:.1f} {end[0]:.1f} {end[1]:.1f}"
        )
        label_at, anchor = (bulge - 6, (sy + ty) / 2), "end"
    else:
        start = (sx, sy + sh / 2)
        end = (tx, ty - th / 2)
        middle = (start[1] + end[1]) / 2
        path = f"M {start[0]:.1f} {start[1]:.1f} C {start[0]:.1f} {middle:.1f} {end[0]:.1f} {middle:.1f} {end[0]:.1f} {end[1]:.1f}"
        # beside the arrow's head, on the side it comes from, so labels of diverging edges never overlap
        anchor = "end" if end[0] < start[0] - 1 else "start" if end[0] > start[0] + 1 else "middle"
        shift = {"end": -6, "start": 6, "middle": 6}[anchor]
        label_at = (end[0] + shift, end[1] - 8)
    label = (
        f'<text x="{label_at[0]:.1f}" y="{label_at[1]:.1f}" text-anchor="{anchor}">{escape(edge.label)}</text>'
        if edge.label
        else ""
    )
    style = "edge dashed" if edge.style == "dashed" else "edge"
    return f'<g class="{style}"><path d="{path}" marker-end="url(#arrow)"/>{label}</g>'
