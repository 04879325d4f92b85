"""Step 1 of validating a 1.0 document: our own JSON Schema of the task DSL, with readable messages.

``schema/workflow-1.0.schema.json`` is complete on its own (editors can use it). A task is told apart by its
defining key (``if``/``then`` per kind), so an error names what is wrong with that kind of task rather than
every alternative the task could have been.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from swengine.dsl.facts import Finding
from swengine.dsl.schema_check import translate
from swengine.dsl.source_map import JsonPath, json_path
from swengine.dsl.v10.tasks import task_kind

SCHEMA_FILE = "schema/workflow-1.0.schema.json"


def load_schema() -> dict[str, Any]:
    """The 1.0 schema document shipped in the package."""
    return json.loads(resources.files("swengine.dsl").joinpath(SCHEMA_FILE).read_text("utf-8"))


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(load_schema())


@cache
def _task_keys(kind: str | None) -> frozenset[str]:
    defs = load_schema()["$defs"]
    own = defs.get(f"{kind}Task", {}).get("properties", {}) if kind else {}
    return frozenset(defs["taskBase"]["properties"]) | frozenset(own)


def schema_findings(data: dict[str, Any]) -> list[Finding]:
    """Schema violations of a 1.0 definition, one readable finding per cause."""
    findings: list[Finding] = []
    for error in _validator().iter_errors(data):
        findings += _translate(error)
    return findings


def _translate(error: ValidationError) -> list[Finding]:
    if error.validator != "unevaluatedProperties":
        return translate(error, ())
    path: JsonPath = tuple(error.absolute_path)
    instance = error.instance if isinstance(error.instance, dict) else {}
    known = _task_keys(task_kind(instance))
    where = json_path(path)[2:] or "document"
    return [
        Finding("schema_violation", f"{where}: unknown property '{key}'", path + (key,))
        for key in instance
        if key not in known
    ]
