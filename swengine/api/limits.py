"""Request bodies under a size limit and a read deadline; a client that leaves mid-body costs one log line.

Pure ASGI middleware: ``Content-Length`` is checked up front and the bytes actually received are counted,
each read waits at most until the body's deadline, and a disconnect is noted. When any of these cuts the
body short, whatever the application answers (its body parser fails in its own way) is dropped and replaced
by our problem (413, 408), or by nothing when the client is gone: never a 500 with a traceback.
"""

from __future__ import annotations

import asyncio
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from swengine.api.problems import BodyTimeout, ClientGone, send_problem
from swengine.core.errors import SwengineError
from swengine.core.limits import PayloadTooLarge

log = logging.getLogger("swengine.api")


class BodyGuard:
    def __init__(self, app: ASGIApp, *, max_body: int, timeout: float) -> None:
        self.app = app
        self.max_body = max_body
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body):
            await send_problem(send, PayloadTooLarge(self._too_large()), scope.get("path"))
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        received = 0
        cut: SwengineError | None = None
        started = body_done = False

        async def guarded_receive() -> Message:
            nonlocal received, cut, body_done
            if cut is not None:
                raise cut
            if body_done or started:  # the body is in: waiting for a disconnect has no deadline
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), max(deadline - loop.time(), 0.001))
            except TimeoutError:
                cut = BodyTimeout(f"the request body did not arrive within {self.timeout:g} s")
                raise cut from None
            if message["type"] == "http.disconnect":
                cut = ClientGone("the client disconnected before its request was answered")
            elif message["type"] == "http.request":
                body_done = not message.get("more_body", False)
                received += len(message.get("body", b""))
                if received > self.max_body:
                    cut = PayloadTooLarge(self._too_large())
                    raise cut
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if cut is not None:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, guarded_receive, guarded_send)
        except Exception:
            if cut is None or started:
                raise
        if isinstance(cut, ClientGone):
            log.info("%s %s: the client disconnected before the answer", scope["method"], scope["path"])
        elif cut is not None and not started:
            await send_problem(send, cut, scope.get("path"))

    def _too_large(self) -> str:
        return f"the request body is larger than the limit of {self.max_body} bytes"
