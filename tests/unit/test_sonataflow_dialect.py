"""The sonataflow dialect without a server: what it rewrites, refuses, explains, and what standard says."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from swengine.authoring.crossfile import check_files
from swengine.authoring.explain import add_explanations
from swengine.compiler.pipeline import compile_text
from swengine.dsl import dialects
from swengine.dsl.dialects.sonataflow import jq
from swengine.dsl.discovery import find_workflow_files
from swengine.dsl.validator import validate

FLOWS = Path(__file__).resolve().parents[1] / "integration" / "sonataflow"
SPECS = Path(__file__).resolve().parents[2] / "specs"
CORPUS = os.environ.get("SWENGINE_SONATAFLOW_CORPUS")
"""A folder of SonataFlow's example workflows (kept outside the repository); the corpus test skips without it."""

SCRIPTED = """
id: scripted
start: Run
functions:
  - {name: py, type: custom, operation: "script:python"}
  - {name: hello, type: custom, operation: "rest:post:http://example.invalid/hello"}
states:
  - {name: Run, type: operation, end: true, actions: [
      functionRef: {refName: py, arguments: {script: "import time as tm"}},
      functionRef: {refName: hello},
      functionRef: {refName: "camel:direct:x"}]}
"""


@pytest.mark.parametrize(
    ("text", "program"),
    [
        (".orderId", ".orderId"),
        ("${ .a }", ".a"),
        ("{{ .a }}", ".a"),
        ("1", "1"),
        ("true", "true"),
        ("$WORKFLOW.instanceId", "$WORKFLOW.instanceId"),
        ("Hi \\(.name)", '"Hi \\(.name)"'),
        ("Hello", None),
        ("Hello, World!", None),
        ("http://example.invalid/x", None),
    ],
)
def test_a_string_is_jq_when_it_compiles(text, program):
    assert jq.program_of(text) == program


def test_standard_warns_with_the_places_and_the_dialect_accepts():
    path = FLOWS / "saga.sw.json"
    standard = validate(dialects.load_file(path))
    warnings = [p for p in standard if p.code == "sonataflow_dialect"]
    assert len(warnings) == 1 and warnings[0].severity == "warning"
    assert "--dialect sonataflow" in warnings[0].message and "7:39" in warnings[0].message
    assert [p for p in validate(dialects.load_file(path, dialect="sonataflow")) if p.severity != "info"] == []


def test_our_standard_specs_do_not_look_like_sonataflow():
    files, _ = find_workflow_files([SPECS])
    problems = [p for item in check_files(files, root=SPECS) for p in item.problems]
    assert not [p for p in problems if p.code == "sonataflow_dialect"]


def test_script_and_namespaces_are_refused_each_once_at_their_line():
    document = dialects.load_text(SCRIPTED, source="scripted.sw.yaml", dialect="sonataflow")
    problems = [p for p in validate(document) if p.severity == "error"]
    assert [(p.code, p.line) for p in problems] == [("unsupported_feature", 5), ("unsupported_feature", 11)]


def test_explain_lists_every_construct_with_its_line():
    checked = check_files([FLOWS / "events.sw.json"], root=FLOWS, dialect="sonataflow")
    add_explanations(checked)
    explained = {
        (p.line, p.message.split(":")[0]) for p in checked[0].problems if p.code == "dialect_construct"
    }
    assert explained >= {
        (1, "missing_spec_version"),
        (5, "event_kind"),
        (6, "consumed_source"),
        (13, "event_ref_without_result"),
    }


def test_the_dialect_is_part_of_the_content_and_the_ir():
    text = (FLOWS / "values.sw.json").read_text()
    sonataflow = compile_text(text, source="values.sw.json", dialect="sonataflow")
    assert sonataflow.dialect == "sonataflow"
    standard = dialects.load_text(text).content_hash
    assert standard != dialects.load_text(text, dialect="sonataflow").content_hash


def test_unknown_dialect_is_refused():
    with pytest.raises(dialects.UnknownDialect):
        dialects.check_name("kogito")


@pytest.mark.skipif(not CORPUS, reason="SWENGINE_SONATAFLOW_CORPUS names no corpus folder")
def test_corpus_validates_or_is_refused_with_a_reason():
    """Every example validates in the dialect, or is refused with ``unsupported_feature``; schema files the
    corpus keeps under other names are the only other problem allowed."""
    root = Path(str(CORPUS))
    files, _ = find_workflow_files([root])
    assert files
    allowed = {"unsupported_feature", "file_reference_not_found"}
    for item in check_files(files, root=root, dialect="sonataflow"):
        errors = {p.code for p in item.problems if p.severity == "error"}
        assert errors <= allowed, (
            item.path.name,
            [p.message for p in item.problems if p.severity == "error"],
        )
