"""An author's schemas (0.8 ``dataInputSchema``, 1.0 ``input``/``output``/``export`` schemas) given as or
referring to files are read relative to the workflow and embedded at load; one we cannot read is refused, and a
stored schema that still refers outside itself is a problem with the value, never a fetch."""

from __future__ import annotations

import dataclasses
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from swengine.compiler.pipeline import compile_path, compile_text
from swengine.core.errors import DocumentError
from swengine.core.ir import TasksState, WorkflowIR
from swengine.interpreter.input import input_problems
from swengine.interpreter.tasks.errors import TaskFault
from swengine.interpreter.tasks.schemas import check_schema

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


def test_references_to_files_in_the_folder_are_embedded_once_at_load(tmp_path):
    (tmp_path / "common.json").write_text(
        json.dumps({"definitions": {"id": {"type": "string", "minLength": 2}}})
    )
    (tmp_path / "schemas").mkdir()
    schema = {"type": "object", "required": ["id"],
              "properties": {"id": {"$ref": "../common.json#/definitions/id"}, "copy": {"$ref": "#/properties/id"}}}  # fmt: skip
    (tmp_path / "schemas" / "in.json").write_text(json.dumps(schema))
    (tmp_path / "typed.sw.yaml").write_text(WORKFLOW.replace("SCHEMA", "schemas/in.json"))
    ir = compile_path(tmp_path / "typed.sw.yaml")
    (tmp_path / "common.json").unlink()  # resolved at load: a start never reads a file again
    assert input_problems(ir, {"id": "ab", "copy": "cd"}) == []
    assert [p.split(":")[0] for p in input_problems(ir, {"id": "a", "copy": "b"})] == ["copy", "id"]
    assert all(not ref.startswith(("file", "..", "http")) for ref in _references(ir.data_input_schema))


@pytest.mark.parametrize(
    ("inline", "reference", "code"),
    [
        (False, "missing.json", "file_reference_not_found"),
        (False, "https://example.org/schema.json", "remote_reference_refused"),
        (False, "../outside.json", "file_reference_outside_root"),
        (True, "http://127.0.0.1:9/s.json", "remote_reference_refused"),
        (True, "file:///etc/passwd", "file_reference_outside_root"),
        (True, "/etc/passwd", "file_reference_outside_root"),
        (True, "../outside.json", "file_reference_outside_root"),
        (True, "missing.json", "file_reference_not_found"),
        (True, "common.json#name", "schema_reference_refused"),
    ],
)
def test_a_schema_and_its_refs_resolve_from_the_folder_only(tmp_path, inline, reference, code):
    """The schema file itself, and every ``$ref`` inside a schema, with the line of ``dataInputSchema``."""
    inner = tmp_path / "repo"
    inner.mkdir()
    (tmp_path / "outside.json").write_text('{"secret": "do-not-quote"}')
    (inner / "common.json").write_text("{}")
    schema = json.dumps({"type": "object", "properties": {"a": {"$ref": reference}}}) if inline else reference
    (inner / "typed.sw.yaml").write_text(WORKFLOW.replace("SCHEMA", schema))
    with pytest.raises(DocumentError) as refused:
        compile_path(inner / "typed.sw.yaml")
    problem = refused.value.problems[0]
    assert (problem.code, problem.line) == (code, 4)
    assert "do-not-quote" not in str(refused.value) and "root:x:0" not in str(refused.value)


def test_an_uploaded_schema_may_refer_only_inside_itself():
    refs = {"local": "#/$defs/n", "file": "n.json"}
    for kind, reference in refs.items():
        schema = {"$defs": {"n": {"type": "integer"}}, "properties": {"n": {"$ref": reference}}}
        text = json.dumps({"id": "up", "specVersion": "0.8", "start": "S", "dataInputSchema": {"schema": schema},
                           "states": [{"name": "S", "type": "inject", "data": {}, "end": True}]})  # fmt: skip
        if kind == "local":
            assert input_problems(compile_text(text), {"n": "x"}) != []
        else:
            with pytest.raises(DocumentError) as refused:
                compile_text(text)
            assert refused.value.problems[0].code == "file_reference_not_found"


