"""Headers a browser heeds on every answer: no guessing content types, no framing by another site (the
console's buttons cancel and terminate instances), and for the console a content policy allowing only its own
script. The diagrams carry their own ``<style>``, so inline styles stay allowed; no inline script is."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

EVERY_ANSWER = ((b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"))
CONSOLE_POLICY = (
    b"default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:;"
    b" connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
CONSOLE_PREFIX = "/ui"


class SecurityHeaders:
    """ASGI middleware (not ``BaseHTTPMiddleware``: long polls and streams pass through untouched)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        console = str(scope.get("path", "")).startswith(CONSOLE_PREFIX)

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                given = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in EVERY_ANSWER if name not in given]
                if console:
                    headers.append((b"content-security-policy", CONSOLE_POLICY))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, sending)
