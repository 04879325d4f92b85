"""``swengine graph``: every workflow in specs/ as a Mermaid flowchart (and DOT) whose structure matches the IR."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from swengine.authoring.graph import END, START, build_graph, ways_out
from swengine.authoring.graph_render import Progress, render_dot, render_mermaid
from swengine.cli import main
from swengine.compiler.pipeline import compile_path, compile_text
from swengine.core.ir import WorkflowIR

SPECS = Path(__file__).resolve().parents[2] / "specs"
SPEC_FILES = sorted(SPECS.glob("*.sw.yaml"))

MERMAID_NODE = re.compile(
    r"^    (?P<id>[A-Za-z_][\w]*)"
    r"(?P<shape>\[\"|\{\"|\(\[\"|\(\(\(\"|\(\(\")(?P<label>[^\"]*)(?P<close>\"\]|\"\}|\"\]\)|\"\)\)\)|\"\)\))$"
)
MERMAID_EDGE = re.compile(
    r"^    (?P<source>\w+) (?P<arrow>-->|-\.->)(?:\|\"(?P<label>[^\"|]*)\"\|)? (?P<target>\w+)$"
)
MERMAID_CLASSDEF = re.compile(r"^    classDef (?P<name>\w+) [\w-]+:[^,\s]+(,[\w-]+:[^,\s]+)*$")
MERMAID_CLASS = re.compile(r"^    class (?P<ids>\w+(,\w+)*) (?P<name>\w+)$")
MERMAID_SUBGRAPH = re.compile(r'^    subgraph (?P<id>\w+) \["(?P<label>[^"]*)"\]$')
MERMAID_INNER_NODE = re.compile(r'^        (?P<id>\w+)\["(?P<label>[^"]*)"\]$')
MERMAID_INNER_EDGE = re.compile(r"^        (?P<source>\w+) --> (?P<target>\w+)$")
MERMAID_LINK = re.compile(r"^    (?P<owner>\w+) -\.- (?P<cluster>\w+)$")
CLOSING = {'["': '"]', '{"': '"}', '(["': '"])', '((("': '")))', '(("': '"))'}
RESERVED = {"end", "graph", "subgraph", "flowchart", "style", "class", "classDef", "click"}


@dataclass
class Flowchart:
    nodes: dict[str, str] = field(default_factory=dict)
    """id -> label (``<br/>`` separated lines)."""
    edges: list[tuple[str, str, str, str]] = field(default_factory=list)
    """(source, arrow, label, target)."""
    class_defs: set[str] = field(default_factory=set)
    classes: dict[str, str] = field(default_factory=dict)
    clusters: dict[str, tuple[str, list[str]]] = field(default_factory=dict)
    """subgraph id -> (label, action labels in order)."""
    links: list[tuple[str, str]] = field(default_factory=list)
    """(state node, subgraph) dotted links."""


def parse_mermaid(text: str) -> Flowchart:
    """A strict reading of the Mermaid flowchart subset we emit: any other line is a syntax error."""
    lines = text.splitlines()
    assert lines[0] == "flowchart TD"
    chart = Flowchart()
    inside: str | None = None
    for line in lines[1:]:
        if inside is not None:
            if line == "    end":
                inside = None
            elif inner := MERMAID_INNER_NODE.match(line):
                chart.clusters[inside][1].append(inner["label"])
            else:
                assert MERMAID_INNER_EDGE.match(line), line
        elif subgraph := MERMAID_SUBGRAPH.match(line):
            inside = subgraph["id"]
            chart.clusters[inside] = (subgraph["label"], [])
        elif link := MERMAID_LINK.match(line):
            chart.links.append((link["owner"], link["cluster"]))
        elif node := MERMAID_NODE.match(line):
            assert CLOSING[node["shape"]] == node["close"], line
            assert node["id"] not in RESERVED and node["id"] not in chart.nodes, line
            chart.nodes[node["id"]] = node["label"]
        elif edge := MERMAID_EDGE.match(line):
            chart.edges.append((edge["source"], edge["arrow"], edge["label"] or "", edge["target"]))
        elif class_def := MERMAID_CLASSDEF.match(line):
            chart.class_defs.add(class_def["name"])
        elif assigned := MERMAID_CLASS.match(line):
            assert assigned["name"] in chart.class_defs, line
            chart.classes.update(dict.fromkeys(assigned["ids"].split(","), assigned["name"]))
        else:
            raise AssertionError(f"not Mermaid flowchart syntax we know: {line!r}")
    assert inside is None, "a subgraph is not closed"
    for source, _, _, target in chart.edges:
        assert source in chart.nodes and target in chart.nodes, (source, target)
    for owner, cluster in chart.links:
        assert owner in chart.nodes and cluster in chart.clusters, (owner, cluster)
    assert set(chart.classes) <= set(chart.nodes)
    return chart


def state_ids(chart: Flowchart) -> dict[str, str]:
    """state name -> node id, read back from the labels (first line is the name)."""
    return {
        label.split("<br/>")[0]: node_id
        for node_id, label in chart.nodes.items()
        if node_id not in (START, END)
    }


def expected_edges(ir: WorkflowIR, ids: dict[str, str]) -> set[tuple[str, str]]:
    found = {(START, ids[ir.start])}
    for state in ir.states:
        for _, transition, _ in ways_out(state):
            found.add((ids[state.name], ids[transition.next_state] if transition.next_state else END))
    return found


@pytest.mark.parametrize("path", SPEC_FILES, ids=[p.stem for p in SPEC_FILES])
def test_every_spec_renders_as_mermaid_with_every_state_and_transition(
    path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["graph", str(path)]) == 0
    chart = parse_mermaid(capsys.readouterr().out)
    ir = compile_path(path)
    ids = state_ids(chart)
    assert sorted(ids) == sorted(state.name for state in ir.states)
    for state in ir.states:
        assert chart.nodes[ids[state.name]].split("<br/>")[1] == state.kind
    assert {(s, t) for s, _, _, t in chart.edges} == expected_edges(ir, ids)


@pytest.mark.parametrize("path", SPEC_FILES, ids=[p.stem for p in SPEC_FILES])
def test_every_spec_renders_as_dot(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", "--format", "dot", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("digraph ") and lines[0].endswith("{") and lines[-1] == "}"
    ir = compile_path(path)
    nodes = [line for line in lines if re.match(r"^    \w+ \[label=", line)]
    edges = [re.match(r"^    (\w+) -> (\w+)( \[.*\])?;$", line) for line in lines
             if " -> " in line and not line.startswith("        ") and "arrowhead=none" not in line]  # fmt: skip
    ends = any(transition.is_end for state in ir.states for _, transition, _ in ways_out(state))
    assert len(nodes) == len(ir.states) + 1 + ends
    assert all(edges) and len(edges) == len(expected_edges(ir, {s.name: s.name for s in ir.states}))


def test_conditions_defaults_and_loops_are_labelled(capsys: pytest.CaptureFixture[str]) -> None:
    main(["graph", str(SPECS / "countdown.sw.yaml")])
    chart = parse_mermaid(capsys.readouterr().out)
    ids = state_ids(chart)
    assert (ids["Check"], "-->", "done", ids["Liftoff"]) in chart.edges
    assert (ids["Check"], "-->", "default", ids["Tick"]) in chart.edges
    assert (ids["Tick"], "-->", "", ids["Check"]) in chart.edges
    assert (ids["Liftoff"], "-->", "", END) in chart.edges


def test_error_paths_are_dashed_and_name_the_error(capsys: pytest.CaptureFixture[str]) -> None:
    main(["graph", str(SPECS / "order.sw.yaml")])
    chart = parse_mermaid(capsys.readouterr().out)
    ids = state_ids(chart)
    dashed = [edge for edge in chart.edges if edge[1] == "-.->"]
    assert [(s, t) for s, _, _, t in dashed] == [(ids["Charge"], ids["Declined"])]
    assert "Card declined" in dashed[0][2]


def test_event_states_show_what_they_wait_for(capsys: pytest.CaptureFixture[str]) -> None:
    main(["graph", str(SPECS / "approval.sw.yaml")])
    chart = parse_mermaid(capsys.readouterr().out)
    label = chart.nodes[state_ids(chart)["Wait"]]
    assert label.split("<br/>") == ["Wait", "event", "waits for: com.example.approval.decided", "timeout P7D"]


def test_labels_are_escaped() -> None:
    ir = compile_text(
        """
