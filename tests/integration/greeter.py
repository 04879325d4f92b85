"""A loopback grpcio server of ``GreeterApi.Greeter`` for the gRPC tests of both DSLs: the proto the workflows
carry, ``SayHello`` answering from it (refusing calls without the token, when one is asked for), and a method of
each streaming kind."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import grpc
from google.protobuf import message_factory

from swengine.dsl.v10.protos import compile_proto, method_of

PROTO = """
syntax = "proto3";
package GreeterApi;
import "google/protobuf/timestamp.proto";

message HelloRequest { string name = 1; int32 times = 2; }
message HelloReply { string message = 1; repeated string echoes = 2; google.protobuf.Timestamp at = 3; }

service Greeter {
  rpc SayHello (HelloRequest) returns (HelloReply);
  rpc SayHellos (HelloRequest) returns (stream HelloReply);
  rpc SayHelloToAll (stream HelloRequest) returns (HelloReply);
  rpc SayHelloToEach (stream HelloRequest) returns (stream HelloReply);
}
"""


@asynccontextmanager
async def greeter_server(token: str | None = None) -> AsyncIterator[int]:
    """The server's port; ``SayHello`` fails ``INVALID_ARGUMENT`` for an empty name."""
    method = method_of(compile_proto("greet.proto", PROTO.encode()), "GreeterApi.Greeter", "SayHello")
    assert method is not None
    request_class = message_factory.GetMessageClass(method.input_type)
    reply_class = message_factory.GetMessageClass(method.output_type)

    async def say_hello(request: Any, context: grpc.aio.ServicerContext) -> Any:
        if (
            token is not None
            and dict(context.invocation_metadata()).get("authorization") != f"Bearer {token}"
        ):
            await context.abort(grpc.StatusCode.UNAUTHENTICATED, "no token")
        if not request.name:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "a name is needed")
        return reply_class(message=f"Hello, {request.name}", echoes=[request.name] * request.times)

    async def say_hellos(request: Any, context: grpc.aio.ServicerContext) -> Any:
        for index in range(request.times):
            yield reply_class(message=f"Hello #{index + 1}, {request.name}")

    async def say_hello_to_all(requests: Any, context: grpc.aio.ServicerContext) -> Any:
        return reply_class(message="Hello, " + " and ".join([request.name async for request in requests]))

    async def say_hello_to_each(requests: Any, context: grpc.aio.ServicerContext) -> Any:
        async for request in requests:
            yield reply_class(message=f"Hello, {request.name}")

    kinds = {
        "SayHello": (grpc.unary_unary_rpc_method_handler, say_hello),
        "SayHellos": (grpc.unary_stream_rpc_method_handler, say_hellos),
        "SayHelloToAll": (grpc.stream_unary_rpc_method_handler, say_hello_to_all),
        "SayHelloToEach": (grpc.stream_stream_rpc_method_handler, say_hello_to_each),
    }
    handlers = {
        name: make(behaviour, request_deserializer=request_class.FromString,
                   response_serializer=reply_class.SerializeToString)
        for name, (make, behaviour) in kinds.items()
    }  # fmt: skip
    server = grpc.aio.server()
    server.add_generic_rpc_handlers([grpc.method_handlers_generic_handler("GreeterApi.Greeter", handlers)])
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        yield port
    finally:
        await server.stop(None)
