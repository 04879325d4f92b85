"""0.8 actions as 1.0 tasks: one translator per kind of call (function, subflow, event), each wrapped the
same way: its condition as ``if``, its retries as ``try``/``catch.retry``, its sleeps as ``wait`` tasks and its
data filter as ``output.as`` that merges the result into the state data as 0.8 did."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from swengine.authoring.migrate import jq
from swengine.authoring.migrate.context import Task, Translation, semver, slug
from swengine.authoring.migrate.errors import retry_catch
from swengine.authoring.migrate.events import emit_body, listen_body
from swengine.core.settings import Settings
from swengine.dsl.rpc_functions import rpc_operation


@dataclass(frozen=True, slots=True)
class Slot:
    """Where the state data sits in a task's input, and where an action's result lands.

    A plain state passes the state data itself. A foreach iteration passes ``{s, r}``: the data its
    actions see (``s``) and the iteration's own result (``r``), both of which a result is merged into.
    """

    read: str = "."
    keys: tuple[str, ...] = ()

    def land(self, results: str, to: str | None) -> str:
        """``output.as``: the filtered result (raw output in ``.``) merged into the task input ``$input``."""
        if not self.keys:
            merged = jq.merged("$input", "$r", to)
        else:
            merged = (
                "$input + {"
                + ", ".join(f"{k}: {jq.merged('$input.' + k, '$r', to)}" for k in self.keys)
                + "}"
            )
        if results == ".":
            return f"if . == null then $input else {merged.replace('$r', '.')} end"
        return f"({results}) as $r | if $r == null then $input else {merged} end"


@dataclass(frozen=True, slots=True)
class Call:
    """A translated call: its task body, and whether its output is a result to merge (async calls have none)."""

    body: dict[str, Any]
    result: bool = True


CallTranslator = Callable[[dict[str, Any], tuple, str, Translation], Call]


def translate_action(action: dict[str, Any], path: tuple, slot: Slot, tr: Translation) -> dict[str, Any]:
    """One action as the body of one task whose output is the state data with the result merged in."""
    kind = next((key for key in CALLS if key in action), None)
    data_filter = action.get("actionDataFilter") or {}
    before = jq.pipe(
        slot.read, tr.expr(data_filter["fromStateData"]) if "fromStateData" in data_filter else None
    )
    if kind is None:
        body: dict[str, Any] = {"set": "${ . }"}
        tr.note(path, "an action without functionRef, eventRef or subFlowRef does nothing here", body)
        return body
    call = CALLS[kind](action[kind], path + (kind,), before, tr)
    body = call.body
    if call.result and data_filter.get("useResults", True) is not False:
        results = tr.expr(data_filter["results"]) if "results" in data_filter else "."
        to = tr.expr(data_filter["toStateData"]) if "toStateData" in data_filter else None
        body["output"] = {"as": jq.wrap(slot.land(results, to))}
    else:
        body["output"] = {"as": "${ $input }"}
    timeout = tr.timeout({}, "actionExecTimeout") or (action.get("timeouts") or {}).get("actionExecTimeout")
    if timeout:
        body["timeout"] = {"after": timeout}
    body = _with_retries(body, action, path, tr)
    body = _with_sleeps(body, action.get("sleep"))
    if action.get("condition"):
        body = {"if": jq.wrap(jq.pipe(slot.read, tr.expr(action["condition"]))), **body}
    return body


def action_name(action: dict[str, Any], index: int, taken: set[str]) -> str:
    """The action's name, else what it calls; unique within its list."""
    ref = action.get("functionRef") or action.get("subFlowRef") or action.get("eventRef") or {}
    base = action.get("name") or (
        ref
        if isinstance(ref, str)
        else ref.get("refName") or ref.get("workflowId") or ref.get("triggerEventRef")
    )
    base = str(base or f"action{index}")
    name, count = base, 2
    while name in taken:
        name, count = f"{base}-{count}", count + 1
    taken.add(name)
    return name


def _with_retries(
    body: dict[str, Any], action: dict[str, Any], path: tuple, tr: Translation
) -> dict[str, Any]:
    outer: dict[str, Any] = {}
    catch = retry_catch(action, path, tr, outer)
    if catch is None:
        return body
    return {**outer, "try": [{"attempt": body}], "catch": catch}


def _with_sleeps(body: dict[str, Any], sleep: Any) -> dict[str, Any]:
    if not isinstance(sleep, dict) or not (sleep.get("before") or sleep.get("after")):
        return body
    steps: list[Task] = []
    if sleep.get("before"):
        steps.append({"sleepBefore": {"wait": sleep["before"]}})
    steps.append({"call": body})
    if sleep.get("after"):
        steps.append({"sleepAfter": {"wait": sleep["after"]}})
    return {"do": steps}


