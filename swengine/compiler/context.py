"""What every compile step may look up: the document's named definitions and its workflow-wide defaults."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from swengine.core import ir
from swengine.core.errors import SwengineError

COMPILE_ERROR = "compile_error"


def compile_error(message: str) -> SwengineError:
    """The one error the compiler raises: the document holds something it cannot lower."""
    return SwengineError(message, code=COMPILE_ERROR)


@dataclass(frozen=True, kw_only=True, slots=True)
class CompileContext:
    functions: dict[str, dict[str, Any]]
    events: dict[str, dict[str, Any]]
    errors: dict[str, dict[str, Any]]
    retries: dict[str, dict[str, Any]]
    timeouts: ir.StateTimeouts
    """Workflow-level defaults (top-level ``timeouts``) that every state inherits."""
    auto_retries: bool = False

    def function(self, name: str) -> dict[str, Any]:
        return _lookup(self.functions, name, "function")

    def event(self, name: str) -> dict[str, Any]:
        return _lookup(self.events, name, "event")

    def retry(self, name: str) -> dict[str, Any]:
        return _lookup(self.retries, name, "retry")

    def error(self, name: str) -> dict[str, Any]:
        return _lookup(self.errors, name, "error")


def named_definitions(data: dict[str, Any], key: str) -> dict[str, dict[str, Any]]:
    """Index a top-level definition list (``functions``, ``events`` ...) by name, keeping document order."""
    value = data.get(key)
    if value is None:
        return {}
    if isinstance(value, dict) and isinstance(value.get(key), list):
        value = value[key]  # a resolved reference file wraps its list under the same key
    if isinstance(value, str):
        raise compile_error(f"`{key}` still references {value!r}: the loader must resolve it first")
    if not isinstance(value, list):
        raise compile_error(f"`{key}` must be a list of definitions")
    indexed: dict[str, dict[str, Any]] = {}
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise compile_error(f"every entry of `{key}` needs a name")
        indexed[item["name"]] = item
    return indexed


def _lookup(table: dict[str, dict[str, Any]], name: str, what: str) -> dict[str, Any]:
    try:
        return table[name]
    except (KeyError, TypeError):
        raise compile_error(f"unknown {what} {name!r}") from None
