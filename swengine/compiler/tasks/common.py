"""What every 1.0 task compiler shares: expressions as jq, durations as ISO 8601, the task envelope."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from swengine import expressions
from swengine.core.durations import duration_of, format_duration
from swengine.expressions import templates


@dataclass(frozen=True, slots=True)
class Scope:
    """The reusable components of the document (``use``), read while compiling any task."""

    use: dict[str, Any] = field(default_factory=dict)

    def section(self, name: str) -> dict[str, Any]:
        found = self.use.get(name)
        return found if isinstance(found, dict) else {}


def expression(value: Any) -> str | None:
    """A property that is always an expression (``if``, ``when``, ``in`` ...): its jq, ``${ }`` or not."""
    if value is None:
        return None
    if isinstance(value, str):
        return expressions.strip(value)
    return template(value)


def template(value: Any) -> str:
    """jq building ``value``, whose ``${ }`` strings are evaluated; a literal compiles to itself."""
    program = templates.template_to_jq(value)
    return program if program is not None else json.dumps(value)


def duration(value: Any) -> str | None:
    """A duration object (``{seconds: 5}``) or ISO 8601 string as ISO 8601; None stays None."""
    if value is None or isinstance(value, str):
        return value
    return format_duration(duration_of(value))


def pointer(*steps: str | int) -> str:
    """A JSON pointer (RFC 6901) from path steps."""
    return "".join("/" + str(step).replace("~", "~0").replace("/", "~1") for step in steps)


def envelope(name: str, body: dict[str, Any], where: str, scope: Scope) -> dict[str, Any]:
    """The fields every task has: name, pointer, ``if``, data flow, ``then`` and ``timeout``."""
    timeout = body.get("timeout")
    if isinstance(timeout, str):
        timeout = scope.section("timeouts").get(timeout)
    then = body.get("then")
    return {
        "name": name,
        "pointer": where,
        "when": expression(body.get("if")),
        "input_from": expression(_get(body, "input", "from")),
        "output_as": expression(_get(body, "output", "as")),
        "export_as": expression(_get(body, "export", "as")),
        "then": None if then == "continue" else then,
        "timeout": duration(timeout.get("after")) if isinstance(timeout, dict) else None,
        "input_schema": schema_of(body.get("input")),
        "output_schema": schema_of(body.get("output")),
        "export_schema": schema_of(body.get("export")),
    }


def schema_of(section: Any) -> dict[str, Any] | None:
    """The inline JSON Schema of an ``input``/``output``/``export`` section, if it has one."""
    schema = section.get("schema") if isinstance(section, dict) else None
    document = schema.get("document") if isinstance(schema, dict) else None
    return document if isinstance(document, dict) else None


def _get(node: Any, *keys: str) -> Any:
    for key in keys:
        node = node.get(key) if isinstance(node, dict) else None
    return node
