"""The 1.0 (task DSL) compiler: a validated ``document``/``do`` definition to one ``TasksState`` IR.

One ``compile_<kind>`` per task kind, picked from ``COMPILERS`` by the task's defining key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from swengine.compiler.tasks.blocks import compile_do, compile_for, compile_fork, compile_try
from swengine.compiler.tasks.common import Scope, duration, envelope, expression, pointer, schema_of
from swengine.compiler.tasks.effects import compile_call, compile_emit, compile_run
from swengine.compiler.tasks.listen import compile_listen, consumed_events, starting_events
from swengine.compiler.tasks.loose import loosen
from swengine.compiler.tasks.simple import compile_raise, compile_set, compile_switch, compile_wait
from swengine.core import ir
from swengine.core import ir_tasks as t
from swengine.dsl.v10 import secrets
from swengine.dsl.v10.tasks import entries, task_kind

TaskCompiler = Callable[[dict[str, Any], dict[str, Any], Scope, Any], t.Task]

COMPILERS: dict[str, TaskCompiler] = {
    "set": compile_set,
    "do": compile_do,
    "switch": compile_switch,
    "wait": compile_wait,
    "raise": compile_raise,
    "try": compile_try,
    "for": compile_for,
    "fork": compile_fork,
    "call": compile_call,
    "emit": compile_emit,
    "run": compile_run,
    "listen": compile_listen,
}

ROOT_STATE = "do"
"""Name of the one state a 1.0 definition compiles to."""


def compile_task_document(data: dict[str, Any], *, content_hash: str = "") -> ir.WorkflowIR:
    """Lower a validated 1.0 document to its IR: one ``TasksState`` holding the task tree."""
    if (data.get("evaluate") or {}).get("mode") == "loose":
        data = loosen(data)
    scope = Scope(use=data.get("use") or {})
    header = data["document"]
    timeout = data.get("timeout")
    if isinstance(timeout, str):
        timeout = scope.section("timeouts").get(timeout)
    state = ir.TasksState(
        name=ROOT_STATE,
        tasks=compile_list(data["do"], "/do", scope),
        input_from=expression((data.get("input") or {}).get("from")),
        output_as=expression((data.get("output") or {}).get("as")),
        output_schema=schema_of(data.get("output")),
        timeout=duration(timeout.get("after")) if isinstance(timeout, dict) else None,
        document={key: header[key] for key in ("dsl", "namespace", "name", "version") if key in header},
        secrets=secrets.declared(data),
        secret_paths=secrets.document_paths(data),
    )
    return ir.WorkflowIR(
        id=f"{header['namespace']}/{header['name']}",
        version=str(header["version"]),
        name=header.get("title") or header["name"],
        content_hash=content_hash,
        start=ROOT_STATE,
        states=[state],
        events=consumed_events(state.tasks),
        data_input_schema=schema_of(data.get("input")),
        schedule=_schedule(data.get("schedule")),
    )


def _schedule(given: Any) -> ir.Schedule | None:
    """``every`` and ``cron``: a Temporal Schedule made on deploy, as for 0.8; ``after``: a repeater that
    starts the next run that long after each one ends; ``on``: events that start instances (the router)."""
    if not isinstance(given, dict):
        return None
    return ir.Schedule(
        interval=duration(given.get("every")),
        cron=given.get("cron"),
        after=duration(given.get("after")),
        on=starting_events(given.get("on")),
    )


def compile_list(task_list: Any, where: str, scope: Scope) -> list[t.Task]:
    def nested(inner: Any, inner_where: str) -> list[t.Task]:
        return compile_list(inner, inner_where, scope)

    compiled = []
    for index, name, body in entries(task_list):
        kind = task_kind(body)
        assert kind is not None, f"{where}/{index}: validated documents have a task kind"
        base = envelope(name, body, where + pointer(index, name), scope)
        compiled.append(COMPILERS[kind](body, base, scope, nested))
    return compiled
