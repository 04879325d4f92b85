"""RFC 9457 problem details: every error the API answers, mapped from our error classes in one place."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.types import Send
from temporalio.service import RPCError, RPCStatusCode

from swengine.api.media import media_type_error
from swengine.core.errors import DocumentError, SwengineError, Unavailable

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE = "urn:swengine:problem:{code}"
"""The ``type`` member: one URI per stable code (a URN: there is no documentation page to dereference)."""
RESERVED = frozenset({"type", "title", "status", "detail", "instance", "code"})

log = logging.getLogger("swengine.api")


class Unauthorized(SwengineError):
    code = "unauthorized"
    http_status = 401


class NotReady(Unavailable):
    code = "not_ready"


class BodyTimeout(SwengineError):
    code, http_status = "request_timeout", 408


class ClientGone(SwengineError):
    code, http_status = "client_disconnected", 400


HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
}
"""Codes for the errors Starlette raises itself (unknown route, wrong method, unparsable form)."""


def problem_body(
    status: int,
    code: str,
    detail: str,
    *,
    instance: str | None = None,
    extensions: dict[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE.format(code=code),
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if instance is not None:
        body["instance"] = instance
    for key, value in (extensions or {}).items():
        if key not in RESERVED and value is not None:
            body[key] = value
    return body


def problem_bytes(status: int, code: str, detail: str, instance: str | None = None) -> bytes:
    """For the places that answer below FastAPI (the body guard, authentication): rendered as JSONResponse
    renders every other problem, so no client can tell the two apart."""
    body = problem_body(status, code, detail, instance=instance)
    return json.dumps(body, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


async def send_problem(
    send: Send, error: SwengineError, instance: str | None, extra_headers: Sequence[tuple[bytes, bytes]] = ()
) -> None:
    """Answer ``error`` as a problem straight on the ASGI channel, closing the connection (the request's
    body may be unread)."""
    body = problem_bytes(error.http_status, error.code, error.message, instance=instance)
    headers = [(b"content-type", PROBLEM_MEDIA_TYPE.encode()), (b"content-length", str(len(body)).encode()),
               (b"connection", b"close"), *extra_headers]  # fmt: skip
    await send({"type": "http.response.start", "status": error.http_status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _extensions(error: SwengineError) -> dict[str, Any]:
    if isinstance(error, DocumentError):
        return {"problems": [problem.to_dict() for problem in error.problems]}
    if isinstance(error.detail, dict):
        return dict(error.detail)
    if isinstance(error.detail, list):
        return {"errors": error.detail}
    return {}


def _request_errors(error: RequestValidationError) -> list[dict[str, Any]]:
    """FastAPI's errors without their echoed input (it can be large, or not JSON at all)."""
    return [
        {"location": ".".join(str(part) for part in item.get("loc", ())), "message": item.get("msg"),
         "type": item.get("type")}
        for item in error.errors()
    ]  # fmt: skip


def describe(error: Exception) -> tuple[int, str, str, dict[str, Any], dict[str, str]]:
    """(status, code, detail, extension members, headers) for any exception: the one error-to-HTTP table."""
    if isinstance(error, SwengineError):
        headers = {"WWW-Authenticate": 'Bearer realm="swengine"'} if error.http_status == 401 else {}
        return error.http_status, error.code, error.message, _extensions(error), headers
    if isinstance(error, ClientDisconnect):  # nobody to answer: a 4xx keeps it out of the error log
        return 400, "client_disconnected", "the client disconnected mid-request", {}, {}
    if isinstance(error, RequestValidationError):
        errors = _request_errors(error)
        if errors and all(item["type"] == "json_invalid" for item in errors):
            return 400, "malformed_json", "the request body is not valid JSON", {"errors": errors}, {}
        return 422, "invalid_request", "the request does not match the API's schema", {"errors": errors}, {}
    if isinstance(error, HTTPException):
        code = HTTP_CODES.get(error.status_code, "http_error")
        return error.status_code, code, str(error.detail), {}, dict(error.headers or {})
    if isinstance(error, RPCError):
        unavailable = error.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED)
        if unavailable:
            return 503, "temporal_unavailable", f"Temporal is not reachable: {error.message}", {}, {}
        return 502, "temporal_error", f"Temporal refused the request: {error.message}", {}, {}
    return 500, "internal_error", "unexpected error; the server log has the details", {}, {}


def problem_response(request: Request, error: Exception) -> JSONResponse:
    error = media_type_error(request, error) or error
    status, code, detail, extensions, headers = describe(error)
    if status >= 500:
        log.error("%s %s failed: %s", request.method, request.url.path, code, exc_info=error)
    body = problem_body(status, code, detail, instance=request.url.path, extensions=extensions)
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


async def handle_error(request: Request, error: Exception) -> JSONResponse:
    return problem_response(request, error)


def install_problem_handlers(app: FastAPI) -> None:
    """Route every error through ``describe``; ``Exception`` covers the unexpected ones (answered as 500)."""
    for kind in (SwengineError, RequestValidationError, HTTPException, RPCError, Exception):
        app.add_exception_handler(kind, handle_error)
