"""1.0 authentication policies as ``httpx.Auth``: one builder per scheme, picked from ``SCHEMES``.

A scheme given as ``{use: <secret>}`` takes its properties from that secret (``basic: {use: creds}``).
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable, Generator
from typing import Any

import httpx

from swengine.activities.oauth2 import OAuth2Auth, token_for
from swengine.activities.secrets import SecretBox, fault


class BearerAuth(httpx.Auth):
    """``Authorization: Bearer <token>`` on every request."""

    def __init__(self, token: str) -> None:
        self._header = f"Bearer {token}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header
        yield request


def _basic(properties: dict[str, Any], box: SecretBox) -> httpx.Auth:
    return httpx.BasicAuth(str(properties.get("username", "")), str(properties.get("password", "")))


def _digest(properties: dict[str, Any], box: SecretBox) -> httpx.Auth:
    return httpx.DigestAuth(str(properties.get("username", "")), str(properties.get("password", "")))


def _bearer(properties: dict[str, Any], box: SecretBox) -> httpx.Auth:
    return BearerAuth(str(properties.get("token", "")))


def _oauth2(properties: dict[str, Any], box: SecretBox) -> httpx.Auth:
    return OAuth2Auth(properties, discover=False)


def _oidc(properties: dict[str, Any], box: SecretBox) -> httpx.Auth:
    return OAuth2Auth(properties, discover=True)


SCHEMES: dict[str, Callable[[dict[str, Any], SecretBox], httpx.Auth]] = {
    "basic": _basic,
    "bearer": _bearer,
    "digest": _digest,
    "oauth2": _oauth2,
    "oidc": _oidc,
}


def auth_for(endpoint: Any, box: SecretBox) -> httpx.Auth | None:
    """The endpoint's ``authentication`` (already resolved from ``use.authentications``), or None."""
    policy = endpoint.get("authentication") if isinstance(endpoint, dict) else None
    if not isinstance(policy, dict):
        return None
    for scheme, build in SCHEMES.items():
        properties = policy.get(scheme)
        if isinstance(properties, dict):
            if isinstance(properties.get("use"), str):
                properties = _from_secret(properties["use"], box)
            return build(properties, box)
    raise fault("runtime", f"authentication {sorted(policy)} is not one swengine runs")


def _from_secret(name: str, box: SecretBox) -> dict[str, Any]:
    value = box.value(name)
    if not isinstance(value, dict):
        raise fault("authorization", f"secret '{name}' is not an object of the scheme's properties")
    return value


async def authorization_header(endpoint: Any, box: SecretBox) -> str | None:
    """The ``Authorization`` value of an endpoint's policy, for clients that take headers, not an
    ``httpx.Auth`` (the MCP SDK's): digest needs a challenge, so it faults."""
    policy = endpoint.get("authentication") if isinstance(endpoint, dict) else None
    if not isinstance(policy, dict):
        return None
    for scheme in ("basic", "bearer", "oauth2", "oidc"):
        properties = policy.get(scheme)
        if isinstance(properties, dict):
            if isinstance(properties.get("use"), str):
                properties = _from_secret(properties["use"], box)
            return await HEADERS[scheme](properties)
    raise fault("runtime", f"authentication {sorted(policy)} cannot be sent as a header")


async def _basic_header(properties: dict[str, Any]) -> str:
    pair = f"{properties.get('username', '')}:{properties.get('password', '')}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


async def _bearer_header(properties: dict[str, Any]) -> str:
    return f"Bearer {properties.get('token', '')}"


async def _oauth2_header(properties: dict[str, Any]) -> str:
    return f"Bearer {await token_for(properties, discover=False)}"


async def _oidc_header(properties: dict[str, Any]) -> str:
    return f"Bearer {await token_for(properties, discover=True)}"


HEADERS: dict[str, Callable[[dict[str, Any]], Awaitable[str]]] = {
    "basic": _basic_header,
    "bearer": _bearer_header,
    "oauth2": _oauth2_header,
    "oidc": _oidc_header,
}
