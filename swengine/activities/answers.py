"""Reading an answer from outside with a bound: at most so many bytes of its body (as decoded, so a small
compressed answer cannot expand past it either). A larger answer could never become a result, and read
whole it could exhaust the worker's memory first; it fails its call as an oversized result does."""

from __future__ import annotations

import httpx
from temporalio.exceptions import ApplicationError

from swengine.core.limits import PAYLOAD_LIMIT, PayloadTooLarge

DOCUMENT_LIMIT = 16 * 1024 * 1024
"""Bytes of a description fetched to make a call (an OpenAPI document, an agent card): larger than results."""
_REENCODED = frozenset({"content-encoding", "content-length", "transfer-encoding"})


async def send_bounded(
    client: httpx.AsyncClient,
    request: httpx.Request,
    limit: int = PAYLOAD_LIMIT,
    auth: httpx.Auth | None = None,
) -> httpx.Response:
    """``client.send(request)`` (with ``auth``, when given), its body read up to ``limit`` bytes; the response
    holds the decoded body."""
    response = await client.send(
        request, stream=True, auth=httpx.USE_CLIENT_DEFAULT if auth is None else auth
    )
    body = bytearray()
    try:
        async for chunk in response.aiter_bytes():
            body += chunk
            check_bound(len(body), limit, request)
    finally:
        await response.aclose()
    headers = [(key, value) for key, value in response.headers.multi_items() if key.lower() not in _REENCODED]
    return httpx.Response(
        response.status_code,
        headers=headers,
        content=bytes(body),
        request=request,
        extensions=response.extensions,
    )


def check_bound(size: int, limit: int, request: httpx.Request) -> None:
    """Fail the call once ``size`` bytes of ``request``'s answer are more than ``limit``."""
    if size > limit:
        message = f"{request.method} {request.url} answered more than {limit} bytes"
        raise ApplicationError(message, type=PayloadTooLarge.code, non_retryable=True)
