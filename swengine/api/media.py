"""A JSON body sent with another content type is named as such (415), not as a schema mismatch: FastAPI
reads such a body as raw bytes and reports only that it is not an object, which never mentions the cause."""

from __future__ import annotations

from fastapi import Request
from fastapi.exceptions import RequestValidationError

from swengine.core.errors import SwengineError

JSON_MEDIA_TYPE = "application/json"


class UnsupportedMediaType(SwengineError):
    code = "unsupported_media_type"
    http_status = 415


def is_json(media_type: str) -> bool:
    """``application/json`` or any ``+json`` structured syntax suffix (RFC 6839)."""
    return media_type == JSON_MEDIA_TYPE or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


def media_type_error(request: Request, error: Exception) -> UnsupportedMediaType | None:
    """The 415 to answer instead of ``error``, when a body the route reads as JSON came as something else."""
    if not isinstance(error, RequestValidationError):
        return None
    if not any(tuple(item.get("loc", ()))[:1] == ("body",) for item in error.errors()):
        return None
    sent = request.headers.get("content-type")
    media_type = (sent or "").split(";", 1)[0].strip().lower()
    if is_json(media_type):
        return None
    described = f"was sent as '{media_type}'" if media_type else "has no content-type header"
    return UnsupportedMediaType(
        f"{request.method} {request.url.path} reads a JSON body (content-type: {JSON_MEDIA_TYPE}); the request "
        f"{described}",
        detail={"accepted": [JSON_MEDIA_TYPE], "received": media_type or None},
    )
