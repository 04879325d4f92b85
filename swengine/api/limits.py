"""Request bodies larger than the configured limit are refused with 413, declared or streamed."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from swengine.api.problems import PROBLEM_MEDIA_TYPE, problem_bytes
from swengine.core.limits import PayloadTooLarge


class BodySizeLimit:
    """Pure ASGI middleware: checks ``Content-Length`` up front and counts the bytes actually received.

    When the count passes the limit mid-stream, whatever the application answers (its body parser fails in
    its own way) is dropped and replaced by our 413, so the client always sees the same problem.
    """

    def __init__(self, app: ASGIApp, *, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body):
            await self._refuse(scope, send)
            return
        received = 0
        exceeded = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    exceeded = True
                    raise PayloadTooLarge(self._detail())
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not exceeded or started:
                raise
        if exceeded and not started:
            await self._refuse(scope, send)

    def _detail(self) -> str:
        return f"the request body is larger than the limit of {self.max_body} bytes"

    async def _refuse(self, scope: Scope, send: Send) -> None:
        body = problem_bytes(413, PayloadTooLarge.code, self._detail(), instance=scope.get("path"))
        headers = [(b"content-type", PROBLEM_MEDIA_TYPE.encode()), (b"content-length", str(len(body)).encode()),
                   (b"connection", b"close")]  # fmt: skip
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})
