"""Stand-in activities for functions, registered under the same activity names the IR calls.

Used by ``swengine run --mock`` and workflow tests: the interpreter never knows it is talking to a mock.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from swengine.core.ir import OPERATION_ACTIVITIES, FunctionCall, WorkflowIR, nodes
from swengine.core.ir_tasks import HTTP_ACTIVITY, CallTask


@dataclass(frozen=True, kw_only=True)
class MockSpec:
    """What a mocked function does: return a value, return values in sequence, or raise an error."""

    returns: Any = None
    sequence: list[Any] | None = None
    """Successive results (an ``{error: {...}}`` item fails that call); the last one repeats."""
    error: dict[str, Any] | None = None
    """``{"type": <error name or code>, "message": ...}`` raised as a non-retryable ApplicationError."""

    @classmethod
    def parse(cls, value: Any) -> MockSpec:
        """A test-case mock: ``{returns: v}``, ``{sequence: [...]}``, ``{error: ...}``; anything else is a value."""
        if isinstance(value, dict) and len(value) == 1:
            if "returns" in value:
                return cls(returns=value["returns"])
            if "sequence" in value and isinstance(value["sequence"], list):
                return cls(sequence=value["sequence"])
            if "error" in value:
                error = value["error"]
                return cls(error=error if isinstance(error, dict) else {"type": str(error)})
        return cls(returns=value)


@dataclass
class MockBook:
    """Mocks by function name, with a record of every call (arguments in call order)."""

    specs: dict[str, MockSpec]
    calls: dict[str, list[Any]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, function: str, arguments: Any) -> Any:
        spec = self.specs[function]
        with self._lock:
            made = self.calls.setdefault(function, [])
            made.append(arguments)
            count = len(made)
        if spec.sequence is not None and spec.sequence:
            # one call's answer: an ``{error: ...}`` item fails that call, any other item is returned
            item = spec.sequence[min(count, len(spec.sequence)) - 1]
            spec = MockSpec(error=item["error"]) if _is_error_item(item) else MockSpec(returns=item)
        if spec.error is not None:
            # With a status it is a 1.0 error object (RFC 7807), which a 1.0 task faults with as given.
            problem = [spec.error] if "status" in spec.error else []
            raise ApplicationError(
                str(spec.error.get("message") or spec.error.get("title") or f"mocked error from {function}"),
                *problem,
                type=str(spec.error.get("type", "mock_error")),
                non_retryable=not spec.error.get("retryable", False),
            )
        return spec.returns


def _is_error_item(item: Any) -> bool:
    return isinstance(item, dict) and list(item) == ["error"] and isinstance(item["error"], dict)


def function_calls(ir: WorkflowIR) -> list[FunctionCall | CallTask]:
    """Every function call anywhere in the states (actions of every kind of state, compensation included,
    and 1.0 call tasks at any depth)."""
    return [node for node in nodes(ir.states) if isinstance(node, (FunctionCall, CallTask))]


TASK_MOCK_PREFIX = "swengine.mock.task/"
"""Activity name a 1.0 call task mocked by its own name is pointed at (only in runs with that mock)."""


def mock_tasks(ir: WorkflowIR, names: set[str]) -> WorkflowIR:
    """``ir`` with every 1.0 call task named in ``names`` (and not calling a function of that name) calling a
    stand-in of its own, so a mock can target one task of several that call the same function."""
    functions = {call.function for call in function_calls(ir)}
    wanted = names - functions

    def retarget(node: Any) -> Any:
        if isinstance(node, list):
            return [retarget(item) for item in node]
        if not dataclasses.is_dataclass(node) or isinstance(node, type):
            return node
        changed = {f.name: retarget(getattr(node, f.name)) for f in dataclasses.fields(node)}
        if isinstance(node, CallTask) and node.name in wanted:
            changed.update(function=node.name, activity=TASK_MOCK_PREFIX + node.name, local=False)
        return dataclasses.replace(node, **changed)

    return retarget(ir) if wanted else ir


def mock_activities(book: MockBook, definitions: list[WorkflowIR]) -> list[Callable[..., Any]]:
    """One activity per activity name that a mocked function uses, answering from ``book``."""
    by_activity: dict[str, list[str]] = {}
    for ir in definitions:
        for call in function_calls(ir):
            if call.activity and call.function in book.specs:
                names = by_activity.setdefault(call.activity, [])
                if call.function not in names:
                    names.append(call.function)
    made = []
    for name, functions in sorted(by_activity.items()):
        made.append(_make(name, functions, book))
    return made


def _make(activity_name: str, functions: list[str], book: MockBook) -> Callable[..., Any]:
    async def mocked(payload: Any) -> Any:
        if (
            activity_name in OPERATION_ACTIVITIES | {HTTP_ACTIVITY}
            and isinstance(payload, dict)
            and payload.get("function") in functions
        ):
            return book.answer(payload["function"], payload.get("arguments"))
        return book.answer(functions[0], payload)

    return activity.defn(name=activity_name)(mocked)
