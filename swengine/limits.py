"""Payload limits: refuse data that would break Temporal's 2 MB payload limit with a clear, catchable error."""

from __future__ import annotations

import json
import os
from typing import Any

from swengine.errors import SwengineError

PAYLOAD_LIMIT = int(os.environ.get("SWENGINE_PAYLOAD_LIMIT", str(1_500_000)))
"""Bytes of JSON allowed in one activity result, event or state's data: below Temporal's 2 MB payload limit,
so an oversized value fails its state instead of leaving the instance stuck retrying a task."""


class PayloadTooLarge(SwengineError):
    code = "payload_too_large"
    http_status = 413


def payload_size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def check_payload(value: Any, what: str, limit: int | None = None) -> None:
    """Raise ``PayloadTooLarge`` when ``value`` serialises to more than the limit."""
    limit = PAYLOAD_LIMIT if limit is None else limit
    if value is None or isinstance(value, (bool, int, float)):
        return
    size = payload_size(value)
    if size > limit:
        raise PayloadTooLarge(f"{what} is {size} bytes of JSON, over the limit of {limit}")
