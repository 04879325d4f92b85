"""The one check of every call an activity makes to the outside (1.0 call kinds, token requests): its URL
must match the operator's allow-list (``SWENGINE_REST_ALLOW``: scheme, host and port), and a listed name must
not resolve to a loopback, link-local or metadata address (see ``rest_allow``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from swengine.activities.rest_allow import address_refusal, url_allowed
from swengine.activities.secrets import fault
from swengine.core.settings import Settings


def allowed_origins() -> tuple[str, ...]:
    return Settings.from_env().rest_allow


async def check_origin(url: str, caller: str) -> None:
    """Fault with ``authorization`` (403) when ``url`` may not be reached."""
    if not url_allowed(url, allowed_origins()):
        raise fault("authorization", f"call '{caller}': {url} is not an allowed origin")
    refusal = await address_refusal(url)
    if refusal is not None:
        raise fault("authorization", f"call '{caller}': {refusal}")


def request_guard(caller: str) -> Callable[[Any], Awaitable[None]]:
    """An httpx (or httpx2) request hook that checks every request a client sends, redirects included."""

    async def guard(request: Any) -> None:
        await check_origin(str(request.url), caller)

    return guard
