"""1.0 ``input``/``output``/``export`` schemas: inline JSON Schema only, and each must be a valid schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from swengine.dsl.facts import Finding
from swengine.dsl.schema_patterns import pattern_findings
from swengine.dsl.source_map import JsonPath
from swengine.dsl.v10.tasks import walk_document

SECTIONS = ("input", "output", "export")


def check_schemas(data: dict[str, Any]) -> list[Finding]:
    findings = []
    for path, schema in schema_sites(data):
        schema_format = str(schema.get("format", "json"))
        if not schema_format.startswith("json") or "resource" in schema:
            message = "only inline JSON Schemas (schema.document) are supported by swengine yet"
            findings.append(Finding("unsupported_feature", message, path))
        elif isinstance(schema.get("document"), dict):
            try:
                Draft202012Validator.check_schema(schema["document"])
            except SchemaError as error:
                findings.append(Finding("invalid_schema", f"not a valid JSON Schema: {error.message}", path))
            findings += pattern_findings(schema["document"], path + ("document",))
    return findings


def schema_sites(data: dict[str, Any]) -> Iterator[tuple[JsonPath, dict[str, Any]]]:
    """Every ``schema`` of the document and its tasks, with its path (the objects themselves: edits stick)."""
    owners: list[tuple[JsonPath, Any]] = [((), data)]
    owners += [(site.path, site.body) for site in walk_document(data)]
    for path, owner in owners:
        for section in SECTIONS:
            schema = owner.get(section, {}).get("schema") if isinstance(owner.get(section), dict) else None
            if isinstance(schema, dict):
                yield path + (section, "schema"), schema
