"""Loopback stand-ins for the public services the 1.0 conformance kit calls (a pet store and an echo
service), so its network scenarios run offline: the test rewrites the endpoint hosts to this server."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import socket
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import uvicorn


def _pet(pet_id: int, status: str = "available") -> dict[str, Any]:
    return {"id": pet_id, "name": f"pet-{pet_id}", "status": status}


def _swagger(host: str) -> dict[str, Any]:
    """A two-operation Swagger 2 document pointing at this server."""
    return {
        "swagger": "2.0",
        "host": host,
        "basePath": "/v2",
        "schemes": ["http"],
        "paths": {
            "/pet/findByStatus": {
                "get": {
                    "operationId": "findPetsByStatus",
                    "parameters": [{"name": "status", "in": "query", "type": "string"}],
                }
            },
            "/pet/{petId}": {
                "get": {
                    "operationId": "getPetById",
                    "parameters": [{"name": "petId", "in": "path", "type": "integer"}],
                }
            },
        },
    }


class JsonHandler(BaseHTTPRequestHandler):
    """A quiet handler answering JSON."""

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _Handler(JsonHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        if parts.path == "/v2/swagger.json":
            self._send(200, _swagger(self.headers["host"]))
        elif parts.path == "/v2/pet/findByStatus":
            status = query.get("status", ["available"])[0]
            self._send(200, [_pet(1, status), _pet(2, status)])
        elif found := re.fullmatch(r"/v2/pet/(\d+)", parts.path):
            self._send(200, _pet(int(found[1])))
        elif parts.path == "/redirect-to":
            self.send_response(302)
            self.send_header("location", query["url"][0])
            self.send_header("content-length", "0")
            self.end_headers()
        elif found := re.fullmatch(r"/basic-auth/([^/]+)/([^/]+)", parts.path):
            expected = "Basic " + base64.b64encode(f"{found[1]}:{found[2]}".encode()).decode()
            ok = self.headers.get("authorization") == expected
            self._send(200 if ok else 401, {"authenticated": ok, "user": found[1]})
        else:
            self._send(404, {"code": 404, "message": "not found"})

    def do_POST(self) -> None:  # noqa: N802
        """``/anything``: echoes what it was sent (as an echo service does)."""
        parts = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        echoed = {
            "method": self.command,
            "args": {key: values[0] for key, values in parse_qs(parts.query).items()},
            "token": self.headers.get("x-token"),
            "json": json.loads(body) if body else None,
        }
        self._send(200 if parts.path == "/anything" else 404, echoed)


@contextmanager
def standin_server(handler: type[BaseHTTPRequestHandler] | None = None) -> Iterator[str]:
    """A running stand-in (or a test's own handler on a loopback port); yields its base URL
    (``http://127.0.0.1:<port>``)."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler or _Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@asynccontextmanager
async def asgi_server(make_app: Callable[[str], Any], *, lifespan: str = "auto") -> AsyncIterator[str]:
    """An ASGI app (made for its own base URL) served by uvicorn on a loopback port; yields that base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(make_app(base), lifespan=lifespan, log_level="warning"))
    task = asyncio.ensure_future(server.serve(sockets=[sock]))
    try:
        while not server.started:
            await asyncio.sleep(0.01)
        yield base
    finally:
        server.should_exit = True
        await task
        sock.close()


@contextmanager
def event_sink() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A loopback CloudEvents sink (structured mode): yields its URL and the list every POSTed event lands in."""
    received: list[dict[str, Any]] = []
    lock = threading.Lock()

    class Sink(JsonHandler):
        def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            with lock:
                received.append(json.loads(body))
            self._send(202, {})

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/events", received
    finally:
        httpd.shutdown()
        httpd.server_close()