id: quoting
specVersion: "0.8"
start: Pick
states:
  - name: Pick
    type: switch
    dataConditions:
      - condition: '${ .size < 3 and .name == "a|b" }'
        transition: Done
    defaultCondition: {transition: Done}
  - {name: Done, type: inject, data: {}, end: true}
"""
    )
    chart = parse_mermaid(render_mermaid(build_graph(ir)))
    label = next(label for _, _, label, _ in chart.edges if "size" in label)
    assert label == ".size #lt; 3 and .name == #quot;a#124;b#quot;"
    dot = render_dot(build_graph(ir))
    assert r'label=".size < 3 and .name == \"a|b\""' in dot


def test_progress_colours_visited_and_current_states() -> None:
    ir = compile_path(SPECS / "countdown.sw.yaml")
    progress = Progress(visited=frozenset({"Check", "Tick"}), current="Tick")
    chart = parse_mermaid(render_mermaid(build_graph(ir), progress))
    ids = state_ids(chart)
    assert chart.classes == {ids["Check"]: "visited", ids["Tick"]: "current"}
    dot = render_dot(build_graph(ir), progress)
    assert re.search(
        r'\n    s0 \[label="Check\\nswitch", shape=diamond, style="filled", fillcolor="#\w+"\];', dot
    )


class InstanceServer(BaseHTTPRequestHandler):
    """GET /instances/{id} as ``swengine serve`` answers it (only the fields graph reads)."""

    seen_auth: list[str | None] = []

    def do_GET(self) -> None:  # noqa: N802 - the http.server hook name
        InstanceServer.seen_auth.append(self.headers.get("authorization"))
        if self.path != "/instances/countdown-1":
            self.send_response(404)
            self.send_header("content-type", "application/problem+json")
            self.end_headers()
            self.wfile.write(json.dumps({"title": "Not Found", "code": "instance_not_found"}).encode())
            return
        body = json.dumps(
            {"instance_id": "countdown-1", "visited": ["Check", "Tick"], "current_state": "Check"}
        )
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def instance_server() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), InstanceServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_instance_progress_from_a_running_deployment(
    instance_server: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SWENGINE_TOKEN", "t0ken")
    path = str(SPECS / "countdown.sw.yaml")
    assert main(["graph", path, "--instance", "countdown-1", "--server", instance_server]) == 0
    chart = parse_mermaid(capsys.readouterr().out)
    ids = state_ids(chart)
    assert chart.classes == {ids["Tick"]: "visited", ids["Check"]: "current"}
    assert InstanceServer.seen_auth[-1] == "Bearer t0ken"
    assert main(["graph", path, "--instance", "nope", "--server", instance_server]) == 1
    assert "instance_not_found" in capsys.readouterr().err


def test_unreachable_server_and_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(SPECS / "hello.sw.yaml")
    assert main(["graph", path, "--instance", "x", "--server", "http://127.0.0.1:9"]) == 1
    assert "server_unreachable" in capsys.readouterr().err
    assert main(["graph", "no/such.sw.yaml"]) == 2


def test_a_1_0_definition_is_drawn_task_by_task_with_its_nested_lists():
    ir = compile_text(
        "document: {dsl: '1.0.3', namespace: g, name: tasks, version: '1.0.0'}\n"
        "do:\n"
        "  - pick:\n      switch:\n        - big: {when: .n > 1, then: loop}\n        - other: {then: end}\n"
        "  - loop:\n      for: {in: .items}\n      do:\n        - step: {set: {a: 1}, then: exit}\n"
        "  - last: {set: {b: 2}}\n"
    )
    graph = build_graph(ir)
    node = {n.state: n.id for n in graph.nodes if n.state}
    edges = {(e.source, e.target, e.label, e.style) for e in graph.edges}
    pick, loop, step, last = (
        node[p] for p in ("/do/0/pick", "/do/1/loop", "/do/1/loop/do/0/step", "/do/2/last")
    )
    assert (START, pick, "", "solid") in edges
    assert (pick, loop, "big", "solid") in edges and (pick, END, "other (default)", "solid") in edges
    assert (loop, step, "for each", "solid") in edges and (step, loop, "", "solid") in edges
    assert (loop, last, "", "solid") in edges and (last, END, "", "solid") in edges
    assert [(g.label, g.members, g.parent) for g in graph.groups] == [("loop: for each", (step,), None)]


NESTED = """document: {dsl: '1.0.3', namespace: g, name: nested, version: '1.0.0'}
do:
  - loop:
      for: {in: .items}
      do:
        - guarded:
            try:
              - risky: {set: {a: 1}}
            catch:
              do:
                - recover: {set: {b: 1}}
  - both:
      fork:
        branches:
          - left: {set: {l: 1}}
          - right: {do: [{inner: {set: {r: 1}}}]}
