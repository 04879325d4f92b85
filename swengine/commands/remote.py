"""Talking to a running ``swengine serve``: its URL, the bearer token, and errors in words."""

from __future__ import annotations

import argparse
from typing import Any

import httpx

from swengine.core.errors import SwengineError
from swengine.core.settings import DEFAULT_SERVER, Settings

TIMEOUT_SECONDS = 30.0


def add_server_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--server",
        default=Settings.from_env().server,
        help=f"URL of a running `swengine serve` (default: $SWENGINE_SERVER or {DEFAULT_SERVER})",
    )


def auth_headers() -> dict[str, str]:
    """``Authorization: Bearer $SWENGINE_TOKEN`` when the variable is set."""
    token = Settings.from_env().token
    return {"authorization": f"Bearer {token}"} if token else {}


def server_client(server: str) -> httpx.Client:
    return httpx.Client(base_url=server.rstrip("/"), headers=auth_headers(), timeout=TIMEOUT_SECONDS)


def answer_json(response: httpx.Response) -> Any:
    """The JSON body of a successful answer; a failure becomes a SwengineError carrying the server's words."""
    if response.is_success:
        return response.json()
    raise SwengineError(
        f"{response.request.method} {response.request.url}: {describe_failure(response)}", code="server_error"
    )


def describe_failure(response: httpx.Response) -> str:
    """HTTP status plus the problem+json title/detail (or the body's start) the server sent."""
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}: {response.text[:300]}"
    if isinstance(body, dict):
        words = body.get("detail") or body.get("title") or body
        code = body.get("code")
        return f"HTTP {response.status_code}" + (f" {code}" if code else "") + f": {words}"
    return f"HTTP {response.status_code}: {body}"


def unreachable(server: str, error: httpx.HTTPError) -> SwengineError:
    return SwengineError(f"cannot reach {server}: {error}", code="server_unreachable")
