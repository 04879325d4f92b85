"""0.8 ``rpc`` functions against a loopback grpcio server: ``<proto>#<service>#<method>`` compiled when the
definition is loaded (SonataFlow's ``classpath:`` too), arguments as the request, the response merged as any
function result; the service's address from the operator; a status as the error code ``onErrors`` catch;
what is refused, and where."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from swengine.authoring.migrate import migrate
from swengine.compiler.pipeline import DocumentError, compile_path
from swengine.dsl.dialects import load_file
from swengine.runtime.service import InstanceFailed
from tests.integration.conftest import outcome, running
from tests.integration.greeter import PROTO, greeter_server


@pytest_asyncio.fixture
async def greeter(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[int]:
    """A loopback ``GreeterApi.Greeter``, allowed and named in ``SWENGINE_GRPC_CLIENTS``."""
    async with greeter_server() as port:
        monkeypatch.setenv("SWENGINE_REST_ALLOW", f"127.0.0.1:{port}")
        monkeypatch.setenv("SWENGINE_GRPC_CLIENTS", f"Other=127.0.0.1:1,Greeter=127.0.0.1:{port}")
        yield port


def workflow(folder: Path, operation: str = "greet.proto#Greeter#SayHello", **options: Any) -> Any:
    (folder / "greet.proto").write_text(PROTO)
    document = {
        "id": "greet", "specVersion": "0.8", "start": "Greet",
        "functions": [{"name": "sayHello", "type": "rpc", "operation": operation}],
        "errors": [{"name": "badArgument", "code": "INVALID_ARGUMENT"}],
        "states": [
            {"name": "Greet", "type": "operation", "end": True,
             "actions": [{"functionRef": {"refName": "sayHello", "arguments": options.get("arguments", {
                 "name": "${ .name }", "times": 2})}}],
             "onErrors": [{"errorRef": "badArgument", "transition": "Apologise"}]},
            {"name": "Apologise", "type": "inject", "data": {"apology": "no name"}, "end": True},
        ],
    }  # fmt: skip
    (folder / "greet.sw.json").write_text(json.dumps(document))
    return compile_path(folder / "greet.sw.json", dialect=options.get("dialect", "standard"))


async def test_the_response_is_merged_into_the_state_data(client, greeter, tmp_path):
    ir = workflow(tmp_path)
    (tmp_path / "greet.proto").unlink()  # compiled at load time: the worker never reads it
    assert await outcome(client, ir, {"name": "Ada"}) == {
        "name": "Ada", "message": "Hello, Ada", "echoes": ["Ada", "Ada"]}  # fmt: skip


async def test_a_status_is_the_error_code_on_errors_catch(client, greeter, tmp_path):
    assert await outcome(client, workflow(tmp_path), {"name": ""}) == {"name": "", "apology": "no name"}


async def test_sonataflow_s_classpath_proto_and_bare_arguments(client, greeter, tmp_path):
    ir = workflow(tmp_path, "classpath:greet.proto#Greeter#SayHello", arguments={"name": ".name"},
                  dialect="sonataflow")  # fmt: skip
    assert (await outcome(client, ir, {"name": "Bo"}))["message"] == "Hello, Bo"


@pytest.mark.parametrize(
    ("clients", "allowed", "code"),
    [("", "PORT", "rpc_target_unknown"), ("Greeter=127.0.0.1:PORT", "127.0.0.1:1", "rest_not_allowed")],
)
async def test_a_service_the_operator_did_not_name_or_allow_fails_the_instance(
    client, greeter, tmp_path, monkeypatch, clients, allowed, code
):
    monkeypatch.setenv("SWENGINE_GRPC_CLIENTS", clients.replace("PORT", str(greeter)))
    monkeypatch.setenv("SWENGINE_REST_ALLOW", allowed.replace("PORT", f"127.0.0.1:{greeter}"))
    async with running(client) as (service, _):
        with pytest.raises(InstanceFailed) as failed:
            await service.run(workflow(tmp_path), {"name": "Ada"})
    assert failed.value.code == code


@pytest.mark.parametrize(
    ("method", "arguments", "output"),
    [
        ("SayHellos", {"name": "${ .name }", "times": 2}, ["Hello #1, Ada", "Hello #2, Ada"]),
        ("SayHelloToAll", '${ [{name: .name}, {name: "Bo"}] }', "Hello, Ada and Bo"),
        ("SayHelloToEach", '${ [{name: .name}, {name: "Bo"}] }', ["Hello, Ada", "Hello, Bo"]),
    ],
)
async def test_streaming_methods_run_as_sonataflow_runs_them(
    client, greeter, tmp_path, method, arguments, output
):
    """A client stream sends each item of the arguments; a server stream answers the list of its responses
    (merged under ``response`` in SonataFlow's dialect, as any result that is not an object)."""
    ir = workflow(tmp_path, f"greet.proto#Greeter#{method}", arguments=arguments, dialect="sonataflow")
    answer = await outcome(client, ir, {"name": "Ada"})
    got = answer["response"] if isinstance(output, list) else answer
    messages = [item["message"] for item in got] if isinstance(output, list) else got["message"]
    assert messages == output


@pytest.mark.parametrize(
    ("operation", "code"),
    [
        ("greet.proto#Greeter#Missing", "rpc_operation_invalid"),
        ("greet.proto#Nobody#SayHello", "rpc_operation_invalid"),
        ("greet.proto#SayHello", "rpc_operation_invalid"),
        ("../greet.proto#Greeter#SayHello", "file_reference_outside_root"),
        ("http://127.0.0.1:9/greet.proto#Greeter#SayHello", "remote_reference_refused"),
    ],
)
def test_what_cannot_run_is_refused_when_the_definition_is_loaded(tmp_path, operation, code):
    inner = tmp_path / "inner"
    inner.mkdir()
    (tmp_path / "greet.proto").write_text(PROTO)
    with pytest.raises(DocumentError) as refused:
        workflow(inner, operation)
    problem = refused.value.problems[0]
    assert (problem.code, problem.path) == (code, "$.functions[0].operation")


async def test_the_migrated_1_0_document_calls_the_service_alike(client, greeter, tmp_path):
    """``swengine migrate`` makes an rpc function a ``call: grpc`` on the same proto, at the operator's address."""
    original = workflow(tmp_path)
    migrated = migrate(load_file(tmp_path / "greet.sw.json"))
    assert migrated.notes == []  # the address came from SWENGINE_GRPC_CLIENTS: nothing left to do by hand
    (tmp_path / "greet.1.0.yaml").write_text(migrated.text)
    translated = compile_path(tmp_path / "greet.1.0.yaml")
    for given in ({"name": "Ada"}, {"name": ""}):
        assert await outcome(client, translated, given) == await outcome(client, original, given)
