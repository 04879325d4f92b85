"""Calls of ``builtin.*`` functions checked against the verbs' signatures at validation, so a wrong or missing
argument is a problem at its line instead of a failed instance (and a worker traceback) at run time.

The table mirrors ``builtin_activities`` (which the DSL layer must not import); a unit test keeps them equal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from swengine.dsl.facts import Facts, Finding, listed
from swengine.dsl.source_map import JsonPath

BUILTIN_PREFIX = "builtin."


@dataclass(frozen=True, slots=True)
class Signature:
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    any_arguments: bool = False
    """``echo`` takes anything (and, without ``arguments``, the state data)."""

    @property
    def names(self) -> tuple[str, ...]:
        return (*self.required, *self.optional)


SIGNATURES: dict[str, Signature] = {
    "merge": Signature(required=("objects",)),
    "pick": Signature(required=("object", "keys")),
    "omit": Signature(required=("object", "keys")),
    "set": Signature(required=("path", "value"), optional=("object",)),
    "template": Signature(required=("template",), optional=("values",)),
    "log": Signature(required=("message",), optional=("level", "data")),
    "uuid": Signature(),
    "now": Signature(optional=("format",)),
    "base64_encode": Signature(required=("data",), optional=("urlsafe",)),
    "base64_decode": Signature(required=("data",), optional=("urlsafe",)),
    "hash": Signature(required=("data",), optional=("algorithm",)),
    "json_parse": Signature(required=("text",)),
    "json_stringify": Signature(required=("value",), optional=("indent", "sort_keys")),
    "echo": Signature(any_arguments=True),
    "fail": Signature(optional=("type", "message", "retryable", "details")),
}
"""Verb -> the argument names ``builtin.<verb>`` requires and accepts."""


def _builtin_operations(data: dict[str, Any]) -> dict[str, tuple[str, JsonPath]]:
    """Function name -> (builtin operation, its path) for every custom function naming ``builtin.*``."""
    found: dict[str, tuple[str, JsonPath]] = {}
    for index, item in enumerate(listed(data.get("functions"))):
        if not isinstance(item, dict) or item.get("type") != "custom":
            continue
        operation = item.get("operation")
        if (
            isinstance(item.get("name"), str)
            and isinstance(operation, str)
            and operation.startswith(BUILTIN_PREFIX)
        ):
            found[item["name"]] = (operation, ("functions", index, "operation"))
    return found


def _expected(signature: Signature) -> str:
    return ", ".join(signature.names) or "none"


def check_builtin_calls(data: dict[str, Any], facts: Facts) -> list[Finding]:
    builtins = _builtin_operations(data)
    findings: list[Finding] = []
    for name, (operation, path) in builtins.items():
        if operation[len(BUILTIN_PREFIX) :] not in SIGNATURES:
            known = ", ".join(BUILTIN_PREFIX + verb for verb in SIGNATURES)
            findings.append(
                Finding("unknown_builtin", f"function '{name}': no {operation}; built-ins: {known}", path)
            )
    for call in facts.calls:
        if call.function not in builtins:
            continue
        operation = builtins[call.function][0]
        signature = SIGNATURES.get(operation[len(BUILTIN_PREFIX) :])
        if signature is not None and not signature.any_arguments:
            findings += _check_arguments(operation, signature, call.arguments, call.path)
    return findings


def _check_arguments(operation: str, signature: Signature, arguments: Any, path: JsonPath) -> list[Finding]:
    if arguments is None:
        message = (
            f"{operation} is called without 'arguments', so it would receive the whole state data; give its"
            f" arguments (expected: {_expected(signature)})"
            + (", or 'arguments: {}'" if not signature.required else "")
        )
        return [Finding("invalid_arguments", message, path)]
    if not isinstance(arguments, dict):
        return []  # an expression: its keys are known only at run time
    findings: list[Finding] = []
    where = path + ("arguments",)
    for key in arguments:
        if key not in signature.names:
            message = f"{operation} takes no argument '{key}'; expected: {_expected(signature)}"
            findings.append(Finding("invalid_arguments", message, where + (key,)))
    missing = [key for key in signature.required if key not in arguments]
    if missing:
        message = f"{operation} needs the argument(s) {', '.join(missing)}"
        findings.append(Finding("invalid_arguments", message, where))
    return findings
