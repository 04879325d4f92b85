"""1.0 tasks that hold no other tasks: set, switch, wait, raise."""

from __future__ import annotations

from typing import Any

from swengine import expressions
from swengine.compiler.tasks.common import Scope, duration, expression, template
from swengine.core import ir_tasks as t


def compile_set(body: dict[str, Any], base: dict[str, Any], scope: Scope, compile_list: Any) -> t.Task:
    value = body["set"]
    return t.SetTask(**base, value=expressions.strip(value) if isinstance(value, str) else template(value))


def compile_switch(body: dict[str, Any], base: dict[str, Any], scope: Scope, compile_list: Any) -> t.Task:
    cases = []
    for item in body["switch"]:
        (name, case), *_ = item.items()
        then = case.get("then")
        cases.append(t.SwitchCase(name=name, when=expression(case.get("when")), then=then))
    return t.SwitchTask(**base, cases=cases)


def compile_wait(body: dict[str, Any], base: dict[str, Any], scope: Scope, compile_list: Any) -> t.Task:
    value = body["wait"]
    if isinstance(value, str) and expressions.is_expression(value):
        return t.WaitTask(**base, duration=expressions.strip(value), computed=True)
    return t.WaitTask(**base, duration=duration(value) or "PT0S")


def compile_raise(body: dict[str, Any], base: dict[str, Any], scope: Scope, compile_list: Any) -> t.Task:
    error = body["raise"]["error"]
    if isinstance(error, str):
        error = scope.section("errors")[error]
    return t.RaiseTask(**base, error=template(error))
