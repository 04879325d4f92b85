"""Engine activities for 1.0 ``call: grpc`` and 0.8 ``rpc`` functions: one unary call through grpcio, its messages built from the
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
from google.protobuf import json_format, message_factory
from google.protobuf.descriptor import MethodDescriptor
from google.protobuf.message import Message
from temporalio import activity
from temporalio.exceptions import ApplicationError

from swengine.activities.authentication import authorization_header
from swengine.activities.outbound import check_origin
from swengine.activities.rest_allow import address_refusal, url_allowed
from swengine.activities.secrets import SecretBox, fault, with_secrets
from swengine.core.ir import RPC_ACTIVITY
from swengine.core.ir_tasks import GRPC_ACTIVITY, PROTO_DESCRIPTORS
from swengine.core.limits import PAYLOAD_LIMIT, PayloadTooLarge
from swengine.core.settings import Settings
from swengine.dsl.rpc_functions import rpc_operation
from swengine.dsl.v10.protos import method_of

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
    try:
        requests = _requests(method, arguments.get("arguments"))
    except json_format.ParseError as error:
        raise fault("validation", f"call '{function}': the arguments do not fit {method.input_type.full_name}",
                    detail=str(error)) from None  # fmt: skip
    authorization = await authorization_header(service, box)
    metadata = (("authorization", authorization),) if authorization is not None else None
    try:
        return await _exchange(target, method, requests, metadata)
    except grpc.aio.AioRpcError as error:  # the detail leads with the status, as a 0.8 error code would read
        title = f"call '{function}': {method.full_name} answered {error.code().name}"
        raise fault("communication", title, detail=f"{error.code().name}: {error.details() or ''}") from None


@activity.defn(name=RPC_ACTIVITY)
async def call_rpc(payload: dict[str, Any]) -> Any:
    """A 0.8 ``rpc`` function: ``payload`` is ``{"function", "operation", "arguments", "proto"}``; the
    service's ``host:port`` is the operator's (``SWENGINE_GRPC_CLIENTS``) and must be an allowed origin. A
    status other than OK fails the action with the status's name as its error code (retryable when transient).

    Streaming methods as SonataFlow runs them: a client stream sends each item of the arguments (a list) and
    answers the one response, a server stream answers the list of responses, a bidirectional one both."""
    function = str(payload.get("function"))
    operation = rpc_operation(str(payload.get("operation")))
    proto = payload.get("proto")
    method = None if operation is None or not isinstance(proto, str) else method_of(
        base64.b64decode(proto), operation[1], operation[2])  # fmt: skip
    if operation is None or method is None:
        raise _final(
            f"function '{function}': its proto was not compiled with the definition", "rpc_not_compiled"
        )
    settings = Settings.from_env()
    target = settings.grpc_client(operation[1]) or settings.grpc_client(method.containing_service.full_name)
    if target is None:
        message = f"function '{function}': no address for {operation[1]}: set SWENGINE_GRPC_CLIENTS={operation[1]}=host:port"
        raise _final(message, "rpc_target_unknown")
    url = f"http://{target}/"
    refusal = await address_refusal(url) if url_allowed(url, settings.rest_allow) else "not an allowed origin"
    if refusal is not None:
        raise _final(f"function '{function}': {target}: {refusal}", "rest_not_allowed")
    try:
        requests = _requests(method, payload.get("arguments"))
    except json_format.ParseError as error:
        message = f"function '{function}': the arguments do not fit {method.input_type.full_name}: {error}"
        raise _final(message, "rpc_bad_request") from None
    try:
        return await _exchange(target, method, requests, None)
    except grpc.aio.AioRpcError as error:
        code = error.code()
        message = f"function '{function}': {method.full_name} answered {code.name}: {error.details() or ''}"
        raise ApplicationError(message, type=code.name, non_retryable=code not in TRANSIENT) from None


TRANSIENT = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
                       grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.StatusCode.ABORTED})  # fmt: skip
"""Statuses worth retrying (gRPC's own guidance); the action's retry policy decides how often."""


def _final(message: str, code: str) -> ApplicationError:
    return ApplicationError(message, type=code, non_retryable=True)


def _requests(method: MethodDescriptor, arguments: Any) -> list[Message]:
    """The request messages from their JSON form: one, or each item of a list for a client stream (raises
    ``json_format.ParseError`` when they do not fit)."""
    request_class = message_factory.GetMessageClass(method.input_type)
    if not method.client_streaming:
        return [json_format.ParseDict(arguments or {}, request_class())]
    if not isinstance(arguments, list):
        raise json_format.ParseError(
            f"{method.full_name} takes a stream: the arguments must be a list of requests"
        )
    return [json_format.ParseDict(item or {}, request_class()) for item in arguments]


CALLS = {
    (False, False): "unary_unary",
    (False, True): "unary_stream",
    (True, False): "stream_unary",
    (True, True): "stream_stream",
}
"""grpcio's call for a method, by whether the client streams and whether the server does."""


async def _exchange(
    target: str,
    method: MethodDescriptor,
    requests: list[Message],
    metadata: tuple[tuple[str, str], ...] | None,
) -> Any:
    """One call; the response in its JSON form, or the list of them when the server streams (read up to the
    payload limit). Raises ``grpc.aio.AioRpcError`` on a status other than OK."""
    response_class = message_factory.GetMessageClass(method.output_type)
    async with grpc.aio.insecure_channel(target) as channel:
        call = getattr(channel, CALLS[(method.client_streaming, method.server_streaming)])(
            f"/{method.containing_service.full_name}/{method.name}",
            request_serializer=type(requests[0]).SerializeToString if requests else None,
            response_deserializer=response_class.FromString,
        )
        sent = iter(requests) if method.client_streaming else requests[0]
        if not method.server_streaming:
            return _json(await call(sent, timeout=TIMEOUT, metadata=metadata))
        answers, read = [], 0
        async for response in call(sent, timeout=TIMEOUT, metadata=metadata):
            read += response.ByteSize()
            if read > PAYLOAD_LIMIT:
                raise _final(
                    f"{method.full_name} streamed more than {PAYLOAD_LIMIT} bytes", PayloadTooLarge.code
                )
            answers.append(_json(response))
        return answers


def _json(message: Message) -> Any:
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


def _method(
    function: str, arguments: dict[str, Any], service_name: str, method_name: str
) -> MethodDescriptor:
    """The method's descriptor, from the task's embedded descriptor set."""
    embedded = (arguments.get("proto") or {}).get(PROTO_DESCRIPTORS)
    if not isinstance(embedded, str):
        raise fault("runtime", f"call '{function}': the proto was not compiled with the definition")
    method = method_of(base64.b64decode(embedded), service_name, method_name)
    if method is None:
        raise fault("runtime", f"call '{function}': the proto has no method {service_name}.{method_name}")
    if method.client_streaming or method.server_streaming:
        raise fault("runtime", f"call '{function}': {method.full_name} streams; only unary calls are run")
    return method
