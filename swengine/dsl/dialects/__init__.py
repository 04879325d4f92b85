"""Dialects of 0.8, chosen explicitly: ``standard`` (the specification's text) or ``sonataflow``.

A dialect rewrites a loaded document to the standard 0.8 that means what the dialect's runtime did with it,
before validation and compilation. It is never guessed: a bare ``".x"`` is a string in standard 0.8 and an
expression in SonataFlow, so the same text means two things and only the operator knows which was meant.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from swengine.dsl import loader
from swengine.dsl.constructs import Construct
from swengine.dsl.dialects import sonataflow
from swengine.dsl.facts import Finding
from swengine.dsl.loader import Document

STANDARD = "standard"
SONATAFLOW = "sonataflow"

Rewrite = Callable[[dict[str, Any]], list[Construct]]

DIALECTS: dict[str, Rewrite] = {
    STANDARD: lambda data: [],
    SONATAFLOW: sonataflow.rewrite,
}
NAMES = tuple(DIALECTS)
VARIABLES: dict[str, frozenset[str]] = {STANDARD: frozenset(), SONATAFLOW: frozenset({"WORKFLOW"})}
"""Expression variables a dialect binds when its instances run (``interpreter.dialects``)."""

TELLTALES = frozenset(
    {
        "bare_jq",
        "arguments_expression",
        "sysout",
        "service_function",
        "script_function",
        "rest_custom_function",
        "workflow_variable",
        "missing_default_condition",
        "event_ref_without_result",
        "missing_spec_version",
        "event_kind",
    }
)
"""Constructs that mark a document as written for SonataFlow (the rest also occur in standard documents)."""
MAX_LISTED = 5


class UnknownDialect(ValueError):
    """A dialect name that is not one of ``NAMES``."""


def check_name(dialect: str) -> str:
    if dialect not in DIALECTS:
        raise UnknownDialect(f"unknown dialect {dialect!r}: choose one of {', '.join(NAMES)}")
    return dialect


def apply(document: Document, dialect: str) -> Document:
    """Rewrite ``document`` (in place) to the standard meaning it has in ``dialect``."""
    document.dialect = check_name(dialect)
    if dialect != STANDARD:
        document.loaded = copy.deepcopy(document.data)
    document.constructs = DIALECTS[dialect](document.data)
    if dialect != STANDARD:
        # the same text means something else here: deploying it in another dialect is a change of content
        marked = f"{dialect}\n{document.content_hash}".encode()
        document.content_hash = hashlib.sha256(marked).hexdigest()
    return document


def load_file(path: Path | str, *, dialect: str = STANDARD, root: Path | str | None = None) -> Document:
    return apply(loader.load_file(path, root=root), dialect)


def load_text(text: str | bytes, *, dialect: str = STANDARD, source: str = "<document>") -> Document:
    return apply(loader.load_text(text, source=source), dialect)


def adjust(document: Document, findings: list[Finding]) -> list[Finding]:
    """The validator's findings as the dialect sees them: complaints about constructs it keeps dropped,
    its refusals added, and in standard mode a warning when the document looks written for SonataFlow."""
    if document.dialect == STANDARD:
        return findings + looks_like_sonataflow(document)
    kept = {construct.path for construct in document.constructs if construct.kept}
    findings = [f for f in findings if not (f.code == "schema_violation" and f.path in kept)]
    refused = {construct.path for construct in document.constructs if construct.refused}
    findings = [f for f in findings if f.path not in refused]  # the refusal says why, once
    if any(f.code == "unsupported_feature" and f.path == ("expressionLang",) for f in findings):
        # expressions of another language, judged as jq, would only bury the one refusal that matters
        findings = [f for f in findings if f.code != "invalid_expression"]
    refusals = [
        Finding("unsupported_feature", f"{construct.refused} ({document.dialect} dialect)", construct.path)
        for construct in document.constructs
        if construct.refused
    ]
    return findings + refusals


def looks_like_sonataflow(document: Document) -> list[Finding]:
    """One warning naming the SonataFlow-isms of a standard document (with line:col), if it has any."""
    found = [c for c in sonataflow.rewrite(copy.deepcopy(document.data)) if c.kind in TELLTALES]
    found.sort(key=lambda construct: document.locate(construct.path))
    if not found:
        return []
    places = ", ".join(f"{c.kind.replace('_', ' ')} at {_where(document, c)}" for c in found[:MAX_LISTED])
    more = f" and {len(found) - MAX_LISTED} more" if len(found) > MAX_LISTED else ""
    message = f"this document looks written for SonataFlow ({places}{more}): run it with --dialect sonataflow"
    return [Finding("sonataflow_dialect", message, found[0].path, severity="warning")]


def explain(document: Document) -> list[Finding]:
    """Every non-standard construct of the document, with its standard equivalent (``--explain``)."""
    return [
        Finding("dialect_construct", f"{c.kind}: standard 0.8: {c.standard}", c.path, severity="info")
        for c in document.constructs
    ]


def _where(document: Document, construct: Construct) -> str:
    line, column = document.locate(construct.path)
    return f"{line}:{column}"
