"""1.0 ``call: mcp`` through the official MCP SDK against a loopback MCP server built with the same SDK:
streamable HTTP (with a bearer policy, on an allowed origin) and stdio (an operator-listed command)."""

from __future__ import annotations

import shlex
import sys
import textwrap
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from swengine.compiler.pipeline import compile_text
from tests import mcp_standin
from tests.integration.conftest import outcome
from tests.standins import asgi_server

ERRORS = "https://serverlessworkflow.io/spec/1.0.0/errors/"
STDIO = f"stdio: {{command: '{sys.executable}', arguments: ['{mcp_standin.__file__}']}}"
ALLOWED = shlex.join([sys.executable, mcp_standin.__file__])
"""The operator's entry for the stand-in: the command line exactly."""


@pytest_asyncio.fixture
async def mcp_http(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[str]:
    """The stand-in on a loopback port (lifespan on: the SDK's session manager runs in it)."""
    async with asgi_server(lambda base: mcp_standin.guarded_app(), lifespan="on") as base:
        monkeypatch.setenv("SWENGINE_REST_ALLOW", base.split("://", 1)[1])
        yield f"{base}/mcp"


def document(with_: str) -> Any:
    head = "document: {dsl: '1.0.3', namespace: mcp, name: call, version: '1.0.0'}\n"
    use = f"use:\n  authentications:\n    standin: {{bearer: {{token: {mcp_standin.TOKEN}}}}}\n"
    task = "do:\n  - ask:\n      call: mcp\n      with:\n" + textwrap.indent(textwrap.dedent(with_), " " * 8)
    return compile_text(head + use + task)


def http(url: str) -> str:
    return f"http: {{endpoint: {{uri: '{url}', authentication: {{use: standin}}}}}}"


async def test_a_tool_is_called_over_streamable_http(client, mcp_http):
    ir = document(f"""
        method: tools/call
        parameters: {{name: add, arguments: {{a: '${{ .a }}', b: 2}}}}
        transport: {{{http(mcp_http)}}}
        client: {{name: swengine-test, version: '1.0'}}
        """)
    result = await outcome(client, ir, {"a": 40})
    assert result["structuredContent"] == {"result": 42}
    assert result["isError"] is False


async def test_without_its_credentials_the_http_server_refuses(client, mcp_http):
    ir = document(f"method: tools/list\ntransport: {{http: {{endpoint: '{mcp_http}'}}}}\n")
    refused = await outcome(client, ir)
    assert (refused["fault"]["type"], refused["fault"]["status"]) == (ERRORS + "runtime", 500)


async def test_an_endpoint_the_operator_did_not_allow_is_refused(client, mcp_http, monkeypatch):
    monkeypatch.setenv("SWENGINE_REST_ALLOW", "elsewhere.example")
    refused = await outcome(client, document(f"method: tools/list\ntransport: {{{http(mcp_http)}}}\n"))
    assert (refused["fault"]["type"], refused["fault"]["status"]) == (ERRORS + "authorization", 403)


@pytest.mark.parametrize(
    ("method", "parameters", "found"),
    [
        ("tools/list", "{}", lambda r: [tool["name"] for tool in r["tools"]] == ["add"]),
        ("prompts/list", "{}", lambda r: [prompt["name"] for prompt in r["prompts"]] == ["greet"]),
        ("prompts/get", "{name: greet, arguments: {name: Ada}}", lambda r: "Ada" in str(r["messages"])),
        ("resources/list", "{}", lambda r: [res["uri"] for res in r["resources"]] == ["note://today"]),
        ("resources/read", "{uri: 'note://today'}", lambda r: r["contents"][0]["text"] == "nothing planned"),
    ],
)
async def test_methods_over_stdio_with_an_allowed_command(client, monkeypatch, method, parameters, found):
    monkeypatch.setenv("SWENGINE_MCP_COMMANDS", ALLOWED)
    result = await outcome(
        client, document(f"method: {method}\nparameters: {parameters}\ntransport: {{{STDIO}}}\n")
    )
    assert found(result), result


@pytest.mark.parametrize(
    ("allowed", "stdio"),
    [
        ("/usr/bin/some-other-server", STDIO),
        (sys.executable, STDIO),  # the interpreter alone: its arguments would choose the code it runs
        (ALLOWED, f"stdio: {{command: '{sys.executable}', arguments: ['-c', 'import os']}}"),
        (ALLOWED, STDIO.replace("]}", "], environment: {NODE_OPTIONS: '--require /tmp/x.js'}}")),
        (ALLOWED, STDIO.replace("]}", "], environment: {LD_PRELOAD: /tmp/x.so}}")),
    ],
)
async def test_only_an_operator_listed_command_line_is_ever_started(client, monkeypatch, allowed, stdio):
    monkeypatch.setenv("SWENGINE_MCP_COMMANDS", allowed)
    refused = await outcome(client, document(f"method: tools/list\ntransport: {{{stdio}}}\n"))
    assert (refused["fault"]["type"], refused["fault"]["status"]) == (ERRORS + "authorization", 403)
