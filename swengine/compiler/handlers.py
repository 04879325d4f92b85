"""A state's ``onErrors``: which errors each handler catches (names and codes) and where it goes."""

from __future__ import annotations

from typing import Any

from swengine.compiler.context import CompileContext, compile_error
from swengine.compiler.retries import error_codes
from swengine.compiler.transitions import compile_transition
from swengine.core import ir


def compile_error_handlers(value: Any, ctx: CompileContext) -> list[ir.ErrorHandler]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise compile_error(f"onErrors must be a list, got {value!r}")
    return [compile_error_handler(handler, ctx) for handler in value]


def compile_error_handler(handler: dict[str, Any], ctx: CompileContext) -> ir.ErrorHandler:
    if "errorRef" in handler:
        names = [handler["errorRef"]]
    elif "errorRefs" in handler:
        names = handler["errorRefs"]
    else:
        raise compile_error(f"an onErrors entry needs errorRef or errorRefs, got {handler!r}")
    return ir.ErrorHandler(errors=error_codes(names, ctx), transition=compile_transition(handler, ctx))
