"""The top level: a validated 0.8 document to a ``WorkflowIR``."""

from __future__ import annotations

from typing import Any

from swengine.compiler.context import CompileContext, compile_error, named_definitions
from swengine.compiler.data import json_native
from swengine.compiler.events import compile_event_def
from swengine.compiler.states import compile_state
from swengine.compiler.timeouts import default_timeouts, workflow_timeouts
from swengine.core import ir


def compile_workflow(
    data: dict[str, Any], *, content_hash: str = "", dialect: str = "standard"
) -> ir.WorkflowIR:
    """Lower a validated document (file references already resolved by the loader) to its IR."""
    if not isinstance(data, dict):
        raise compile_error("a workflow document must be an object")
    states = data.get("states")
    if not isinstance(states, list) or not states:
        raise compile_error("a workflow needs at least one state")
    ctx = CompileContext(
        functions=named_definitions(data, "functions"),
        events=named_definitions(data, "events"),
        errors=named_definitions(data, "errors"),
        retries=named_definitions(data, "retries"),
        timeouts=default_timeouts(data),
        auto_retries=bool(data.get("autoRetries", False)),
    )
    compiled = [compile_state(state, ctx) for state in states]
    start, schedule = _start(data.get("start"), compiled)
    data_input_schema, fail_on_invalid_input = _data_input_schema(data.get("dataInputSchema"))
    exec_timeout = workflow_timeouts(data)
    version = data.get("version")
    return ir.WorkflowIR(
        id=_identifier(data),
        version=None if version is None else str(version),
        name=data.get("name"),
        content_hash=content_hash,
        start=start,
        schedule=schedule,
        states=compiled,
        events=[compile_event_def(definition) for definition in ctx.events.values()],
        constants=_constants(data.get("constants")),
        data_input_schema=data_input_schema,
        fail_on_invalid_input=fail_on_invalid_input,
        workflow_exec_timeout=exec_timeout.duration,
        interrupt_on_timeout=exec_timeout.interrupt,
        run_before_timeout=exec_timeout.run_before,
        keep_active=bool(data.get("keepActive", False)),
        auto_retries=ctx.auto_retries,
        dialect=dialect,
    )


def _identifier(data: dict[str, Any]) -> str:
    """0.8 lets ``key`` stand in for ``id``."""
    identifier = data.get("id") or data.get("key")
    if not isinstance(identifier, str):
        raise compile_error("a workflow needs an id (or a key)")
    return identifier


def _start(value: Any, states: list[ir.State]) -> tuple[str, ir.Schedule | None]:
    """``start`` as a name or ``{stateName, schedule}``; absent, the first state."""
    if value is None:
        return states[0].name, None
    if isinstance(value, str):
        name, schedule = value, None
    elif isinstance(value, dict) and isinstance(value.get("stateName"), str):
        name, schedule = value["stateName"], _schedule(value.get("schedule"))
    else:
        raise compile_error(f"start must be a state name or an object with stateName, got {value!r}")
    if name not in {state.name for state in states}:
        raise compile_error(f"start state {name!r} is not defined")
    return name, schedule


def _schedule(value: Any) -> ir.Schedule | None:
    if value is None:
        return None
    if isinstance(value, str):
        return ir.Schedule(interval=value)
    if not isinstance(value, dict):
        raise compile_error(f"schedule must be an interval or an object, got {value!r}")
    cron: Any = value.get("cron")
    valid_until: Any = None
    if isinstance(cron, dict):
        cron, valid_until = cron.get("expression"), cron.get("validUntil")
    return ir.Schedule(
        interval=_text(value.get("interval")),
        cron=_text(cron),
        cron_valid_until=_text(valid_until),
        timezone=_text(value.get("timezone")),
    )


def _data_input_schema(value: Any) -> tuple[dict[str, Any] | None, bool]:
    """Only an inline schema object is kept: a schema URI is not fetched (the validator decides about it)."""
    if value is None or isinstance(value, str):
        return None, True
    if not isinstance(value, dict):
        raise compile_error(f"dataInputSchema must be a URI or an object, got {value!r}")
    if "schema" not in value:
        return json_native(value), True  # the loader resolved the URI into the schema itself
    schema = value["schema"]
    fail = bool(value.get("failOnValidationErrors", True))
    return (json_native(schema) if isinstance(schema, dict) else None), fail


def _constants(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise compile_error(f"constants must be an object (the loader resolves references), got {value!r}")
    return json_native(value)


def _text(value: Any) -> str | None:
    """Dates YAML parsed from unquoted timestamps go back to ISO-8601 text."""
    if value is None or isinstance(value, str):
        return value
    native = json_native(value)
    return native if isinstance(native, str) else str(native)
