"""Engine activity for 1.0 ``call: http`` and ``call: openapi``: one HTTP request to an operator-allowed host,
its answer shaped by ``output`` (``content``, ``response`` or ``raw``).

The hosts are those ``rest`` functions may reach (``SWENGINE_REST_ALLOW``). A refused host fails with an
``authorization`` error, an HTTP error status (and a redirect unless ``redirect: true``) with a
``communication`` error carrying that status; both as RFC 7807 objects in the ApplicationError's details.
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import yaml
from temporalio import activity

from swengine.activities.answers import DOCUMENT_LIMIT, send_bounded
from swengine.activities.authentication import auth_for
from swengine.activities.outbound import check_origin, request_guard
from swengine.activities.plain_rest import response_content
from swengine.activities.rest import build_request, find_operation
from swengine.activities.rest_allow import PinnedTransport, routing_header
from swengine.activities.secrets import CONCEALED, SecretBox, fault, with_secrets
from swengine.core.ir_tasks import HTTP_ACTIVITY

TIMEOUT = 30.0
CREDENTIALS = frozenset({"authorization", "proxy-authorization", "cookie"})


def _uri(endpoint: Any) -> str:
    return str(endpoint.get("uri") if isinstance(endpoint, dict) else endpoint)


def _headers(headers: Any) -> dict[str, str]:
    given = {str(key): str(value) for key, value in headers.items()} if isinstance(headers, dict) else {}
    if (routing := routing_header(given)) is not None:
        raise fault("authorization", f"a call may not set the {routing} header")
    return given


Call = tuple[httpx.Request, httpx.Auth | None]
"""A request and the credentials it, and only it, is sent with."""


async def _http_request(
    client: httpx.AsyncClient, arguments: dict[str, Any], function: str, box: SecretBox
) -> Call:
    endpoint = arguments.get("endpoint")
    url = _uri(endpoint)
    await check_origin(url, function)
    body = arguments.get("body")
    request = client.build_request(
        str(arguments.get("method", "get")).upper(),
        url,
        params=arguments.get("query") if isinstance(arguments.get("query"), dict) else None,
        headers=_headers(arguments.get("headers")),
        json=body if body is not None else None,
    )
    return request, auth_for(endpoint, box)


async def _openapi_request(
    client: httpx.AsyncClient, arguments: dict[str, Any], function: str, box: SecretBox
) -> Call:
    """The document is fetched with its endpoint's credentials, the operation called with ``authentication``'s:
    the document's host and the API's may differ, and neither should see the other's secrets."""
    endpoint = (arguments.get("document") or {}).get("endpoint")
    uri = _uri(endpoint)
    await check_origin(uri, function)
    fetch = client.build_request("GET", uri)
    answer = await send_bounded(client, fetch, DOCUMENT_LIMIT, auth=auth_for(endpoint, box))
    if answer.status_code >= 400:
        raise fault("communication", f"the OpenAPI document {uri} answered {answer.status_code}")
    document = yaml.safe_load(answer.text)
    method, path, operation = find_operation(document, str(arguments.get("operationId")))
    base = _server_of(document, uri)
    await check_origin(base, function)
    request = build_request(base, method, path, operation, dict(arguments.get("parameters") or {}))
    return client.build_request(**request), auth_for({"authentication": arguments.get("authentication")}, box)


def _server_of(document: dict[str, Any], uri: str) -> str:
    """OpenAPI 3 ``servers``, Swagger 2 ``host``/``basePath``, else the document's own origin."""
    parts = urlsplit(uri)
    if document.get("servers"):
        return urljoin(uri, document["servers"][0].get("url", "/")).rstrip("/") + "/"
    scheme = (document.get("schemes") or [parts.scheme])[0]
    if document.get("host"):
        return f"{scheme}://{document['host']}{document.get('basePath', '')}".rstrip("/") + "/"
    return f"{parts.scheme}://{parts.netloc}/"


def _shape(response: httpx.Response, output: str) -> Any:
    if output == "raw":
        return base64.b64encode(response.content).decode()
    if output == "response":
        request = response.request
        return {
            "request": {
                "method": request.method,
                "uri": str(request.url),
                "headers": _shown(request.headers),
            },
            "statusCode": response.status_code,
            "headers": dict(response.headers),
            "content": response_content(response),
        }
    return response_content(response)


def _shown(headers: httpx.Headers) -> dict[str, str]:
    """Request headers as the output shows them: credentials never enter workflow data."""
    return {key: CONCEALED if key.lower() in CREDENTIALS else value for key, value in headers.items()}


BUILDERS = {"http": _http_request, "openapi": _openapi_request}


@activity.defn(name=HTTP_ACTIVITY)
async def invoke_http(payload: dict[str, Any]) -> Any:
    """``payload``: ``{"function": task name, "protocol": "http"|"openapi", "arguments": the task's with}``
    and, when the workflow declares secrets, the run's grant to them."""
    return await with_secrets(payload, _invoke)


async def _invoke(payload: dict[str, Any], box: SecretBox) -> Any:
    function = str(payload.get("function"))
    arguments = payload.get("arguments") or {}
    redirect = bool(arguments.get("redirect", False))
    hooks = {"request": [request_guard(function)]}
    async with httpx.AsyncClient(
        timeout=TIMEOUT, follow_redirects=redirect, event_hooks=hooks, transport=PinnedTransport()
    ) as client:
        request, auth = await BUILDERS[str(payload.get("protocol", "http"))](client, arguments, function, box)
        try:
            response = await send_bounded(client, request, auth=auth)
        except httpx.HTTPError as err:
            raise fault(
                "communication", f"call '{function}': {type(err).__name__}", detail=str(err)
            ) from None
    if response.status_code >= 400 or (300 <= response.status_code < 400 and not redirect):
        title = f"{request.method} {request.url} answered {response.status_code}"
        raise fault("communication", title, status=response.status_code, detail=response.text[:1000] or None)
    return _shape(response, str(arguments.get("output", "content")))
