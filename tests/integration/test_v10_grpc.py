"""1.0 ``call: grpc`` against a loopback grpcio server: the proto beside the workflow, compiled when the
definition is loaded; arguments as the request, the response as the output; a bearer policy as metadata; a
gRPC error status; the allow-list; a proto that does not compile or lies outside the folder."""

from __future__ import annotations

import textwrap
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from swengine.compiler.pipeline import DocumentError, compile_path
from tests.integration.conftest import outcome
from tests.integration.greeter import PROTO, greeter_server

ERRORS = "https://serverlessworkflow.io/spec/1.0.0/errors/"
TOKEN = "grpc-test-token"


@pytest_asyncio.fixture
async def greeter(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[int]:
    """A loopback ``GreeterApi.Greeter`` refusing calls without the token, and allowed."""
    async with greeter_server(TOKEN) as port:
        monkeypatch.setenv("SWENGINE_REST_ALLOW", f"127.0.0.1:{port}")
        yield port


def workflow(
    folder: Path, port: int, *, method: str = "SayHello", auth: bool = True, proto: str = "greet.proto"
) -> Any:
    (folder / "greet.proto").write_text(PROTO)
    authentication = f", authentication: {{bearer: {{token: {TOKEN}}}}}" if auth else ""
    (folder / "flow.yaml").write_text(
        "document: {dsl: '1.0.3', namespace: grpc, name: greet, version: '1.0.0'}\n"
        "do:\n  - greet:\n      call: grpc\n      with:\n"
        + textwrap.indent(
            f"proto: {{endpoint: 'file://{proto}'}}\n"
            f"service: {{name: GreeterApi.Greeter, host: 127.0.0.1, port: {port}{authentication}}}\n"
            f"method: {method}\n"
            "arguments: {name: '${ .name }', times: 2}\n",
            " " * 8,
        )
    )
    return compile_path(folder / "flow.yaml")


async def test_a_unary_method_is_called_with_the_arguments(client, greeter, tmp_path):
    output = await outcome(client, workflow(tmp_path, greeter), {"name": "Ada"})
    assert output == {"message": "Hello, Ada", "echoes": ["Ada", "Ada"]}


async def test_the_proto_travels_compiled_in_the_definition(client, greeter, tmp_path):
    ir = workflow(tmp_path, greeter)
    (tmp_path / "greet.proto").unlink()  # compiled at load time: the worker never reads it
    assert (await outcome(client, ir, {"name": "Bo"}))["message"] == "Hello, Bo"


async def test_a_grpc_error_status_faults_with_communication(client, greeter, tmp_path):
    error = (await outcome(client, workflow(tmp_path, greeter), {"name": ""}))["fault"]
    assert (error["type"], error["detail"]) == (
        ERRORS + "communication",
        "INVALID_ARGUMENT: a name is needed",
    )
    assert "INVALID_ARGUMENT" in error["title"]


async def test_without_the_policy_the_server_refuses(client, greeter, tmp_path):
    error = (await outcome(client, workflow(tmp_path, greeter, auth=False), {"name": "Ada"}))["fault"]
    assert "UNAUTHENTICATED" in error["title"]


async def test_a_streaming_method_is_refused(client, greeter, tmp_path):
    error = (await outcome(client, workflow(tmp_path, greeter, method="SayHellos"), {"name": "Ada"}))["fault"]
    assert (error["type"], error["status"]) == (ERRORS + "runtime", 500)


async def test_a_service_the_operator_did_not_allow_is_refused(client, greeter, tmp_path, monkeypatch):
    monkeypatch.setenv("SWENGINE_REST_ALLOW", "127.0.0.1:1")
    error = (await outcome(client, workflow(tmp_path, greeter), {"name": "Ada"}))["fault"]
    assert (error["type"], error["status"]) == (ERRORS + "authorization", 403)


def test_a_proto_that_does_not_compile_is_a_problem_of_the_definition(tmp_path):
    (tmp_path / "broken.proto").write_text("syntax = 'proto3'; message {")
    with pytest.raises(DocumentError) as refused:
        workflow(tmp_path, 1, proto="broken.proto")
    assert [problem.code for problem in refused.value.problems] == ["file_reference_invalid"]


def test_a_proto_outside_the_folder_is_refused(tmp_path):
    inner = tmp_path / "inner"
    inner.mkdir()
    with pytest.raises(DocumentError) as refused:
        workflow(inner, 1, proto="../greet.proto")
    assert [problem.code for problem in refused.value.problems] == ["file_reference_outside_root"]