@pytest.fixture
def counted_url():
    """A loopback schema server's URL, and the requests it answered."""
    hits: list[str] = []

    class Counter(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'{"type": "string"}')

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Counter)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/s.json", hits
    httpd.shutdown()


def test_a_stored_schema_with_a_remote_ref_is_an_input_problem_never_a_fetch(counted_url):
    url, hits = counted_url
    ir = compile_text(json.dumps({"id": "old", "specVersion": "0.8", "start": "S",
                                  "states": [{"name": "S", "type": "inject", "data": {}, "end": True}]}))  # fmt: skip
    old = dataclasses.replace(ir, data_input_schema={"properties": {"a": {"$ref": url}}})
    problems = input_problems(old, {"a": 1})
    assert hits == []
    assert len(problems) == 1 and "not inside the schema" in problems[0]


TASK_SCHEMA = """\
document: {dsl: "1.0.3", namespace: test, name: typed, version: "1.0.0"}
do:
  - count:
      set: {n: "${ .n }"}
      input:
        schema:
          document: {type: object, properties: {n: {$ref: "REFERENCE"}}}
"""


def _task_input_schema(ir: WorkflowIR) -> dict[str, Any]:
    (state,) = ir.states
    assert isinstance(state, TasksState)
    schema = state.tasks[0].input_schema
    assert schema is not None
    return schema


def test_a_task_schema_embeds_the_files_it_refers_to_at_load(tmp_path):
    (tmp_path / "common.json").write_text(json.dumps({"$defs": {"n": {"type": "integer", "minimum": 1}}}))
    (tmp_path / "typed.yaml").write_text(TASK_SCHEMA.replace("REFERENCE", "common.json#/$defs/n"))
    schema = _task_input_schema(compile_path(tmp_path / "typed.yaml"))
    (tmp_path / "common.json").unlink()  # resolved at load: a task never reads a file again
    check_schema(schema, {"n": 3}, "the input", "/do/0/count")
    with pytest.raises(TaskFault) as fault:
        check_schema(schema, {"n": 0}, "the input", "/do/0/count")
    assert fault.value.error["type"].endswith("/validation") and "n: " in fault.value.error["detail"]
    assert all(ref.startswith("#/") for ref in _references(schema))


@pytest.mark.parametrize(
    ("reference", "code"),
    [
        ("http://127.0.0.1:9/s.json", "remote_reference_refused"),
        ("../outside.json", "file_reference_outside_root"),
        ("missing.json", "file_reference_not_found"),
    ],
)
def test_a_task_schema_refers_to_files_of_its_folder_only(tmp_path, reference, code):
    inner = tmp_path / "repo"
    inner.mkdir()
    (tmp_path / "outside.json").write_text('{"secret": "do-not-quote"}')
    (inner / "typed.yaml").write_text(TASK_SCHEMA.replace("REFERENCE", reference))
    with pytest.raises(DocumentError) as refused:
        compile_path(inner / "typed.yaml")
    problem = refused.value.problems[0]
    assert (problem.code, problem.line, problem.path) == (code, 7, "$.do[0].count.input.schema.document")
    assert "do-not-quote" not in str(refused.value)


def test_a_stored_task_schema_with_a_remote_ref_is_a_validation_fault_never_a_fetch(counted_url):
    url, hits = counted_url
    with pytest.raises(TaskFault) as fault:
        check_schema({"properties": {"a": {"$ref": url}}}, {"a": 1}, "the input", "/do/0/count")
    assert hits == []
    assert "not inside the schema" in fault.value.error["detail"]


def _references(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _references(value)
    elif isinstance(node, list):
        for item in node:
            yield from _references(item)
