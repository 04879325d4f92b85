"""0.8 ``rpc`` functions: ``operation`` is ``<proto file>#<service>#<method>``; the proto file is read from the
workflow's folder (never a URL, never outside it) and compiled when the definition is loaded, so at deploy
time, and the compiled descriptor set travels in the function's ``metadata`` to the gRPC activity.

The service and method must exist (checked here rather than at an instance's first call). SonataFlow writes
the file as ``classpath:greeting.proto``; its classpath is the folder the workflow is loaded from.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from swengine.dsl.local_files import Refusal, locate_reference, read_bounded
from swengine.dsl.parser import Limits
from swengine.dsl.source_map import JsonPath
from swengine.dsl.v10.protos import compile_proto, method_of

PROTO_METADATA = "swengine:proto"
"""``metadata`` key of an rpc function holding its proto's compiled descriptor set (base64)."""
CLASSPATH = "classpath:"


def rpc_operation(operation: str) -> tuple[str, str, str] | None:
    """(proto file, service, method) of an rpc ``operation``, or None when it does not have that shape."""
    parts = operation.split("#")
    if len(parts) != 3 or not all(part.strip() for part in parts):
        return None
    file, service, method = (part.strip() for part in parts)
    return file.removeprefix(CLASSPATH), service, method


def embed_rpc_protos(
    data: dict[str, Any], base_dir: Path | None, root: Path | None, limits: Limits
) -> tuple[bool, list[tuple[JsonPath, Refusal]]]:
    """Compile and embed every rpc function's proto in place: (whether any was, (path, refusal) of the others)."""
    embedded = False
    refusals = []
    for path, function in _rpc_functions(data):
        if PROTO_METADATA in (function.get("metadata") or {}):
            continue
        try:
            descriptors = _compiled(str(function.get("operation")), base_dir, root, limits)
        except Refusal as refusal:
            refusals.append((path + ("operation",), refusal))
            continue
        metadata = function.get("metadata")
        function["metadata"] = {
            **(metadata if isinstance(metadata, dict) else {}),
            PROTO_METADATA: descriptors,
        }
        embedded = True
    return embedded, refusals


def _rpc_functions(data: dict[str, Any]) -> Iterator[tuple[JsonPath, dict[str, Any]]]:
    functions = data.get("functions")
    for index, function in enumerate(functions if isinstance(functions, list) else []):
        if (
            isinstance(function, dict)
            and function.get("type") == "rpc"
            and isinstance(function.get("operation"), str)
        ):
            yield ("functions", index), function


def _compiled(operation: str, base_dir: Path | None, root: Path | None, limits: Limits) -> str:
    parts = rpc_operation(operation)
    if parts is None:
        raise Refusal("rpc_operation_invalid", f"{operation!r} is not <proto file>#<service>#<method>")
    file, service, method = parts
    local, target = locate_reference(file, base_dir, root)
    descriptors = compile_proto(
        Path(local).name, read_bounded(target, limits, missing="file_reference_not_found")
    )
    if method_of(descriptors, service, method) is None:
        raise Refusal("rpc_operation_invalid", f"{file} has no service {service!r} with a method {method!r}")
    return base64.b64encode(descriptors).decode()
