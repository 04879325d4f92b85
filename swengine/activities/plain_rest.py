"""SonataFlow's ``rest:METHOD:URL`` functions: one HTTP call, no OpenAPI document (``RestTypeHandler``).

``rest:post:http://host/orders/{id}`` (``rest:/path`` is a GET): ``{name}`` placeholders take (URL-encoded)
arguments of that name, ``HEADER_x`` and ``QUERY_x`` arguments become header and query ``x``; POST and PUT
send the remaining arguments as the JSON body. A relative URL is resolved against ``SWENGINE_REST_BASE``. As
for every rest function, only hosts the operator allowed (``SWENGINE_REST_ALLOW``) are reached; a status of
400 or more fails the action with that status as the error code (``"404"``), as SonataFlow does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import httpx
from temporalio.exceptions import ApplicationError

from swengine.activities.answers import send_bounded
from swengine.activities.rest_allow import PinnedTransport, routing_header, url_allowed
from swengine.core.settings import Settings

PREFIX = "rest:"
BODY_METHODS = ("post", "put")
_PLACEHOLDER = re.compile(r"\{([^}]+)\}")


def is_plain(operation: str) -> bool:
    return operation.startswith(PREFIX)


def split_operation(operation: str) -> tuple[str, str]:
    """(method, url) of ``rest:METHOD:URL``; no method (``rest:/path``) is a GET."""
    target = operation.removeprefix(PREFIX)
    method, separator, url = target.partition(":")
    if not separator or method.lower() in ("http", "https") or not method.isalpha():
        return "get", target
    return method.lower(), url


def build_plain_request(operation: str, arguments: Any, base: str | None) -> dict[str, Any]:
    method, url = split_operation(operation)
    remaining = dict(arguments) if isinstance(arguments, dict) else {}

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in remaining:
            raise ApplicationError(
                f"{operation}: missing parameter {name!r}", type="rest_bad_request", non_retryable=True
            )
        return quote(str(remaining.pop(name)), safe="")

    url = _PLACEHOLDER.sub(fill, url)
    if not urlsplit(url).scheme:
        if not base:
            message = f"{operation}: a relative URL needs SWENGINE_REST_BASE"
            raise ApplicationError(message, type="rest_not_allowed", non_retryable=True)
        url = urljoin(base.rstrip("/") + "/", url.lstrip("/"))
    headers = {
        k.removeprefix("HEADER_"): str(remaining.pop(k)) for k in list(remaining) if k.startswith("HEADER_")
    }
    if (routing := routing_header(headers)) is not None:
        raise ApplicationError(
            f"{operation}: may not set the {routing} header", type="rest_not_allowed", non_retryable=True
        )
    query = {k.removeprefix("QUERY_"): remaining.pop(k) for k in list(remaining) if k.startswith("QUERY_")}
    request: dict[str, Any] = {"method": method.upper(), "url": url, "params": query, "headers": headers}
    if method in BODY_METHODS:
        request["json"] = remaining if isinstance(arguments, dict) else arguments
    return request


async def call_plain(payload: dict[str, Any], allowed: Iterable[str]) -> Any:
    request = build_plain_request(
        str(payload["operation"]), payload.get("arguments"), Settings.from_env().rest_base
    )
    async with httpx.AsyncClient(timeout=30, transport=PinnedTransport()) as client:
        prepared = client.build_request(**request)
        if not url_allowed(str(prepared.url), allowed):  # where a name points, the transport checks
            message = f"function '{payload.get('function')}': {prepared.url}: not an allowed REST origin"
            raise ApplicationError(message, type="rest_not_allowed", non_retryable=True)
        response = await send_bounded(client, prepared)
    return read_response(response, f"{request['method']} {request['url']}")


def read_response(response: httpx.Response, what: str) -> Any:
    """The JSON (or text) of a response; a status of 400 or more fails with the status as the error type, and
    a redirect is refused (never followed: its target was not checked against the allow-list)."""
    if response.is_redirect:
        raise ApplicationError(
            f"{what} answered a redirect ({response.status_code}): not followed",
            type="rest_not_allowed",
            non_retryable=True,
        )
    if response.status_code >= 400:
        raise ApplicationError(
            f"{what} answered {response.status_code}",
            type=str(response.status_code),
            non_retryable=response.status_code < 500,
        )
    return response_content(response)


def response_content(response: httpx.Response) -> Any:
    """The body as JSON when it parses, else as text; None when empty."""
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return response.text
