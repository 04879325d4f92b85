"""What an action calls: ``functionRef``, ``subFlowRef`` or ``eventRef``, each resolved to its IR call."""

from __future__ import annotations

from typing import Any, Literal

from swengine.compiler.context import CompileContext, compile_error
from swengine.compiler.data import expression, program
from swengine.compiler.transitions import compile_produced_event
from swengine.core import ir
from swengine.dsl.rpc_functions import PROTO_METADATA

Call = ir.FunctionCall | ir.SubflowCall | ir.EventCall

UNSUPPORTED_FUNCTION_TYPES = ("asyncapi", "graphql", "odata")
BUILTIN_PREFIX = "builtin."


def compile_call(action: dict[str, Any], ctx: CompileContext, *, timeout: str | None) -> Call:
    """The one call of an action; ``timeout`` (actionExecTimeout) bounds an eventRef's wait by default."""
    if "functionRef" in action:
        return compile_function_call(action["functionRef"], ctx)
    if "subFlowRef" in action:
        return compile_subflow_call(action["subFlowRef"])
    if "eventRef" in action:
        return compile_event_call(action["eventRef"], ctx, timeout=timeout)
    raise compile_error(f"action {action.get('name')!r} has no functionRef, subFlowRef or eventRef")


def compile_function_call(ref: Any, ctx: CompileContext) -> ir.FunctionCall:
    if isinstance(ref, str):
        ref = {"refName": ref}
    if not isinstance(ref, dict) or not isinstance(ref.get("refName"), str):
        raise compile_error(f"functionRef must be a function name or an object with refName, got {ref!r}")
    name = ref["refName"]
    definition = ctx.function(name)
    kind = definition.get("type", "rest")
    operation = definition.get("operation")
    if not isinstance(operation, str):
        raise compile_error(f"function {name!r} has no operation")
    arguments = ref.get("arguments")
    common: dict[str, Any] = {
        "function": name,
        "type": kind,
        "operation": operation,
        "arguments_expr": None if arguments is None else program(arguments),
        "invoke": _invoke(ref.get("invoke")),
    }
    if kind == "custom":
        if operation.startswith(ir.ENGINE_ACTIVITY_PREFIX):
            raise compile_error(f"function {name!r}: {operation} is one of swengine's own activities")
        return ir.FunctionCall(**common, activity=operation, local=operation.startswith(BUILTIN_PREFIX))
    if kind == "rest":
        return ir.FunctionCall(**common, activity=ir.REST_ACTIVITY)
    if kind == "rpc":
        return ir.FunctionCall(**common, activity=ir.RPC_ACTIVITY, proto=_compiled_proto(name, definition))
    if kind == "expression":
        return ir.FunctionCall(**common, expression=expression(operation, ctx))
    if kind in UNSUPPORTED_FUNCTION_TYPES:
        raise compile_error(f"function {name!r}: type {kind!r} is not supported")
    raise compile_error(f"function {name!r}: unknown type {kind!r}")


def compile_subflow_call(ref: Any) -> ir.SubflowCall:
    if isinstance(ref, str):
        return ir.SubflowCall(workflow_id=ref)
    if not isinstance(ref, dict) or not isinstance(ref.get("workflowId"), str):
        raise compile_error(f"subFlowRef must be a workflow id or an object with workflowId, got {ref!r}")
    version = ref.get("version")
    on_parent_complete = ref.get("onParentComplete", "terminate")
    if on_parent_complete not in ("terminate", "continue"):
        raise compile_error(
            f"subFlowRef onParentComplete must be terminate or continue, got {on_parent_complete!r}"
        )
    return ir.SubflowCall(
        workflow_id=ref["workflowId"],
        version=None if version is None else str(version),
        invoke=_invoke(ref.get("invoke")),
        on_parent_complete=on_parent_complete,
    )


def compile_event_call(ref: Any, ctx: CompileContext, *, timeout: str | None) -> ir.EventCall:
    """Produce ``triggerEventRef``; await ``resultEventRef`` for ``resultEventTimeout``, else actionExecTimeout."""
    if not isinstance(ref, dict) or not isinstance(ref.get("triggerEventRef"), str):
        raise compile_error(f"eventRef must be an object with triggerEventRef, got {ref!r}")
    trigger = {
        "eventRef": ref["triggerEventRef"],
        **{k: ref[k] for k in ("data", "contextAttributes") if k in ref},
    }
    result_event = ref.get("resultEventRef")
    if result_event is not None:
        ctx.event(result_event)  # fail here, not at run time, when it is not defined
    return ir.EventCall(
        produce=compile_produced_event(trigger, ctx),
        result_event=result_event,
        result_timeout=ref.get("resultEventTimeout") or timeout,
        invoke=_invoke(ref.get("invoke")),
    )


def _compiled_proto(name: str, definition: dict[str, Any]) -> str:
    """What the loader compiled from an rpc function's proto file (``dsl.rpc_functions``)."""
    metadata = definition.get("metadata")
    proto = metadata.get(PROTO_METADATA) if isinstance(metadata, dict) else None
    if not isinstance(proto, str):
        raise compile_error(
            f"function {name!r}: its proto was not compiled (load the definition from its file)"
        )
    return proto


def _invoke(value: Any) -> Literal["sync", "async"]:
    if value is None or value == "sync":
        return "sync"
    if value == "async":
        return "async"
    raise compile_error(f"invoke must be sync or async, got {value!r}")
