"""Engine activity for 1.0 ``call: grpc``: one unary call through grpcio, its messages built from the
descriptor set compiled when the definition was loaded (``dsl.v10.protos``), ``arguments`` as the request's
JSON form and the response's JSON form as the output.

The service's ``host:port`` must be an allowed origin (the one allow-list of every call). A policy in
``service.authentication`` is sent as ``authorization`` metadata. A status other than OK is a
``communication`` error naming the gRPC status.
"""

from __future__ import annotations

import base64
from typing import Any

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory
from google.protobuf.descriptor import MethodDescriptor
from temporalio import activity

from swengine.activities.authentication import authorization_header
from swengine.activities.outbound import check_origin
from swengine.activities.secrets import SecretBox, fault, with_secrets
from swengine.core.ir_tasks import GRPC_ACTIVITY, PROTO_DESCRIPTORS

TIMEOUT = 60.0
DEFAULT_PORT = 443


@activity.defn(name=GRPC_ACTIVITY)
async def call_grpc(payload: dict[str, Any]) -> Any:
    """One unary gRPC call: ``payload`` is ``{"function", "protocol", "arguments"}`` (the task's name and ``with``)."""
    return await with_secrets(payload, _invoke)


async def _invoke(payload: dict[str, Any], box: SecretBox) -> Any:
    function, arguments = str(payload.get("function")), payload["arguments"]
    service = arguments.get("service") or {}
    target = f"{service.get('host')}:{service.get('port') or DEFAULT_PORT}"
    await check_origin(f"http://{target}/", function)
    method = _method(function, arguments, str(service.get("name")), str(arguments.get("method")))
    request_class = message_factory.GetMessageClass(method.input_type)
    response_class = message_factory.GetMessageClass(method.output_type)
    try:
        request = json_format.ParseDict(arguments.get("arguments") or {}, request_class())
    except json_format.ParseError as error:
        raise fault("validation", f"call '{function}': the arguments do not fit {method.input_type.full_name}",
                    detail=str(error)) from None  # fmt: skip
    authorization = await authorization_header(service, box)
    metadata = (("authorization", authorization),) if authorization is not None else None
    async with grpc.aio.insecure_channel(target) as channel:
        call = channel.unary_unary(
            f"/{method.containing_service.full_name}/{method.name}",
            request_serializer=request_class.SerializeToString,
            response_deserializer=response_class.FromString,
        )
        try:
            response = await call(request, timeout=TIMEOUT, metadata=metadata)
        except grpc.aio.AioRpcError as error:
            title = f"call '{function}': {method.full_name} answered {error.code().name}"
            raise fault("communication", title, detail=error.details() or None) from None
    return json_format.MessageToDict(response, preserving_proto_field_name=True)


def _method(
    function: str, arguments: dict[str, Any], service_name: str, method_name: str
) -> MethodDescriptor:
    """The method's descriptor, from the task's embedded descriptor set."""
    embedded = (arguments.get("proto") or {}).get(PROTO_DESCRIPTORS)
    if not isinstance(embedded, str):
        raise fault("runtime", f"call '{function}': the proto was not compiled with the definition")
    pool = descriptor_pool.DescriptorPool()
    for file in descriptor_pb2.FileDescriptorSet.FromString(base64.b64decode(embedded)).file:
        pool.Add(file)
    try:
        method = pool.FindServiceByName(service_name).FindMethodByName(method_name)
    except KeyError:
        method = None
    if method is None:
        raise fault("runtime", f"call '{function}': the proto has no method {service_name}.{method_name}")
    if method.client_streaming or method.server_streaming:
        raise fault("runtime", f"call '{function}': {method.full_name} streams; only unary calls are run")
    return method
