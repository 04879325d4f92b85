"""Every problem code, its severity and its meaning: the one table that the validator's documentation, the
SARIF rule descriptions and the README are made from. Codes are stable: add, never rename.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Code:
    severity: str
    meaning: str


CODES: dict[str, Code] = {
    "parse_error": Code("error", "the text is not YAML or JSON (loader)"),
    "duplicate_key": Code("error", "a mapping repeats a key (loader)"),
    "document_too_large": Code("error", "the text, or a file it references, is over the size limit (loader)"),
    "alias_limit_exceeded": Code(
        "error", "YAML aliases would expand too much, or refer to themselves (loader)"
    ),
    "nesting_too_deep": Code("error", "more nesting levels than the limit (loader)"),
    "not_a_mapping": Code("error", "the document is not a mapping (loader)"),
    "invalid_value": Code(
        "error", "a value JSON cannot carry: NaN, an infinity (``1e400``), a lone surrogate (loader)"
    ),
    "file_not_found": Code("error", "the definition file cannot be read (loader)"),
    "file_reference_not_found": Code(
        "error", "a referenced file (``functions: defs.json``) is missing (loader)"
    ),
    "file_reference_outside_root": Code("error", "a referenced file lies outside the allowed root (loader)"),
    "file_reference_invalid": Code(
        "error", "a referenced file holds neither the list nor an object with it (loader)"
    ),
    "remote_reference_refused": Code("error", "a reference is a URL: only local files are read (loader)"),
    "schema_reference_refused": Code(
        "error",
        "a dataInputSchema $ref the loader cannot embed: an anchor in another file, or a nested $id (loader)",
    ),
    "engine_activity_refused": Code(
        "error",
        "a custom function or ``call: activity`` names one of the engine's own activities (swengine.*)",
    ),
    "unsupported_pattern": Code(
        "error",
        "a schema's regular expression uses what RE2 does not run in linear time (backreferences, lookaround)",
    ),
    "rpc_operation_invalid": Code(
        "error", "an rpc function's operation is not <proto file>#<service>#<method> of its proto (loader)"
    ),
    "schema_violation": Code("error", "the document does not have the structure of its DSL (0.8 or 1.0)"),
    "unknown_state_type": Code("error", "a state ``type`` that 0.8 does not define"),
    "unknown_state": Code("error", "start, transition, condition, compensatedBy or runBefore names no state"),
    "duplicate_state": Code(
        "error",
        "two states share a name; likewise duplicate_function, duplicate_event, duplicate_error and duplicate_retry for the top-level definitions",
    ),
    "missing_start": Code("error", "the workflow has no states to start with"),
    "unknown_function": Code("error", "a functionRef (or ``${ fn:name }``) names no function"),
    "unknown_event": Code("error", "an event reference names no event definition"),
    "wrong_event_kind": Code("error", "a produced event is waited for, or a consumed one is produced"),
    "unknown_error": Code(
        "error",
        "an errorRef, errorRefs, retryableErrors or nonRetryableErrors item names no error definition",
    ),
    "unknown_retry": Code("error", "a retryRef names no retry definition"),
    "invalid_reference": Code(
        "error", "subFlowRef without workflowId; ``fn:`` naming a non-expression function"
    ),
    "conflicting_transition": Code("error", "both ``transition`` and ``end``"),
    "missing_transition": Code("error", "neither ``transition`` nor ``end``"),
    "invalid_state": Code(
        "error",
        "switch with both or neither condition kinds, eventTimeout without eventConditions, atLeast without (or with too large a) numCompleted",
    ),
    "invalid_compensation": Code(
        "error", 'compensation states misused (the spec\'s "Defining Compensation" rules)'
    ),
    "unreachable_state": Code("error", "no path from the start state (or runBefore) reaches the state"),
    "no_exit_path": Code("error", "no path from a reachable state reaches an end (an endless cycle)"),
    "ends_only_by_error": Code("warning", "a state can end only through an onErrors handler"),
    "invalid_duration": Code("error", "not an ISO 8601 duration (or repeating interval, for schedules)"),
    "invalid_cron": Code("error", "not a cron expression"),
    "invalid_id": Code(
        "error", "an id longer than 200 characters, or with blanks, control characters or . / .. segments"
    ),
    "invalid_schedule": Code(
        "error",
        "a schedule Temporal would refuse: repeating more than once a second, an unknown time zone, an end that is no date",
    ),
    "invalid_expression": Code("error", "a jq expression does not compile"),
    "forbidden_builtin": Code("error", "a jq expression uses a host-reading or non-deterministic builtin"),
    "unsupported_feature": Code(
        "error",
        "valid 0.8 that swengine refuses: graphql, odata and asyncapi functions, expressionLang other than jq,"
        " auth, authRef, secrets, and a specVersion other than 0.8; in 1.0:"
        " run.container, call asyncapi, schedule.on with all, until or filters beyond type and source, external"
        " schemas, certificate authentication, extensions, catalogs, ``$secrets`` read where its value would"
        " stay in the workflow, ``$authorization``; in either, a schema's unevaluatedProperties beside"
        " patternProperties",
    ),
    "sonataflow_dialect": Code(
        "warning",
        "a standard document uses SonataFlow-isms (bare jq arguments, sysout, service: functions ...): run it"
        " with ``--dialect sonataflow``",
    ),
    "dialect_construct": Code(
        "info", "``--explain``: a construct of the chosen dialect and its 0.8 equivalent"
    ),
    "unsupported_dsl_version": Code(
        "error", "``document.dsl`` is not a release swengine runs (1.0.0 to 1.0.3)"
    ),
    "duplicate_task": Code("error", "(1.0) two tasks of the same list share a name"),
    "invalid_schema": Code("error", "(1.0) an input, output or export schema is not a valid JSON Schema"),
    "unknown_task": Code(
        "error",
        "(1.0) a ``then`` (of a task or a switch case) names no task of its own list, nor continue, exit or end",
    ),
    "unknown_timeout": Code("error", "(1.0) a ``timeout`` names nothing in ``use.timeouts``"),
    "unknown_authentication": Code(
        "error", "(1.0) an ``authentication.use`` names nothing in ``use.authentications``"
    ),
    "unknown_secret": Code(
        "error", "(1.0) ``$secrets`` or an authentication's ``use`` names nothing in ``use.secrets``"
    ),
    "unknown_builtin": Code(
        "error", "a custom function's operation names a ``builtin.*`` verb that does not exist"
    ),
    "invalid_arguments": Code(
        "error",
        "a ``builtin.*`` call gives an argument the verb does not take, lacks one it needs, or gives none",
    ),
    "expression_in_literal": Code(
        "warning", "``${ }`` inside inject ``data``, which is literal: the text stays as written"
    ),
    "unknown_subflow": Code(
        "error", "a subFlowRef or continueAs names a workflow no file defines (cross-file)"
    ),
    "duplicate_workflow": Code("warning", "two files define the same workflow id and version (cross-file)"),
}


def table() -> str:
    """The codes as a reStructuredText table (for docstrings and documentation)."""
    width = max(map(len, CODES)) + 2
    rule = "=" * (width - 2) + "  ========  " + "=" * 70
    lines = [rule, f"{'code':<{width}}severity  meaning", rule]
    lines += [f"{code:<{width}}{entry.severity:<10}{entry.meaning}" for code, entry in CODES.items()]
    return "\n".join([*lines, rule])
