"""Engine activity for ``rest`` functions: find the OpenAPI operation, call it over HTTP.

A spec may only reach hosts the operator allowed (``SWENGINE_REST_ALLOW``, comma-separated host names);
anything else fails the action with the non-retryable error ``rest_not_allowed``.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import yaml
from temporalio import activity
from temporalio.exceptions import ApplicationError

from swengine.core.ir import REST_ACTIVITY

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def allowed_hosts() -> set[str]:
    return {h.strip() for h in os.environ.get("SWENGINE_REST_ALLOW", "").split(",") if h.strip()}


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
            path = path.replace("{" + name + "}", str(value))
        elif where == "query":
            query[name] = value
        elif where == "header":
            headers[name] = str(value)
    request: dict[str, Any] = {
        "method": method.upper(),
        "url": urljoin(base, path.lstrip("/")),
        "params": query,
    }
    request["headers"] = headers
    if remaining and method not in ("get", "delete", "head"):
        request["json"] = remaining
    return request


@activity.defn(name=REST_ACTIVITY)
async def invoke_rest(payload: dict[str, Any]) -> Any:
    """``payload``: ``{"function", "operation": "<openapi url>#<operationId>", "arguments"}``."""
    uri, _, operation_id = str(payload.get("operation", "")).partition("#")
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or parts.hostname not in allowed_hosts():
        raise _refuse(
            f"function '{payload.get('function')}': {uri or 'operation'} is not an allowed REST host"
        )
    async with httpx.AsyncClient(timeout=30) as client:
        spec_response = await client.get(uri)
        spec_response.raise_for_status()
        document = yaml.safe_load(spec_response.text)
        method, path, operation = find_operation(document, operation_id)
        servers = document.get("servers") or [{"url": f"{parts.scheme}://{parts.netloc}/"}]
        base = urljoin(uri, servers[0].get("url", "/"))
        if urlsplit(base).hostname not in allowed_hosts():
            raise _refuse(f"server {base} is not an allowed REST host")
        arguments = payload.get("arguments") or {}
        response = await client.request(
            **build_request(base.rstrip("/") + "/", method, path, operation, arguments)
        )
    if response.status_code >= 400:
        raise ApplicationError(
            f"{method.upper()} {path} answered {response.status_code}",
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
