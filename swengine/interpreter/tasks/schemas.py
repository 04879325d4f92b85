"""1.0 ``input``/``output``/``export`` schemas: a value that does not match faults with a ``validation`` error."""

from __future__ import annotations

from typing import Any

from swengine.core.task_errors import standard_error
from swengine.interpreter.json_schema import schema_problems
from swengine.interpreter.tasks.errors import TaskFault


def check_schema(schema: dict[str, Any] | None, value: Any, what: str, instance: str) -> None:
    if schema is None:
        return
    problems = schema_problems(schema, value)
    if problems:
        title = f"{what} does not match its schema"
        raise TaskFault(standard_error("validation", title, instance=instance, detail="; ".join(problems)))
