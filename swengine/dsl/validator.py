"""Validate a loaded workflow definition: our JSON Schema first, then semantic checks; every problem at once.

Problem codes (stable; each problem also carries a JSON path and a line:column) are listed in ``dsl.codes``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from swengine.core.errors import DocumentError, Problem
from swengine.dsl import codes, dialects, semantics
from swengine.dsl.facts import Finding
from swengine.dsl.loader import Document, load_file, load_text
from swengine.dsl.schema_check import schema_findings
from swengine.dsl.source_map import json_path
from swengine.dsl.v10 import semantics as v10_semantics
from swengine.dsl.v10.schema_check import schema_findings as v10_schema_findings
from swengine.dsl.versions import is_task_dsl

__doc__ = f"{__doc__}\n{codes.table()}\n"


def validate(document: Document) -> list[Problem]:
    """Every problem in the document (errors and warnings), sorted by line; the DSL is detected from it."""
    check = _VALIDATORS["1.0" if is_task_dsl(document.data) else "0.8"]
    problems = {to_problem(document, finding) for finding in check(document)}
    return sorted(problems, key=lambda p: (p.line or 0, p.column or 0, p.code, p.path, p.message))


def _validate_08(document: Document) -> list[Finding]:
    variables = dialects.VARIABLES.get(document.dialect, frozenset())
    findings = schema_findings(document.data) + semantics.check(document.data, variables)
    return dialects.adjust(document, findings)


def _validate_10(document: Document) -> list[Finding]:
    version = v10_semantics.check_version(document.data)
    return version or v10_schema_findings(document.data) + v10_semantics.check(document.data)


_VALIDATORS: dict[str, Callable[[Document], list[Finding]]] = {"0.8": _validate_08, "1.0": _validate_10}
"""One validation per DSL, chosen by what the document says it is (``specVersion`` or ``document.dsl``)."""


def validate_text(
    text: str | bytes, *, source: str = "<document>", base_dir: Path | None = None
) -> list[Problem]:
    """Load and validate text (files it names read from ``base_dir``, when given, and never outside it);
    loading problems are returned like any other."""
    try:
        return validate(load_text(text, source=source, base_dir=base_dir, root=base_dir))
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
