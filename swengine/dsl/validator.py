"""Validate a loaded workflow definition: our JSON Schema first, then semantic checks; every problem at once.

Problem codes (stable; each problem also carries a JSON path and a line:column):

===========================  ========  =======================================================================
code                         severity  meaning
===========================  ========  =======================================================================
parse_error                  error     the text is not YAML or JSON (loader)
duplicate_key                error     a mapping repeats a key (loader)
document_too_large           error     the text, or a file it references, is over the size limit (loader)
alias_limit_exceeded         error     YAML aliases would expand too much, or refer to themselves (loader)
nesting_too_deep             error     more nesting levels than the limit (loader)
not_a_mapping                error     the document is not a mapping (loader)
file_not_found               error     the definition file cannot be read (loader)
file_reference_not_found     error     a referenced file (``functions: defs.json``) is missing (loader)
file_reference_outside_root  error     a referenced file lies outside the allowed root (loader)
file_reference_invalid       error     a referenced file holds neither the list nor an object with it (loader)
remote_reference_refused     error     a reference is a URL: only local files are read (loader)
schema_violation             error     the document does not have the 0.8 structure
unknown_state_type           error     a state ``type`` that 0.8 does not define
unknown_state                error     start, transition, condition, compensatedBy or runBefore names no state
duplicate_state              error     two states share a name; likewise duplicate_function, duplicate_event,
                                       duplicate_error and duplicate_retry for the top-level definitions
missing_start                error     the workflow has no states to start with
unknown_function             error     a functionRef (or ``${ fn:name }``) names no function
unknown_event                error     an event reference names no event definition
wrong_event_kind             error     a produced event is waited for, or a consumed one is produced
unknown_error                error     an errorRef, errorRefs, retryableErrors or nonRetryableErrors item
                                       names no error definition
unknown_retry                error     a retryRef names no retry definition
invalid_reference            error     subFlowRef without workflowId; ``fn:`` naming a non-expression function
conflicting_transition       error     both ``transition`` and ``end``
missing_transition           error     neither ``transition`` nor ``end``
invalid_state                error     switch with both or neither condition kinds, eventTimeout without
                                       eventConditions, atLeast without (or with too large a) numCompleted
invalid_compensation         error     compensation states misused (the spec's "Defining Compensation" rules)
unreachable_state            error     no path from the start state (or runBefore) reaches the state
no_exit_path                 error     no path from a reachable state reaches an end (an endless cycle)
ends_only_by_error           warning   a state can end only through an onErrors handler
invalid_duration             error     not an ISO 8601 duration (or repeating interval, for schedules)
invalid_cron                 error     not a cron expression
invalid_expression           error     a jq expression does not compile
forbidden_builtin            error     a jq expression uses a host-reading or non-deterministic builtin
unsupported_feature          error     valid 0.8 that swengine refuses: rpc, graphql, odata and asyncapi
                                       functions, expressionLang other than jq, auth, authRef, secrets, and
                                       a specVersion other than 0.8
unsupported_dsl_version      error     a document of a DSL swengine does not run yet (``document.dsl``: 1.0)
sonataflow_dialect           warning   a standard document uses SonataFlow-isms (bare jq arguments, sysout,
                                       service: functions ...): run it with ``--dialect sonataflow``
dialect_construct            info      ``--explain``: a construct of the chosen dialect and its 0.8 equivalent
===========================  ========  =======================================================================
"""

from __future__ import annotations

from pathlib import Path

from swengine.core.errors import DocumentError, Problem
from swengine.dsl import dialects, semantics
from swengine.dsl.facts import Finding
from swengine.dsl.loader import Document, load_file, load_text
from swengine.dsl.schema_check import schema_findings
from swengine.dsl.source_map import json_path


def validate(document: Document) -> list[Problem]:
    """Every problem in the document (errors and warnings), sorted by line."""
    if (other := other_dsl(document)) is not None:
        return [other]
    findings = dialects.adjust(document, schema_findings(document.data) + semantics.check(document.data))
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
