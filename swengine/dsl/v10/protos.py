"""The proto files of 1.0 ``call: grpc`` tasks, compiled when the definition is loaded (so at deploy time):
each ``with.proto.endpoint`` names a local file beside the workflow (never a URL, never outside its folder),
compiled by grpcio-tools into a descriptor set embedded in the task as ``proto.descriptorSet`` (base64).

The gRPC activity needs nothing else: no generated modules, no file on the worker. Imports of the
well-known types (``google/protobuf/*.proto``) resolve; imports of other files do not (one file per call).
"""

from __future__ import annotations

import base64
import contextlib
import io
import tempfile
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from swengine.core.ir_tasks import PROTO_DESCRIPTORS
from swengine.dsl.local_files import Refusal, locate_reference, read_bounded
from swengine.dsl.parser import Limits
from swengine.dsl.source_map import JsonPath
from swengine.dsl.v10.tasks import walk_document

if TYPE_CHECKING:
    from google.protobuf.descriptor import MethodDescriptor


def embed_protos(
    data: dict[str, Any], base_dir: Path | None, root: Path | None, limits: Limits
) -> tuple[bool, list[tuple[JsonPath, Refusal]]]:
    """Compile and embed every grpc call's proto in place: (whether any was, (path, refusal) of the others)."""
    refusals = list(_embed_each(data, base_dir, root, limits))
    return any(_proto_of(site.body) for site in walk_document(data) if site.kind == "call"), refusals


def _embed_each(
    data: dict[str, Any], base_dir: Path | None, root: Path | None, limits: Limits
) -> Iterator[tuple[JsonPath, Refusal]]:
    for site in walk_document(data):
        proto = _proto_of(site.body) if site.kind == "call" else None
        if proto is None or PROTO_DESCRIPTORS in proto:
            continue
        endpoint = proto.get("endpoint")
        reference = endpoint.get("uri") if isinstance(endpoint, dict) else endpoint
        try:
            if not isinstance(reference, str):
                raise Refusal("file_reference_invalid", "proto.endpoint names no file")
            local, target = locate_reference(reference, base_dir, root)
            source = read_bounded(target, limits, missing="file_reference_not_found")
            proto[PROTO_DESCRIPTORS] = base64.b64encode(compile_proto(Path(local).name, source)).decode()
        except Refusal as refusal:
            yield site.path + ("with", "proto", "endpoint"), refusal


def _proto_of(body: dict[str, Any]) -> dict[str, Any] | None:
    arguments = body.get("with")
    proto = arguments.get("proto") if body.get("call") == "grpc" and isinstance(arguments, dict) else None
    return proto if isinstance(proto, dict) else None


def compile_proto(name: str, source: bytes) -> bytes:
    """The serialized ``FileDescriptorSet`` of one proto file (with the well-known types it imports)."""
    from grpc_tools import protoc  # imported here: loading any other document never pays for it

    with tempfile.TemporaryDirectory(prefix="swengine-proto-") as folder:
        (Path(folder) / name).write_bytes(source)
        out = Path(folder) / "descriptors.pb"
        well_known = resources.files("grpc_tools") / "_proto"
        arguments = [
            "protoc",
            f"-I{folder}",
            f"-I{well_known}",
            f"--descriptor_set_out={out}",
            "--include_imports",
        ]
        with contextlib.redirect_stderr(io.StringIO()):
            failed = protoc.main([*arguments, str(Path(folder) / name)])
        if failed or not out.is_file():
            raise Refusal("file_reference_invalid", f"{name} does not compile as a proto file")
        return out.read_bytes()


def method_of(descriptor_set: bytes, service: str, method: str) -> MethodDescriptor | None:
    """The descriptor of ``service.method`` in a compiled descriptor set; the service by its full name
    (``pkg.Greeter``) or, when that is unique, by its own name (``Greeter``, as 0.8 operations name it)."""
    from google.protobuf import descriptor_pb2, descriptor_pool

    pool = descriptor_pool.DescriptorPool()
    files = descriptor_pb2.FileDescriptorSet.FromString(descriptor_set).file
    for file in files:
        pool.Add(file)
    named = [
        f"{file.package}.{each.name}".lstrip(".")
        for file in files
        for each in file.service
        if service in (each.name, f"{file.package}.{each.name}".lstrip("."))
    ]
    if len(named) != 1:
        return None
    found: MethodDescriptor | None = pool.FindServiceByName(named[0]).methods_by_name.get(method)
    return found
