"""``dataInputSchema`` given as a file is read relative to the workflow; one we cannot read is refused."""

from __future__ import annotations

import json

import pytest

from swengine.compiler.pipeline import compile_path
from swengine.core.errors import DocumentError

WORKFLOW = """
id: typed
specVersion: "0.8"
dataInputSchema: {schema: SCHEMA, failOnValidationErrors: true}
states:
  - {name: S, type: inject, data: {ok: true}, end: true}
"""


def test_schema_file_is_inlined_into_the_ir(tmp_path):
    (tmp_path / "input.schema.json").write_text(json.dumps({"type": "object", "required": ["amount"]}))
    (tmp_path / "typed.sw.yaml").write_text(WORKFLOW.replace("SCHEMA", "input.schema.json"))
    ir = compile_path(tmp_path / "typed.sw.yaml")
    assert ir.data_input_schema == {"type": "object", "required": ["amount"]}
    assert ir.fail_on_invalid_input is True


@pytest.mark.parametrize(
    ("reference", "code"),
    [
        ("missing.json", "file_reference_not_found"),
        ("https://example.org/schema.json", "remote_reference_refused"),
        ("../outside.json", "file_reference_outside_root"),
    ],
)
def test_unreadable_schema_is_refused_with_its_line(tmp_path, reference, code):
    inner = tmp_path / "repo"
    inner.mkdir()
    (tmp_path / "outside.json").write_text("{}")
    (inner / "typed.sw.yaml").write_text(WORKFLOW.replace("SCHEMA", reference))
    with pytest.raises(DocumentError) as refused:
        compile_path(inner / "typed.sw.yaml")
    problem = refused.value.problems[0]
    assert problem.code == code
    assert problem.line == 4
