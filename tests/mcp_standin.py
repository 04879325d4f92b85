"""A loopback MCP server built with the official MCP SDK: over stdio when run as a script, over streamable
HTTP (behind a bearer-token check) for the 1.0 ``call: mcp`` tests."""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import MCPServer

TOKEN = "mcp-test-token"

server = MCPServer("standin")


@server.tool()
def add(a: int, b: int) -> int:
    """The sum of two integers."""
    return a + b


@server.prompt()
def greet(name: str) -> str:
    """A greeting for ``name``."""
    return f"Say hello to {name}."


@server.resource("note://today")
def today() -> str:
    """A fixed note."""
    return "nothing planned"


def guarded_app() -> Any:
    """The streamable HTTP app, answering 401 to a request without ``Authorization: Bearer TOKEN``."""
    app = server.streamable_http_app()

    async def guarded(scope: dict[str, Any], receive: Any, send: Any) -> None:
        headers = dict(scope.get("headers") or ())
        if scope["type"] == "http" and headers.get(b"authorization") != f"Bearer {TOKEN}".encode():
            await send({"type": "http.response.start", "status": 401, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        await app(scope, receive, send)

    return guarded


if __name__ == "__main__":
    server.run()
