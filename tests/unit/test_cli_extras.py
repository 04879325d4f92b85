"""The small things a new user reaches for first: ``--version``, shell completion, ``schema -o`` into a folder
that does not exist yet, and ``graph --instance`` of an instance that has ended."""

from __future__ import annotations

import json
import shutil
import subprocess
from importlib import metadata
from pathlib import Path

import jsonschema
import pytest
import yaml

from swengine.authoring.graph import build_graph
from swengine.authoring.graph_render import Progress, render_dot, render_mermaid
from swengine.cli import COMMANDS, main
from swengine.commands.schema import schema_text
from swengine.compiler.pipeline import compile_path

REPO = Path(__file__).resolve().parents[2]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_version_is_the_installed_distribution(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == 0
    assert out.strip() == f"swengine {metadata.version('swengine')}"


def test_schema_output_creates_its_folders(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / ".swengine" / "nested" / "workflow.schema.json"
    assert run(capsys, "schema", "-o", str(target))[0] == 0
    assert json.loads(target.read_text(encoding="utf-8"))["type"] == "object"


def complete_in_bash(script: str, words: list[str]) -> list[str]:
    """What bash completes for the last of ``words`` (the empty string completes a new word)."""
    line = " ".join(words)
    program = (
        f"{script}\nCOMP_WORDS=({' '.join(repr(w) for w in words)}); COMP_CWORD={len(words) - 1};"
        f' COMP_LINE={line!r}; _swengine; printf "%s\\n" "${{COMPREPLY[@]}}"'
    )
    done = subprocess.run(["bash", "-c", program], capture_output=True, text=True, check=True)
    return [word for word in done.stdout.splitlines() if word]


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_bash_completion_offers_commands_options_and_choices(capsys: pytest.CaptureFixture[str]) -> None:
    code, script, _ = run(capsys, "completion", "bash")
    assert code == 0
    assert set(complete_in_bash(script, ["swengine", ""])) >= set(COMMANDS)
    assert complete_in_bash(script, ["swengine", "val"]) == ["validate"]
    assert "--format" in complete_in_bash(script, ["swengine", "validate", "--f"])
    assert sorted(complete_in_bash(script, ["swengine", "validate", "--format", ""])) == [
        "json",
        "sarif",
        "text",
    ]
    assert sorted(complete_in_bash(script, ["swengine", "completion", ""])) == ["bash", "fish", "zsh"]


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_zsh_and_fish_scripts_name_every_command(capsys: pytest.CaptureFixture[str], shell: str) -> None:
    code, script, _ = run(capsys, "completion", shell)
    assert code == 0
    for command in COMMANDS:
        assert command in script
    checker = {"zsh": ["zsh", "-n"], "fish": ["fish", "--no-execute"]}[shell]
    if shutil.which(checker[0]):  # the syntax check runs where the shell is installed
        subprocess.run([*checker], input=script, text=True, check=True)


def test_graph_of_an_ended_instance_has_no_current_state() -> None:
    graph = build_graph(compile_path(REPO / "specs" / "order.sw.yaml"))
    states = [node.state for node in graph.nodes if node.state]
    first, last = states[0], states[-1]
    completed = Progress.of({"status": "completed", "current_state": last, "visited": [first, last]})
    assert completed.current is None and completed.failed is None
    lines = [line.strip() for line in render_mermaid(graph, completed).splitlines()]
    assert f"class {graph.node_of(last).id} visited" in lines or any(
        line.startswith("class ") and line.endswith(" visited") and graph.node_of(last).id in line
        for line in lines
    )
    assert not any(line.startswith("class ") and line.endswith((" current", " failed")) for line in lines)
    failed = Progress.of({"status": "failed", "current_state": last, "visited": [first, last]})
    assert failed.failed == last and failed.current is None
    assert f"class {graph.node_of(last).id} failed" in render_mermaid(graph, failed)
    assert "#f8c9c4" in render_dot(graph, failed)
    running = Progress.of({"status": "running", "current_state": last, "visited": [first, last]})
    assert f"class {graph.node_of(last).id} current" in render_mermaid(graph, running)


def test_svg_diagram_names_functions_and_colours_progress(capsys: pytest.CaptureFixture[str]) -> None:
    import xml.etree.ElementTree as ElementTree

    graph = build_graph(compile_path(REPO / "specs" / "countdown.sw.yaml"))
    from swengine.authoring.graph_svg import render_svg

    svg = ElementTree.fromstring(render_svg(graph, Progress(visited=frozenset({"Check"}), current="Tick")))
    groups = {
        g.get("data-state"): g.get("class", "").split() for g in svg.iter("{http://www.w3.org/2000/svg}g")
    }
    assert "current" in groups["Tick"] and "visited" in groups["Check"] and "current" not in groups["Check"]
    texts = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert "calls: decrement" in texts and "failed" in texts  # functions named; the legend
    assert run(capsys, "graph", "--format", "svg", str(REPO / "specs" / "countdown.sw.yaml"))[1].startswith(
        "<svg"
    )


def test_a_wait_that_timed_out_is_coloured_as_such() -> None:
    import xml.etree.ElementTree as ElementTree

    from swengine.authoring.graph_svg import render_svg

    graph = build_graph(compile_path(REPO / "specs" / "approval.sw.yaml"))
    view = {"status": "completed", "current_state": "Rejected", "visited": ["Receive", "Wait", "Decide", "Rejected"],
            "steps": [{"state": "Wait", "outcome": "timed_out"}]}  # fmt: skip
    svg = ElementTree.fromstring(render_svg(graph, Progress.of(view)))
    groups = {
        g.get("data-state"): g.get("class", "").split() for g in svg.iter("{http://www.w3.org/2000/svg}g")
    }
    assert "timed_out" in groups["Wait"] and "visited" in groups["Rejected"]
    assert f"class {graph.node_of('Wait').id} timed_out" in render_mermaid(graph, Progress.of(view))


def test_the_any_schema_checks_files_of_either_dsl_as_their_own_schema_does(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """One modeline for every ``*.sw.yaml``: 1.0 documents (``document``) against the 1.0 schema, others 0.8."""
    code, out, _ = run(capsys, "schema", "--dsl", "any")
    assert code == 0
    either = jsonschema.Draft202012Validator(json.loads(out))
    own = {dsl: jsonschema.Draft202012Validator(json.loads(schema_text(dsl))) for dsl in ("0.8", "1.0")}
    specs = sorted((Path(__file__).resolve().parents[2] / "specs").rglob("*.sw.yaml"))
    documents = [yaml.safe_load(path.read_text(encoding="utf-8")) for path in specs]
    assert {"document" in d for d in documents} == {True, False}
    broken_10 = {
        "document": {"dsl": "1.0.3", "namespace": "x", "name": "y", "version": "1"},
        "do": [{"a": {}}],
    }
    broken_08 = {"id": "x", "specVersion": "0.8", "states": "none"}
    for document in [*documents, broken_10, broken_08]:
        dsl = "1.0" if "document" in document else "0.8"
        assert either.is_valid(document) == own[dsl].is_valid(document), document
    assert not either.is_valid(broken_10) and not either.is_valid(broken_08)
