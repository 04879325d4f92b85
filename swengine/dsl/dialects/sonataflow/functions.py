"""SonataFlow's custom function types (``FunctionTypeHandlerFactory`` and the ``parser/types`` handlers).

``custom`` functions name their handler before a colon: ``sysout[:LEVEL]`` (a log line, ``SysOutTypeHandler``),
``service:[lang:]Interface::method`` (a Java or Python service, ``ServiceTypeHandler``), ``rest:method:url``
(``RestTypeHandler``), ``script:python`` (``ScriptTypeHandler``). Here ``sysout`` becomes ``builtin.log``,
``service:`` the operator-registered activity named ``Interface::method``, ``rest:`` a ``rest`` function the
rest activity calls plainly; ``script:`` is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from swengine.dsl.constructs import Construct
from swengine.dsl.dialects.sonataflow.walk import mappings
from swengine.dsl.source_map import JsonPath

LOG_ACTIVITY = "builtin.log"
LOG_LEVELS = {"TRACE": "debug", "DEBUG": "debug", "INFO": "info", "WARN": "warning", "ERROR": "error"}
"""SonataFlow's ``WorkflowLogLevel`` names to ``builtin.log`` levels (no trace level there)."""

Rewrite = Callable[[dict[str, Any], str, JsonPath], Construct]


@dataclass(slots=True)
class Functions:
    """What the action rewrite must know of the functions: the sysout ones (and their level), the refused."""

    constructs: list[Construct] = field(default_factory=list)
    sysout_levels: dict[str, str] = field(default_factory=dict)
    refused: set[str] = field(default_factory=set)


def rewrite_functions(data: dict[str, Any]) -> Functions:
    """Rewrite custom function definitions."""
    found = Functions()
    for function, path in mappings(data.get("functions"), ("functions",)):
        operation = function.get("operation")
        if function.get("type") != "custom" or not isinstance(operation, str):
            continue
        handler, _, rest = operation.partition(":")
        rewrite = _HANDLERS.get(handler.strip().lower())
        if rewrite is None:
            continue
        construct = rewrite(function, rest, path + ("operation",))
        name = str(function.get("name"))
        if handler == "sysout":
            found.sysout_levels[name] = LOG_LEVELS.get(rest.strip().upper() or "INFO", "info")
        if construct.refused:
            found.refused.add(name)
        found.constructs.append(construct)
    return found


def _sysout(function: dict[str, Any], level: str, path: JsonPath) -> Construct:
    function["operation"] = LOG_ACTIVITY
    return Construct(
        "sysout",
        path,
        f"custom function {LOG_ACTIVITY} (level {LOG_LEVELS.get(level.upper() or 'INFO', 'info')}); its "
        "result is not merged into the state data",
    )


def _service(function: dict[str, Any], target: str, path: JsonPath) -> Construct:
    interface, separator, method = target.rpartition("::")
    language, _, name = interface.rpartition(":") if ":" in interface else ("", "", interface)
    activity = f"{name.strip()}{separator}{method.strip()}"
    function["operation"] = activity
    via = f" ({language} service)" if language else ""
    return Construct(
        "service_function",
        path,
        f"custom function naming the activity {activity!r}{via}, which the operator registers in the worker",
    )


_REFUSALS: dict[str, tuple[str, str, str]] = {
    "script": (
        "script_function",
        "none: run the script as an activity the operator registers",
        "script functions ({}) would run code from the document; register the code as an activity instead",
    ),
}
"""Handlers refused: (construct kind, standard equivalent, why), the ``{}`` being the rest of the operation."""


def _rest(function: dict[str, Any], target: str, path: JsonPath) -> Construct:
    function["type"] = "rest"  # the rest activity makes one plain call for an operation "rest:METHOD:URL"
    standard = "a rest function with an OpenAPI document (operation: <openapi file>#<operationId>)"
    return Construct("rest_custom_function", path, standard)


def _refusal(handler: str) -> Rewrite:
    kind, standard, why = _REFUSALS[handler]
    return lambda function, rest, path: Construct(kind, path, standard, refused=why.format(rest or "-"))


_HANDLERS: dict[str, Rewrite] = {
    "sysout": _sysout,
    "service": _service,
    "script": _refusal("script"),
    "rest": _rest,
}