"""


def test_1_0_nested_lists_are_subgraphs_and_only_the_way_into_catch_is_dashed() -> None:
    graph = build_graph(compile_text(NESTED))
    node = {n.state: n.id for n in graph.nodes if n.state}
    groups = {g.label: (g.members, g.parent) for g in graph.groups}
    loop_list = next(g.id for g in graph.groups if g.label == "loop: for each")
    right_list = next(g.id for g in graph.groups if g.label == "both: branch right")
    assert groups == {
        "loop: for each": ((node["/do/0/loop/do/0/guarded"],), None),
        "guarded: try": ((node["/do/0/loop/do/0/guarded/try/0/risky"],), loop_list),
        "guarded: catch": ((node["/do/0/loop/do/0/guarded/catch/do/0/recover"],), loop_list),
        "both: branch left": ((node["/do/1/both/fork/branches/0/left"],), None),
        "both: branch right": ((node["/do/1/both/fork/branches/1/right"],), None),
        "right: do": ((node["/do/1/both/fork/branches/1/right/do/0/inner"],), right_list),
    }
    dashed = {(e.source, e.target, e.label) for e in graph.edges if e.style == "dashed"}
    guarded = node["/do/0/loop/do/0/guarded"]
    assert dashed == {(guarded, node["/do/0/loop/do/0/guarded/catch/do/0/recover"], "catch")}
    mermaid = render_mermaid(graph)
    assert f'    subgraph {loop_list} ["loop: for each"]\n        {guarded}\n' in mermaid
    assert mermaid.count("subgraph ") == mermaid.count(" end\n") == 6
    dot = render_dot(graph)
    assert dot.count("subgraph cluster_") == 6 and dot.count("{") == dot.count("}")


def test_an_instance_colours_the_1_0_tasks_it_ran() -> None:
    graph = build_graph(compile_text(NESTED))
    node = {n.state: n.id for n in graph.nodes if n.state}
    risky, recover = "/do/0/loop/do/0/guarded/try/0/risky", "/do/0/loop/do/0/guarded/catch/do/0/recover"
    view = {"status": "failed", "visited": ["do", "/do/0/loop", risky], "current_state": risky}
    mermaid = render_mermaid(graph, Progress.of(view))
    assert f"    class {node['/do/0/loop']} visited\n" in mermaid
    assert (
        f"    class {node[risky]} failed\n" in mermaid and node[recover] not in mermaid.split("classDef")[-1]
    )


def test_parallel_branches_and_foreach_bodies_are_subgraphs_naming_their_functions() -> None:
    ir = compile_path(SPECS / "fan-out.sw.yaml")
    chart = parse_mermaid(render_mermaid(build_graph(ir)))
    ids = state_ids(chart)
    labels = {cluster_id: label for cluster_id, label in chart.clusters.items()}
    assert labels[f"{ids['Both']}_b0"] == ("branch left", ["echo"])
    assert labels[f"{ids['Both']}_b1"] == ("branch right", ["echo"])
    assert labels[f"{ids['Squares']}_each"][1] == ["square"]
    assert sorted(chart.links) == sorted(
        [
            (ids["Both"], f"{ids['Both']}_b0"),
            (ids["Both"], f"{ids['Both']}_b1"),
            (ids["Squares"], f"{ids['Squares']}_each"),
        ]
    )
    dot = render_dot(build_graph(ir))
    assert "subgraph cluster_s0_b0 {" in dot and 'label="branch left";' in dot
