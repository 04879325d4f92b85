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
schema_violation             error     the document does not have the structure of its DSL (0.8 or 1.0)
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
                                       a specVersion other than 0.8; in 1.0: run.shell/script/container,
                                       call grpc/asyncapi/a2a/mcp, schedule after/on, external schemas,
                                       authentication other than basic and bearer, extensions, catalogs,
                                       secrets
unsupported_dsl_version      error     ``document.dsl`` is not a release swengine runs (1.0.0 to 1.0.3)
duplicate_task               error     (1.0) two tasks of the same list share a name
invalid_schema               error     (1.0) an input, output or export schema is not a valid JSON Schema
unknown_task                 error     (1.0) a ``then`` (of a task or a switch case) names no task of its own
                                       list, nor ``continue``, ``exit`` or ``end``
unknown_timeout              error     (1.0) a ``timeout`` names nothing in ``use.timeouts``; likewise
                                       unknown_error (``raise.error``: ``use.errors``), unknown_retry
                                       (``catch.retry``: ``use.retries``), unknown_function (``call``:
                                       ``use.functions``), unknown_authentication (``authentication.use``:
                                       ``use.authentications``)
===========================  ========  =======================================================================
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from swengine.core.errors import DocumentError, Problem
from swengine.dsl import semantics
from swengine.dsl.facts import Finding
from swengine.dsl.loader import Document, load_file, load_text
from swengine.dsl.schema_check import schema_findings
from swengine.dsl.source_map import json_path
from swengine.dsl.v10 import semantics as v10_semantics
from swengine.dsl.v10.schema_check import schema_findings as v10_schema_findings
from swengine.dsl.versions import is_task_dsl


def validate(document: Document) -> list[Problem]:
    """Every problem in the document (errors and warnings), sorted by line; the DSL is detected from it."""
    check = _VALIDATORS["1.0" if is_task_dsl(document.data) else "0.8"]
    problems = {_to_problem(document, finding) for finding in check(document.data)}
    return sorted(problems, key=lambda p: (p.line or 0, p.column or 0, p.code, p.path, p.message))


def _validate_08(data: dict[str, Any]) -> list[Finding]:
    return schema_findings(data) + semantics.check(data)


def _validate_10(data: dict[str, Any]) -> list[Finding]:
    version = v10_semantics.check_version(data)
    return version or v10_schema_findings(data) + v10_semantics.check(data)


_VALIDATORS: dict[str, Callable[[dict[str, Any]], list[Finding]]] = {"0.8": _validate_08, "1.0": _validate_10}
"""One validation per DSL, chosen by what the document says it is (``specVersion`` or ``document.dsl``)."""


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


def _to_problem(document: Document, finding: Finding) -> Problem:
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
