"""1.0 tasks with effects outside the workflow: call (http, an operator's activity, a ``use.functions``
entry), emit, run.workflow (a child workflow), and run.shell/script (the process activity)."""

from __future__ import annotations

import copy
from typing import Any

from swengine.compiler.context import compile_error
from swengine.compiler.tasks.common import Scope, duration, template
from swengine.core import ir_tasks as t
from swengine.core.ir import ENGINE_ACTIVITY_PREFIX

ACTIVITY_CALL = "activity"
"""``call: activity`` with ``with: {name: <registered activity>, arguments: ...}`` (zigflow's spelling):
runs an activity the operator registered in the worker (``builtin.*`` included), never one the document
defines. ``arguments`` is the activity's one argument; without it the task input is passed."""

LOCAL_PREFIX = "builtin."
"""Built-in transforms are cheap and pure: they run as local activities."""


def compile_call(body: dict[str, Any], base: dict[str, Any], scope: Scope, compile_list: Any) -> t.Task:
    call, arguments = body["call"], body.get("with")
    if call in t.PROTOCOL_ACTIVITIES:
        arguments = _named_authentication(arguments or {}, scope)
        if isinstance(arguments.get("timeout"), dict):  # call: mcp's own timeout
            arguments["timeout"] = duration(arguments["timeout"])
        return _protocol(call, arguments, base)
    if call == ACTIVITY_CALL:
        return _activity(arguments or {}, base)
    function = scope.section("functions")[call]
    # Compiled under the function's name: mocks and the HTTP activity know the call by it.
    inner = (
        compile_call(function, {**base, "name": call}, scope, compile_list) if "call" in function else None
    )
    if not isinstance(inner, t.CallTask):
        body_task = compile_list([{call: function}], base["pointer"] + "/call")
        return t.DoTask(**{**base, "input_from": _input_of(arguments, base)}, tasks=body_task)
    # The function's own arguments are evaluated on the caller's ``with``.
    piped = inner.arguments if arguments is None else f"({template(arguments)}) | ({inner.arguments or '.'})"
    return t.CallTask(**base, function=call, activity=inner.activity, arguments=piped, local=inner.local)


def _protocol(call: str, arguments: dict[str, Any], base: dict[str, Any]) -> t.CallTask:
    head = f'"function": {template(base["name"])}, "protocol": {template(call)}'
    request = f'{{{head}, "arguments": {template(arguments)}}}'
    activity = t.PROTOCOL_ACTIVITIES[call]
    return t.CallTask(**base, function=base["name"], activity=activity, arguments=request)


def _named_authentication(arguments: dict[str, Any], scope: Scope) -> dict[str, Any]:
    """A copy of the arguments in which every ``authentication: {use: name}`` (an endpoint's, a gRPC
    service's...) is that ``use.authentications`` policy."""
    arguments = copy.deepcopy(arguments)
    for holder in _mappings(arguments):
        policy = holder.get("authentication")
        if isinstance(policy, dict) and isinstance(policy.get("use"), str):
            holder["authentication"] = scope.section("authentications")[policy["use"]]
    return arguments


def _mappings(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, list):
        return [found for item in node for found in _mappings(item)]
    if not isinstance(node, dict):
        return []
    return [node, *(found for value in node.values() for found in _mappings(value))]


def _activity(arguments: dict[str, Any], base: dict[str, Any]) -> t.CallTask:
    name = str(arguments.get("name"))
    if name.startswith(ENGINE_ACTIVITY_PREFIX):
        raise compile_error(f"call: activity {name} is one of swengine's own activities")
    program = template(arguments["arguments"]) if "arguments" in arguments else None
    return t.CallTask(
        **base, function=name, activity=name, arguments=program, local=name.startswith(LOCAL_PREFIX)
    )


def _input_of(arguments: Any, base: dict[str, Any]) -> str | None:
    if arguments is None:
        return base["input_from"]
    return (
        template(arguments) if base["input_from"] is None else f"{base['input_from']} | {template(arguments)}"
    )


def compile_emit(body: dict[str, Any], base: dict[str, Any], scope: Scope, compile_list: Any) -> t.Task:
    return t.EmitTask(**base, event=template(body["emit"]["event"]["with"]))


def compile_run(body: dict[str, Any], base: dict[str, Any], scope: Scope, compile_list: Any) -> t.Task:
    run = body["run"]
    if "workflow" not in run:
        return _process(run, base)
    target = run["workflow"]
    return t.RunWorkflowTask(
        **base,
        workflow_id=f"{target['namespace']}/{target['name']}",
        version=str(target["version"]),
        input=template(target["input"]) if "input" in target else None,
        wait=bool(run.get("await", True)),
    )


def _process(run: dict[str, Any], base: dict[str, Any]) -> t.CallTask:
    """``run.shell`` and ``run.script``: the process activity, given the task input when not awaited (its output)."""
    kind = "shell" if "shell" in run else "script"
    request = {kind: run[kind], "await": bool(run.get("await", True)), "return": run.get("return", "stdout")}
    program = template(request)
    if not request["await"]:
        program = f"({program}) + {{input: .}}"
    return t.CallTask(**base, function=base["name"], activity=t.PROCESS_ACTIVITY, arguments=program)
