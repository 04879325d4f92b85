"""One executor per state kind, looked up by ``kind``: the interpreter's only dispatch."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from swengine.interpreter.states.callback import execute_callback
from swengine.interpreter.states.event import execute_event
from swengine.interpreter.states.foreach import execute_foreach
from swengine.interpreter.states.inject import execute_inject
from swengine.interpreter.states.operation import execute_operation
from swengine.interpreter.states.parallel import execute_parallel
from swengine.interpreter.states.sleep import execute_sleep
from swengine.interpreter.states.switch import execute_switch
from swengine.interpreter.states.tasks import execute_tasks

Executor = Callable[[Any, Any, Any], Awaitable[tuple[Any, Any]]]

EXECUTORS: dict[str, Executor] = {
    "operation": execute_operation,
    "inject": execute_inject,
    "sleep": execute_sleep,
    "switch": execute_switch,
    "parallel": execute_parallel,
    "foreach": execute_foreach,
    "event": execute_event,
    "callback": execute_callback,
    "tasks": execute_tasks,
}


def executor_for(kind: str) -> Executor:
    try:
        return EXECUTORS[kind]
    except KeyError:
        raise ValueError(f"no executor for state kind {kind!r}") from None
