"""Engine activity for 1.0 ``call: mcp``: one Model Context Protocol request through the official MCP SDK's
client (which sends ``initialize`` first), over the ``http`` transport (an allowed origin, every request
checked) or ``stdio`` (a command the operator listed in ``SWENGINE_MCP_COMMANDS``, nothing else).

The output is the JSON-RPC result; a failure is a ``runtime`` error (500), as the spec asks. The SDK is
imported at the first call: it costs a third of a second, which every worker start would otherwise pay.
"""

from __future__ import annotations

import asyncio
import shlex
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import httpx2
from temporalio import activity

from swengine.activities.authentication import authorization_header
from swengine.activities.outbound import check_origin, request_guard
from swengine.activities.rest_allow import routing_header
from swengine.activities.secrets import SecretBox, fault, with_secrets
from swengine.core.durations import parse_duration
from swengine.core.ir_tasks import MCP_ACTIVITY
from swengine.core.settings import Settings

if TYPE_CHECKING:
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters

DEFAULT_TIMEOUT = 60.0
Method = Callable[["Client", dict[str, Any]], Awaitable[Any]]

METHODS: dict[str, Method] = {
    "tools/list": lambda client, p: client.list_tools(),
    "tools/call": lambda client, p: client.call_tool(str(p.get("name")), p.get("arguments") or {}),
    "prompts/list": lambda client, p: client.list_prompts(),
    "prompts/get": lambda client, p: client.get_prompt(str(p.get("name")), p.get("arguments")),
    "resources/list": lambda client, p: client.list_resources(),
    "resources/read": lambda client, p: client.read_resource(str(p.get("uri"))),
    "resources/templates/list": lambda client, p: client.list_resource_templates(),
}


@activity.defn(name=MCP_ACTIVITY)
async def call_mcp(payload: dict[str, Any]) -> Any:
    """One MCP request: ``payload`` is ``{"function", "protocol", "arguments"}`` (the task's name and ``with``)."""
    return await with_secrets(payload, _invoke)


async def _invoke(payload: dict[str, Any], box: SecretBox) -> Any:
    from mcp import Client
    from mcp_types import Implementation
    from mcp_types.version import MODERN_PROTOCOL_VERSIONS

    function, arguments = str(payload.get("function")), payload["arguments"]
    method = str(arguments.get("method"))
    if method not in METHODS:
        raise fault("runtime", f"call '{function}': MCP method '{method}' is not one of {', '.join(METHODS)}")
    server, http_client = await _server(function, arguments.get("transport") or {}, box)
    version = str(arguments.get("protocolVersion") or "")
    client_info = arguments.get("client")
    client = Client(
        server,
        mode=version if version in MODERN_PROTOCOL_VERSIONS else "legacy",
        client_info=Implementation(**client_info) if isinstance(client_info, dict) else None,
        cache=None,
    )
    parameters = arguments.get("parameters") or {}
    try:
        async with asyncio.timeout(_seconds(arguments.get("timeout"))):
            async with client:
                result = await METHODS[method](client, parameters if isinstance(parameters, dict) else {})
    except TimeoutError:
        raise fault("timeout", f"call '{function}': the MCP server did not answer in time") from None
    except Exception as error:
        if isinstance(error, ExceptionGroup) and len(error.exceptions) == 1:
            error = error.exceptions[0]
        raise fault("runtime", f"call '{function}': {type(error).__name__}", detail=str(error)) from None
    finally:
        if http_client is not None:
            await http_client.aclose()
    return result.model_dump(mode="json", by_alias=True, exclude_none=True)


async def _server(
    function: str, transport: dict[str, Any], box: SecretBox
) -> tuple[Any, httpx2.AsyncClient | None]:
    if isinstance(transport.get("http"), dict):
        return await _http(function, transport["http"], box)
    if isinstance(transport.get("stdio"), dict):
        return _stdio(function, transport["stdio"]), None
    raise fault("runtime", f"call '{function}': the MCP transport is neither http nor stdio")


async def _http(function: str, http: dict[str, Any], box: SecretBox) -> tuple[Any, httpx2.AsyncClient]:
    endpoint = http.get("endpoint")
    url = str(endpoint.get("uri") if isinstance(endpoint, dict) else endpoint)
    await check_origin(url, function)
    headers = {str(key): str(value) for key, value in (http.get("headers") or {}).items()}
    if (routing := routing_header(headers)) is not None:
        raise fault("authorization", f"call '{function}': may not set the {routing} header")
    authorization = await authorization_header(endpoint, box)
    if authorization is not None:
        headers["Authorization"] = authorization

    from mcp.client.streamable_http import streamable_http_client

    client = httpx2.AsyncClient(
        headers=headers, timeout=DEFAULT_TIMEOUT, event_hooks={"request": [request_guard(function)]}
    )
    return streamable_http_client(url, http_client=client), client


def _stdio(function: str, stdio: dict[str, Any]) -> StdioServerParameters:
    from mcp.client.stdio import StdioServerParameters

    command = str(stdio.get("command"))
    arguments = [str(argument) for argument in stdio.get("arguments") or ()]
    if [command, *arguments] not in [shlex.split(entry) for entry in Settings.from_env().mcp_commands]:
        line = shlex.join([command, *arguments])
        raise fault(
            "authorization", f"call '{function}': '{line}' is not an MCP command line the operator allows"
        )
    environment = {str(key): str(value) for key, value in (stdio.get("environment") or {}).items()}
    for name in environment:
        if name.upper().startswith(LOADING_VARIABLES):
            raise fault("authorization", f"call '{function}': the environment may not set {name}")
    return StdioServerParameters(command=command, args=arguments, env=environment)


LOADING_VARIABLES = ("LD_", "DYLD_", "PATH", "PYTHON", "NODE_", "NPM_", "PERL", "RUBY", "JAVA_", "_JAVA_",
                     "JDK_", "BASH_", "ENV", "SHELLOPTS", "IFS", "PS4", "GIT_", "UV_", "PIP_")  # fmt: skip
"""Environment variables (by prefix) that change what a program loads or runs: an allowed command line with
``NODE_OPTIONS=--require ...`` or ``LD_PRELOAD`` would run the author's code instead."""


def _seconds(timeout: Any) -> float:
    """``timeout``: ISO 8601 (the compiler writes a duration object as one)."""
    return parse_duration(timeout).total_seconds() if isinstance(timeout, str) else DEFAULT_TIMEOUT
