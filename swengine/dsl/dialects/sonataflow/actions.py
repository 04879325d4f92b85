"""SonataFlow's reading of actions: arguments evaluated when they are jq, sysout calls, fire-and-forget eventRefs.

Sources: ``WorkItemBuilder.processArgs`` (an argument string that compiles is evaluated, a whole-arguments
string is one expression), ``ExpressionHandlerUtils.transform`` (a failed evaluation keeps the text),
``SysOutTypeHandler``/``SysoutAction`` (``message`` is evaluated to a string and logged; nothing is merged),
``CompositeContextNodeHandler`` (an ``eventRef`` action only sends ``triggerEventRef``: ``resultEventRef`` is
never waited for), ``MergeUtils.mergeObject`` (a non-object result lands under ``response``).
"""

from __future__ import annotations

from typing import Any

from swengine.dsl.constructs import Construct
from swengine.dsl.dialects.sonataflow import jq
from swengine.dsl.dialects.sonataflow.functions import Functions
from swengine.dsl.dialects.sonataflow.jq import JQ, Reading
from swengine.dsl.dialects.sonataflow.walk import actions, mappings
from swengine.dsl.source_map import JsonPath

RESPONSE_WRAP = 'if type == "object" or type == "null" then . else {response: .} end'
"""MergeUtils puts a result that is not an object (a number, a string, an array) under ``response``."""


def rewrite_actions(data: dict[str, Any], functions: Functions, reading: Reading = JQ) -> list[Construct]:
    constructs: list[Construct] = []
    defined = {
        name
        for function, _ in mappings(data.get("functions"), ("functions",))
        if isinstance(name := function.get("name"), str)
    }
    for action, path in actions(data):
        ref = action.get("functionRef")
        if isinstance(ref, str):
            ref = action["functionRef"] = {"refName": ref}
        if isinstance(ref, dict):
            name = ref.get("refName")
            constructs += _ignored_keys(ref, path + ("functionRef",))
            if name in functions.sysout_levels:
                constructs += _sysout_call(action, ref, functions.sysout_levels[str(name)], path, reading)
            elif isinstance(name, str) and ":" in name and name not in defined:
                constructs.append(_namespace(name, path + ("functionRef", "refName")))
            elif name not in functions.refused:
                constructs += _arguments(ref, path + ("functionRef",), reading)
                constructs += _wrap_result(action, path)
        if isinstance(action.get("eventRef"), dict):
            constructs += _event_ref(action["eventRef"], path + ("eventRef",), reading)
    return constructs


def _namespace(name: str, path: JsonPath) -> Construct:
    """``refName: "camel:direct:x"``: a function of a namespace (``FunctionNamespaceFactory``), not a definition."""
    return Construct(
        "function_namespace",
        path,
        "a function definition of that name",
        refused=f"function namespaces ({name}) are not supported",
    )


def _arguments(ref: dict[str, Any], path: JsonPath, reading: Reading) -> list[Construct]:
    found: list[Construct] = []
    if "arguments" not in ref:
        return found
    arguments = ref["arguments"]
    path += ("arguments",)
    if isinstance(arguments, str):
        if reading.compiles(arguments):
            ref["arguments"] = "${ " + str(reading.program_of(arguments)) + " }"
            standard = "an arguments object built field by field"
            found.append(Construct("arguments_expression", path, standard, kept=True))
        return found
    ref["arguments"] = rewrite_leaves(arguments, path, found, reading)
    return found


IGNORED_REF_KEYS = ("name",)
"""functionRef keys SonataFlow's deserializer tolerates and never reads (its python example sets ``name``)."""


def _ignored_keys(ref: dict[str, Any], path: JsonPath) -> list[Construct]:
    return [
        Construct("ignored_key", path + (key,), f"no {key!r} (SonataFlow ignores it)")
        for key in IGNORED_REF_KEYS
        if ref.pop(key, None) is not None
    ]


def rewrite_leaves(value: Any, path: JsonPath, found: list[Construct], reading: Reading) -> Any:
    """Every string leaf that compiles as jq becomes an expression (keeping its text when evaluation fails)."""
    if isinstance(value, str):
        if not reading.compiles(value):
            return value
        if reading.is_bare(value):
            found.append(Construct("bare_jq", path, f"${{ {reading.program_of(value)} }}"))
        return reading.evaluated_or_text(value)
    if isinstance(value, dict):
        return {key: rewrite_leaves(item, path + (key,), found, reading) for key, item in value.items()}
    if isinstance(value, list):
        return [rewrite_leaves(item, path + (index,), found, reading) for index, item in enumerate(value)]
    return value


def _sysout_call(
    action: dict[str, Any], ref: dict[str, Any], level: str, path: JsonPath, reading: Reading
) -> list[Construct]:
    arguments = ref.get("arguments")
    message = arguments.get("message") if isinstance(arguments, dict) else None
    if isinstance(message, str):
        text = reading.program_of(message)
        ref["arguments"] = {"message": _log_line(message, text), "level": level}
    data_filter = action.setdefault("actionDataFilter", {})
    if isinstance(data_filter, dict):
        data_filter["useResults"] = False
    return [Construct("sysout_call", path + ("functionRef",), "builtin.log with useResults: false")]


def _log_line(message: str, body: str | None) -> str:
    """SysoutAction logs every output of the expression as text, joined by spaces (null as nothing)."""
    if body is None:
        return message
    outputs = f"[try ({body}) catch {jq.quoted(message)}]"
    rendered = 'map(if type == "string" then . elif type == "null" then "" else tojson end)'
    return "${ " + f'{outputs} | {rendered} | join(" ")' + " }"


def _wrap_result(action: dict[str, Any], path: JsonPath) -> list[Construct]:
    data_filter = action.get("actionDataFilter")
    data_filter = data_filter if isinstance(data_filter, dict) else {}
    if data_filter.get("useResults") is False or "toStateData" in data_filter:
        return []
    results = data_filter.get("results")
    if results is not None and not isinstance(results, str):
        return []
    selected = "." if results is None else jq.body_of(results)
    action["actionDataFilter"] = {**data_filter, "results": "${ (" + selected + ") | " + RESPONSE_WRAP + " }"}
    where = path + ("actionDataFilter", "results") if results is not None else path
    return [
        Construct("result_under_response", where, f"actionDataFilter.results: ${{ ... | {RESPONSE_WRAP} }}")
    ]


def _event_ref(ref: dict[str, Any], path: JsonPath, reading: Reading) -> list[Construct]:
    found: list[Construct] = []
    ignored = [key for key in ("resultEventRef", "resultEventTimeout") if ref.pop(key, None) is not None]
    standard = "an eventRef with invoke: async (0.8 requires resultEventRef; SonataFlow never waits for it)"
    kind = "event_ref_result_ignored" if ignored else "event_ref_without_result"
    found.append(Construct(kind, path, standard, kept=isinstance(ref.get("triggerEventRef"), str)))
    if isinstance(ref.get("data"), dict | list):
        ref["data"] = rewrite_leaves(ref["data"], path + ("data",), found, reading)
    attributes = ref.get("contextAttributes")
    if isinstance(attributes, dict):
        ref["contextAttributes"] = rewrite_leaves(attributes, path + ("contextAttributes",), found, reading)
    for entry, entry_path in mappings(attributes, path + ("contextAttributes",)):
        entry.update(rewrite_leaves(entry, entry_path, found, reading))
    return found
