"""OAuth2 and OpenID Connect policies as ``httpx.Auth``: a token from the authority (through authlib's httpx
client), cached per worker until shortly before it expires, sent as a bearer token.

Grants a worker can run alone: ``client_credentials``, ``password`` and token exchange. ``authorization_code``
and ``refresh_token`` need a user or an earlier token, so they fault. The token request is an outbound call
like any other: the authority (and, for OIDC, its discovered token endpoint) must be an allowed origin.
authlib is imported at the first token request, not with every worker.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING, Any

import httpx

from swengine.activities.outbound import request_guard
from swengine.activities.secrets import fault

if TYPE_CHECKING:
    from authlib.integrations.httpx_client import AsyncOAuth2Client

TOKEN_PATH = "/oauth2/token"
DISCOVERY = "/.well-known/openid-configuration"
EARLY = 30.0
"""Seconds before its expiry a cached token is fetched again (a request must not carry a dying token)."""
DEFAULT_LIFETIME = 300.0
"""Lifetime of a token whose answer gives no ``expires_in``."""
GRANTS = ("client_credentials", "password", "urn:ietf:params:oauth:grant-type:token-exchange")
TIMEOUT = 30.0

_tokens: dict[str, tuple[str, float]] = {}
"""Per worker: policy fingerprint -> (access token, monotonic time it is fetched again)."""
_locks: dict[str, asyncio.Lock] = {}


class OAuth2Auth(httpx.Auth):
    def __init__(self, policy: dict[str, Any], *, discover: bool) -> None:
        self._policy = policy
        self._discover = discover

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        request.headers["Authorization"] = f"Bearer {await token_for(self._policy, self._discover)}"
        yield request


async def token_for(policy: dict[str, Any], discover: bool) -> str:
    """The policy's access token: the cached one while it lives, else a new one from the authority."""
    key = hashlib.sha256(json.dumps([policy, discover], sort_keys=True).encode()).hexdigest()
    async with _locks.setdefault(key, asyncio.Lock()):
        cached = _tokens.get(key)
        if cached is not None and time.monotonic() < cached[1]:
            return cached[0]
        token = await _fetch(policy, discover)
        lifetime = float(token.get("expires_in") or DEFAULT_LIFETIME)
        _tokens[key] = (str(token["access_token"]), time.monotonic() + max(lifetime - EARLY, 0.0))
        return _tokens[key][0]


async def _fetch(policy: dict[str, Any], discover: bool) -> dict[str, Any]:
    from authlib.integrations.httpx_client import AsyncOAuth2Client

    grant = str(policy.get("grant", ""))
    if grant not in GRANTS:
        raise fault(
            "authorization", f"OAuth2 grant '{grant}' needs a user; a worker runs {', '.join(GRANTS)}"
        )
    client = policy.get("client") or {}
    method = str(client.get("authentication") or "client_secret_post")
    hooks = {"request": [request_guard("authentication")]}
    async with AsyncOAuth2Client(
        client_id=client.get("id"),
        client_secret=client.get("secret"),
        token_endpoint_auth_method=method,
        scope=" ".join(policy.get("scopes") or ()) or None,
        timeout=TIMEOUT,
        event_hooks=hooks,
    ) as session:
        url = await _token_url(session, policy, discover)
        try:
            token = await session.fetch_token(url, grant_type=grant, **_grant_parameters(policy))
        except Exception as error:  # authlib raises its own errors and httpx's
            raise fault(
                "authorization", f"the token request to {url} failed: {type(error).__name__}"
            ) from None
    if "access_token" not in token:
        raise fault("authorization", f"the token answer of {url} has no access_token")
    return dict(token)


async def _token_url(session: AsyncOAuth2Client, policy: dict[str, Any], discover: bool) -> str:
    authority = str(policy.get("authority", "")).rstrip("/")
    if not discover:
        path = str((policy.get("endpoints") or {}).get("token") or TOKEN_PATH)
        return path if "://" in path else authority + "/" + path.lstrip("/")
    where = authority if authority.endswith(DISCOVERY) else authority + DISCOVERY
    answer = await session.request("GET", where, withhold_token=True)
    try:
        endpoint = answer.json().get("token_endpoint") if answer.status_code == 200 else None
    except (ValueError, AttributeError):
        endpoint = None
    if not isinstance(endpoint, str):
        raise fault("authorization", f"{where} names no token_endpoint")
    return endpoint


def _grant_parameters(policy: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if policy.get("audiences"):
        found["audience"] = " ".join(policy["audiences"])
    if policy.get("grant") == "password":
        found.update(username=policy.get("username"), password=policy.get("password"))
    for role in ("subject", "actor"):
        token = policy.get(role)
        if isinstance(token, dict):
            found.update({f"{role}_token": token.get("token"), f"{role}_token_type": token.get("type")})
    return found
