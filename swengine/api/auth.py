"""Bearer tokens checked below FastAPI, before routing and before any body is read: every path but the
health checks and the console's page and assets (``/docs`` and ``/openapi.json`` included) needs one of ``SWENGINE_TOKENS`` when it is set."""

from __future__ import annotations

import hmac

from starlette.types import ASGIApp, Receive, Scope, Send

from swengine.api.problems import Unauthorized, send_problem

OPEN_PATHS = frozenset({"/healthz", "/readyz", "/ui", "/ui/"})
OPEN_PREFIXES = ("/ui/static/",)
"""The console's page and assets hold no data (it asks for the token and sends it with every API call)."""
CHALLENGE = (b"www-authenticate", b'Bearer realm="swengine"')


def token_problem(authorization: bytes | None, tokens: tuple[str, ...]) -> str | None:
    """Why ``authorization`` (the header's bytes) is refused, or None when it carries one of ``tokens`` (their
    UTF-8 bytes: a token need not be ASCII)."""
    scheme, _, given = (authorization or b"").strip().partition(b" ")
    if scheme.lower() != b"bearer" or not given.strip():
        return "this endpoint needs 'Authorization: Bearer <token>'"
    candidate = given.strip()
    # compare against every token, without stopping early, so timing says nothing about which one is close
    if not sum(hmac.compare_digest(candidate, token.encode()) for token in tokens):
        return "the bearer token is not valid"
    return None


class BearerAuth:
    """Pure ASGI middleware; with no tokens configured it is not installed at all."""

    def __init__(self, app: ASGIApp, *, tokens: tuple[str, ...]) -> None:
        self.app = app
        self.tokens = tokens

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path in OPEN_PATHS or path.startswith(OPEN_PREFIXES):
            await self.app(scope, receive, send)
            return
        header = dict(scope["headers"]).get(b"authorization")
        refused = token_problem(header, self.tokens)
        if refused is None:
            await self.app(scope, receive, send)
            return
        await send_problem(send, Unauthorized(refused), scope.get("path"), extra_headers=[CHALLENGE])
