"""An author's schema patterns run on RE2: someone's input cannot make one backtrack, a pattern RE2 does not run
is refused with its line when the definition is validated, and the keywords that read patterns still mean
what JSON Schema says."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from swengine.dsl.validator import validate_text
from swengine.interpreter.json_schema import schema_problems

V08 = {"id": "typed", "specVersion": "0.8", "start": "S",
       "states": [{"name": "S", "type": "inject", "data": {}, "end": True}]}  # fmt: skip
V10 = """\
document: {dsl: "1.0.3", namespace: test, name: typed, version: "1.0.0"}
do:
  - a:
      set: {x: 1}
      input:
        schema:
          document: SCHEMA
"""


BACKTRACKING = """
from swengine.interpreter.json_schema import schema_problems
text = "a" * 50_000 + "b"
print(len(schema_problems({"pattern": "^(a+)+$"}, text)),
      len(schema_problems({"patternProperties": {"^(a+)+$": {}}, "additionalProperties": False}, {text: 1})))
"""


def test_a_pattern_that_backtracks_in_python_answers_at_once():
    """``^(a+)+$`` on 50,000 a's and a b: Python's ``re`` would hold the interpreter lock longer than anyone
    waits (so the check runs in a process of its own, which the bound kills); RE2 is linear."""
    done = subprocess.run([sys.executable, "-c", BACKTRACKING], capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["1", "1"], done.stderr  # a mismatch, and an extra key


def test_pattern_keywords_keep_their_meaning():
    schema = {"type": "object", "properties": {"id": {"pattern": "^[A-Z]{2}-\\d+$"}},
              "patternProperties": {"^x-": {"type": "string"}}, "additionalProperties": False}  # fmt: skip
    assert schema_problems(schema, {"id": "AB-12", "x-note": "kept"}) == []
    assert [p.split(":")[0] for p in schema_problems(schema, {"id": "ab-12"})] == ["id"]
    assert [p.split(":")[0] for p in schema_problems(schema, {"x-note": 3})] == ["x-note"]
    assert len(schema_problems(schema, {"other": 1})) == 1
    assert schema_problems({"pattern": "b"}, "abc") == []  # a pattern matches anywhere unless anchored


@pytest.mark.parametrize(
    ("schema", "code", "where"),
    [
        ({"properties": {"a": {"pattern": "(a)\\1"}}}, "unsupported_pattern", "properties.a.pattern"),
        ({"patternProperties": {"(?=x)y": {}}}, "unsupported_pattern", "patternProperties"),
        ({"patternProperties": {"^x": {}}, "unevaluatedProperties": False}, "unsupported_feature",
         "unevaluatedProperties"),
    ],
)  # fmt: skip
def test_what_re2_does_not_run_is_refused_in_either_dsl(schema, code, where):
    v08 = validate_text(json.dumps({**V08, "dataInputSchema": {"schema": schema}}))
    assert [(p.code, where in p.path) for p in v08] == [(code, True)]
    v10 = validate_text(V10.replace("SCHEMA", json.dumps(schema)))
    assert [(p.code, where in p.path, p.line) for p in v10] == [(code, True, 7)]
