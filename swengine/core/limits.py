"""Payload limits: refuse data that would break Temporal's 2 MB payload limit with a clear, catchable error."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from swengine.core.errors import SwengineError
from swengine.core.json_size import text_size
from swengine.core.json_values import check_json_values
from swengine.core.settings import payload_limit_from_env

PAYLOAD_LIMIT = payload_limit_from_env()
"""Bytes of JSON allowed in one activity result, event or state's data: below Temporal's 2 MB payload limit,
so an oversized value fails its state instead of leaving the instance stuck retrying a task."""


class PayloadTooLarge(SwengineError):
    code = "payload_too_large"
    http_status = 413


def payload_size(value: Any) -> int:
    """Bytes of ``value`` as compact UTF-8 JSON."""
    return text_size(value)


def check_payload(
    value: Any, what: str, limit: int | None = None, measure: Callable[[Any], int] = payload_size
) -> None:
    """Raise ``PayloadTooLarge`` when ``value`` serialises to more than the limit (``measure``: its exact size,
    e.g. a :class:`swengine.core.json_size.JsonSizer` that remembers what it measured before)."""
    limit = PAYLOAD_LIMIT if limit is None else limit
    if value is None or isinstance(value, (bool, int, float)):
        return
    size = measure(value)
    if size > limit:
        raise PayloadTooLarge(f"{what} is {size} bytes of JSON, over the limit of {limit}")


START_REQUEST_LIMIT = 2 * 1024 * 1024 - 64 * 1024
"""Bytes of JSON in one start request (IR, bundled subflows, input): Temporal refuses a payload over 2 MiB,
and would answer the start with an error (a 502) instead of our 413."""

MAX_PENDING_EVENTS = 100
"""Most unconsumed events an instance buffers: past it the oldest is dropped (and reported in its status)."""
MAX_SEEN_KEYS = 10_000
MAX_SEEN_KEY_BYTES = 512 * 1024
"""The dedupe keys (source + id) a continue-as-new carries: the newest, at most this many and this many bytes.
Ten thousand keys of a few dozen bytes fit; keys of 2 KB each (sources and ids may be that long) would have
carried 20 MB, past Temporal's payload limit, and the instance could never continue."""
MAX_PENDING_BYTES = 1024 * 1024
"""Most bytes of unconsumed events an instance buffers (the newest event is always kept): events nobody
consumes must not grow what a continue-as-new carries past Temporal's payload limit."""

MAX_DEPTH = 100
"""Deepest nesting of objects and arrays accepted in workflow input and event data from outside. Deeper data
overflows the recursive code it meets (data merging inside the workflow, JSON responses), and an instance
would then retry its workflow task forever instead of failing."""


class NestingTooDeep(SwengineError):
    code = "nesting_too_deep"
    http_status = 400


def json_depth(value: Any) -> int:
    """How deeply objects and arrays nest in ``value`` (a scalar is 0), measured without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


def check_incoming(value: Any, what: str) -> None:
    """Data entering from outside (workflow input, event data): JSON, within the nesting and size limits."""
    if json_depth(value) > MAX_DEPTH:
        raise NestingTooDeep(f"{what} nests objects and arrays deeper than {MAX_DEPTH} levels")
    check_json_values(value, what)
    check_payload(value, what)
