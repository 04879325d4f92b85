"""1.0 tasks with effects outside the workflow: call (http, an operator's activity, a ``use.functions``
entry), emit, run.workflow (a child workflow), and run.shell/script (the process activity)."""

from __future__ import annotations

import copy
from typing import Any

from swengine.compiler.tasks.common import Scope, template
from swengine.core import ir_tasks as t

ACTIVITY_CALL = "activity"
"""``call: activity`` with ``with: {name: <registered activity>, arguments: ...}`` (zigflow's spelling):
runs an activity the operator registered in the worker (``builtin.*`` included), never one the document
defines. ``arguments`` is the activity's one argument; without it the task input is passed."""

LOCAL_PREFIX = "builtin."
"""Built-in transforms are cheap and pure: they run as local activities."""


def compile_call(body: dict[str, Any], base: dict[str, Any], scope: Scope, compile_list: Any) -> t.Task:
    call, arguments = body["call"], body.get("with")
    if call in ("http", "openapi"):
        return _http(call, _named_authentication(arguments or {}, scope), base)
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


def _http(call: str, arguments: dict[str, Any], base: dict[str, Any]) -> t.CallTask:
    head = f'"function": {template(base["name"])}, "protocol": {template(call)}'
    request = f'{{{head}, "arguments": {template(arguments)}}}'
    return t.CallTask(**base, function=base["name"], activity=t.HTTP_ACTIVITY, arguments=request)


def _named_authentication(arguments: dict[str, Any], scope: Scope) -> dict[str, Any]:
    """A copy of the arguments in which ``authentication: {use: name}`` is that ``use.authentications`` policy."""
    arguments = copy.deepcopy(arguments)
    for holder, key in ((arguments, "endpoint"), (arguments.get("document"), "endpoint")):
        endpoint = holder.get(key) if isinstance(holder, dict) else None
        if not isinstance(endpoint, dict):
            continue
        policy = endpoint.get("authentication")
        if isinstance(policy, dict) and isinstance(policy.get("use"), str):
            endpoint["authentication"] = scope.section("authentications")[policy["use"]]
    return arguments


def _activity(arguments: dict[str, Any], base: dict[str, Any]) -> t.CallTask:
    name = str(arguments.get("name"))
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
