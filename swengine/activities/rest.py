"""Engine activity for ``rest`` functions: find the OpenAPI operation, call it over HTTP.

A spec may only reach origins the operator allowed (``SWENGINE_REST_ALLOW``, see ``rest_allow``): the
document's URL and every request's final URL are checked, path parameters are percent-encoded, and redirects
are not followed. Anything else fails the action with the non-retryable error ``rest_not_allowed``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import httpx
import yaml
from temporalio import activity
from temporalio.exceptions import ApplicationError

from swengine.activities.answers import DOCUMENT_LIMIT, send_bounded
from swengine.activities.outbound import allowed_origins
from swengine.activities.plain_rest import call_plain, is_plain, read_response
from swengine.activities.rest_allow import PinnedTransport, routing_header, url_allowed
from swengine.core.ir import REST_ACTIVITY

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def _refuse(message: str, code: str = "rest_not_allowed") -> ApplicationError:
    return ApplicationError(message, type=code, non_retryable=True)


def find_operation(document: dict[str, Any], operation_id: str) -> tuple[str, str, dict[str, Any]]:
    """(method, path template, operation object) of ``operation_id`` in an OpenAPI document."""
    for path, item in (document.get("paths") or {}).items():
        for method in HTTP_METHODS:
            operation = (item or {}).get(method)
            if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                return method, path, operation
    raise _refuse(f"operation '{operation_id}' not found in the OpenAPI document", "rest_operation_not_found")


def build_request(
    base: str, method: str, path: str, operation: dict[str, Any], arguments: dict[str, Any]
) -> dict[str, Any]:
    """Split arguments into path, query and header parameters as the operation declares; the rest is the body."""
    remaining = dict(arguments)
    query: dict[str, Any] = {}
    headers: dict[str, str] = {}
    for parameter in operation.get("parameters") or []:
        name, where = parameter.get("name"), parameter.get("in")
        if name not in remaining:
            continue
        value = remaining.pop(name)
        if where == "path":
            # encoded whole: a value can never add a path segment, a query or another host
            path = path.replace("{" + name + "}", quote(str(value), safe=""))
        elif where == "query":
            query[name] = value
        elif where == "header":
            headers[name] = str(value)
    request: dict[str, Any] = {
        "method": method.upper(),
        "url": urljoin(base, path.lstrip("/")),
        "params": query,
    }
    if (routing := routing_header(headers)) is not None:
        raise _refuse(f"{method.upper()} {path}: may not set the {routing} header")
    request["headers"] = headers
    if remaining and method not in ("get", "delete", "head"):
        request["json"] = remaining
    return request


@activity.defn(name=REST_ACTIVITY)
async def invoke_rest(payload: dict[str, Any]) -> Any:
    """``payload``: ``{"function", "operation": "<openapi url>#<operationId>", "arguments"}``; an operation
    ``rest:METHOD:URL`` (SonataFlow's form, from its dialect) is one plain call."""
    if is_plain(str(payload.get("operation", ""))):
        return await call_plain(payload, allowed_origins())
    uri, _, operation_id = str(payload.get("operation", "")).partition("#")
    allowed = allowed_origins()
    if not url_allowed(uri, allowed):  # where a name points, the transport checks as it connects
        raise _refuse(
            f"function '{payload.get('function')}': {uri or 'operation'}: not an allowed REST origin"
        )
    parts = urlsplit(uri)
    async with httpx.AsyncClient(timeout=30, follow_redirects=False, transport=PinnedTransport()) as client:
        spec_response = await send_bounded(client, client.build_request("GET", uri), DOCUMENT_LIMIT)
        spec_response.raise_for_status()
        document = yaml.safe_load(spec_response.text)
        method, path, operation = find_operation(document, operation_id)
        servers = document.get("servers") or [{"url": f"{parts.scheme}://{parts.netloc}/"}]
        base = urljoin(uri, servers[0].get("url", "/"))
        arguments = payload.get("arguments") or {}
        request = build_request(base.rstrip("/") + "/", method, path, operation, arguments)
        prepared = client.build_request(**request)
        if not url_allowed(str(prepared.url), allowed):
            raise _refuse(f"{method.upper()} {prepared.url}: not an allowed REST origin")
        response = await send_bounded(client, prepared)
    return read_response(response, f"{method.upper()} {path}")
