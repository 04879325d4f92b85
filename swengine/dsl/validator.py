"""Validate a loaded workflow definition: our JSON Schema first, then semantic checks; every problem at once.

Problem codes (stable; each problem also carries a JSON path and a line:column) are listed in ``dsl.codes``.
"""

from __future__ import annotations

from pathlib import Path

from swengine.core.errors import DocumentError, Problem
from swengine.dsl import codes, dialects, semantics
from swengine.dsl.facts import Finding
from swengine.dsl.loader import Document, load_file, load_text
from swengine.dsl.schema_check import schema_findings
from swengine.dsl.source_map import json_path

__doc__ = f"{__doc__}\n{codes.table()}\n"


def validate(document: Document) -> list[Problem]:
    """Every problem in the document (errors and warnings), sorted by line."""
    if (other := other_dsl(document)) is not None:
        return [other]
    findings = dialects.adjust(
        document,
        schema_findings(document.data)
        + semantics.check(document.data, dialects.VARIABLES.get(document.dialect, frozenset())),
    )
    problems = {to_problem(document, finding) for finding in findings}
    return sorted(problems, key=lambda p: (p.line or 0, p.column or 0, p.code, p.path, p.message))


def other_dsl(document: Document) -> Problem | None:
    """One clear problem for a document of the task DSL (``document: {dsl: 1.0.x}``), which is not 0.8.

    Checked before the 0.8 schema, so such a document is never judged by rules it was not written for.
    """
    header = document.data.get("document")
    if not isinstance(header, dict) or "specVersion" in document.data:
        return None
    found = header.get("dsl")
    message = (
        f"this is a document of DSL {found!s} (the task DSL: document/do); swengine runs Serverless Workflow "
        'specVersion "0.8" only so far'
    )
    path = ("document", "dsl") if "dsl" in header else ("document",)
    return to_problem(document, Finding("unsupported_dsl_version", message, path))


def validate_text(text: str | bytes, *, source: str = "<document>") -> list[Problem]:
    """Load and validate text; loading problems are returned like any other."""
    try:
        return validate(load_text(text, source=source))
    except DocumentError as error:
        return list(error.problems)


def validate_file(path: Path | str, *, root: Path | str | None = None) -> list[Problem]:
    """Load and validate a file (resolving its file references); loading problems are returned too."""
    try:
        return validate(load_file(path, root=root))
    except DocumentError as error:
        return list(error.problems)


def load_valid(
    source: Path | str | bytes, *, name: str = "<document>", root: Path | str | None = None
) -> Document:
    """Load a file (``source`` a Path) or text (str or bytes); raise DocumentError listing its errors."""
    if isinstance(source, (str, bytes)):
        document = load_text(source, source=name)
    else:
        document = load_file(source, root=root)
    errors = [problem for problem in validate(document) if problem.severity == "error"]
    if errors:
        raise DocumentError(errors, document.source)
    return document


def to_problem(document: Document, finding: Finding) -> Problem:
    line, column = document.locate(finding.path)
    message = finding.message
    origin = document.source_map.origin(finding.path)
    if origin is not None:
        message += f" (in {origin[0]} at {origin[1]}:{origin[2]})"
    return Problem(
        code=finding.code,
        message=message,
        path=json_path(finding.path),
        line=line,
        column=column,
        severity=finding.severity,
    )