def _function(ref: Any, path: tuple, before: str, tr: Translation) -> Call:
    ref = {"refName": ref} if isinstance(ref, str) else ref
    name = ref["refName"]
    function = tr.named("functions").get(name, {})
    kind = function.get("type", "rest")
    if kind == "expression":  # evaluated on the action input; 0.8 passes it no arguments
        return Call({"set": jq.wrap(jq.pipe(before, tr.expr(function.get("operation", "."))))})
    tr.functions.setdefault(name, FUNCTIONS.get(kind, _other)(function, path, tr))
    body: dict[str, Any] = {"call": name}
    if "arguments" in ref and isinstance(ref["arguments"], dict):
        body["with"] = tr.template(ref["arguments"], before)
    elif before != ".":
        body = {"do": [{name: {"call": name, "input": {"from": jq.wrap(before)}}}]}
    if ref.get("invoke") == "async":
        tr.note(path, "1.0 has no asynchronous call: this call is waited for (its result is not used)", body)
        return Call(body, result=False)
    return Call(body)


def _rest(function: dict[str, Any], path: tuple, tr: Translation) -> dict[str, Any]:
    document, _, operation = str(function.get("operation", "")).partition("#")
    return {
        "call": "openapi",
        "with": {"document": {"endpoint": document}, "operationId": operation, "parameters": "${ . }"},
    }


def _custom(function: dict[str, Any], path: tuple, tr: Translation) -> dict[str, Any]:
    return {"call": "activity", "with": {"name": str(function.get("operation", function.get("name")))}}


def _rpc(function: dict[str, Any], path: tuple, tr: Translation) -> dict[str, Any]:
    """``call: grpc`` on the same proto file; 1.0 writes the service's address in the call, where 0.8 left it
    to the operator (``SWENGINE_GRPC_CLIENTS``): taken from there when set, else a note asks for it."""
    parts = rpc_operation(str(function.get("operation", "")))
    if parts is None:
        return _other(function, path, tr)
    file, service, method = parts
    address = Settings.from_env().grpc_client(service)
    host, _, port = (address or "localhost:9000").rpartition(":")
    made = {
        "call": "grpc",
        "with": {
            "proto": {"endpoint": f"file://{file}"},
            "service": {"name": service, "host": host, "port": int(port) if port.isdigit() else port},
            "method": method,
            "arguments": "${ . }",
        },
    }
    if address is None:
        tr.note(
            path,
            f"where {service} listens: set service.host and port (SonataFlow's default was localhost:9000)",
            made,
        )
    return made


def _other(function: dict[str, Any], path: tuple, tr: Translation) -> dict[str, Any]:
    made = _custom(function, path, tr)
    tr.note(path, f"{function.get('type')} functions have no 1.0 call here: called as an activity", made)
    return made


FUNCTIONS: dict[str, Callable[[dict[str, Any], tuple, Translation], dict[str, Any]]] = {
    "rest": _rest,
    "custom": _custom,
    "rpc": _rpc,
}


def _subflow(ref: Any, path: tuple, before: str, tr: Translation) -> Call:
    ref = {"workflowId": ref} if isinstance(ref, str) else ref
    workflow: dict[str, Any] = {
        "namespace": "default",
        "name": slug(ref["workflowId"]),
        "version": semver(ref.get("version")),
    }
    if before != ".":
        workflow["input"] = jq.wrap(before)
    body: dict[str, Any] = {"run": {"workflow": workflow}}
    if ref.get("onParentComplete") == "continue":
        tr.note(
            path, "onParentComplete: continue has no 1.0 equivalent (the child ends with its parent)", body
        )
    if ref.get("invoke") == "async":
        body["run"]["await"] = False
        return Call(body, result=False)
    return Call(body)


def _event(ref: dict[str, Any], path: tuple, before: str, tr: Translation) -> Call:
    events = tr.named("events")
    produced = events.get(str(ref.get("produceEventRef") or ref.get("triggerEventRef")), {})
    given = ref.get("data")
    if isinstance(given, str):
        data = jq.wrap(jq.pipe(before, tr.expr(given)))
    else:
        data = jq.wrap(before) if given is None else tr.template(given, before)
    steps: list[Task] = [
        {
            "emit": {
                **emit_body(produced, data, ref.get("contextAttributes"), tr),
                "output": {"as": "${ $input }"},
            }
        }
    ]
    result = ref.get("resultEventRef") or ref.get("consumeEventRef")
    if result is None or ref.get("invoke") == "async":
        return Call({"do": steps}, result=False)
    listen = listen_body([events.get(result, {"type": result})], "one", tr)
    timeout = (
        ref.get("resultEventTimeout") or ref.get("consumeEventTimeout") or tr.timeout({}, "eventTimeout")
    )
    if timeout:
        listen["timeout"] = {"after": timeout}
    steps.append({"result": listen})
    return Call({"do": steps})


CALLS: dict[str, CallTranslator] = {
    "functionRef": _function,
    "subFlowRef": _subflow,
    "eventRef": _event,
}
"""One translator per kind of 0.8 action, by the key that defines it."""
