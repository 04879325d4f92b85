"""CloudEvents 1.0 coming in: validated (structured, batch or binary HTTP mode) and keyed for dedupe and routing.

Our validation decides, not the ``cloudevents`` SDK: both of its generations fill a missing ``id`` (and
``time``) with fresh values, and a generated id would defeat dedupe by (source, id).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote, unquote

from swengine.core.errors import EventError
from swengine.core.ir import EventDef
from swengine.core.json_values import unrepresentable
from swengine.core.limits import check_incoming
from swengine.core.matching import (
    MAX_CORRELATION_BYTES,
    correlation_value_fits,
    correlation_values,
    dedupe_key,
)
from swengine.core.settings import DEFAULT_MAX_BATCH

SPEC_VERSION = "1.0"
REQUIRED = ("specversion", "id", "source", "type")
DATA_MEMBERS = ("data", "data_base64")

STRUCTURED = "application/cloudevents+json"
BATCH = "application/cloudevents-batch+json"

EXTENSION_NAME = re.compile(r"[a-z0-9]{1,20}")
"""CloudEvents attribute names: lowercase ASCII letters and digits, at most 20 characters."""
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")
TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
MEDIA_TYPE = re.compile(rf"{TOKEN}/{TOKEN}\s*(;.*)?", re.DOTALL)
INT32 = (-(2**31), 2**31 - 1)
LONGEST_READABLE_ID = 200
CORRELATED_ID_TAIL = re.compile(r"correlation-[0-9a-f]{32}|[^/=&]+=[^/=&]*(&[^/=&]+=[^/=&]*)*")
"""What follows ``<definition id>/`` in a correlated start id (quoted names and values hold no ``/``, ``=``, ``&``)."""

__all__ = [
    "is_correlated_start_id",
    "parse_event",
    "parse_http",
    "start_instance_id",
]


# --- one structured event -------------------------------------------------------------------------------


def _non_empty_string(name: str, value: Any) -> None:
    if not isinstance(value, str) or not value:
        raise EventError(f"CloudEvent attribute '{name}' must be a non-empty string, got {value!r}")


def _check_specversion(name: str, value: Any) -> None:
    if value != SPEC_VERSION:
        raise EventError(f"CloudEvent attribute 'specversion' must be \"{SPEC_VERSION}\", got {value!r}")


def _check_time(name: str, value: Any) -> None:
    if not isinstance(value, str) or not RFC3339.fullmatch(value):
        raise EventError(f"CloudEvent attribute 'time' must be an RFC 3339 timestamp, got {value!r}")
    try:  # the pattern checks the shape; this checks the calendar (no month 13, no February 30)
        datetime.fromisoformat(value.upper())
    except ValueError:
        raise EventError(f"CloudEvent attribute 'time' is not a valid date and time: {value!r}") from None


def _check_media_type(name: str, value: Any) -> None:
    if not isinstance(value, str) or not MEDIA_TYPE.fullmatch(value):
        raise EventError(
            f"CloudEvent attribute 'datacontenttype' must be a media type (RFC 2046), got {value!r}"
        )


def _check_extension(name: str, value: Any) -> None:
    if not EXTENSION_NAME.fullmatch(name):
        raise EventError(
            f"CloudEvent extension attribute '{name}': names must be 1 to 20 lowercase letters or digits"
            + (f" (use '{name.lower()}')" if EXTENSION_NAME.fullmatch(name.lower()) else "")
        )
    if isinstance(value, bool) or isinstance(value, str):
        return
    if isinstance(value, int) and INT32[0] <= value <= INT32[1]:
        return
    raise EventError(
        f"CloudEvent extension attribute '{name}' must be a string, boolean or 32-bit integer, got {value!r}"
    )


ATTRIBUTE_CHECKS: dict[str, Callable[[str, Any], None]] = {
    "specversion": _check_specversion,
    "id": _non_empty_string,
    "source": _non_empty_string,
    "type": _non_empty_string,
    "subject": _non_empty_string,
    "dataschema": _non_empty_string,
    "datacontenttype": _check_media_type,
    "time": _check_time,
}
"""Context attributes with their checks; any other name is an extension attribute."""


def is_json_media_type(content_type: str | None) -> bool:
    """Absent means JSON (CloudEvents JSON format); otherwise ``application/json``, ``text/json`` or ``*+json``."""
    if content_type is None:
        return True
    media = content_type.split(";", 1)[0].strip().lower()
    return media in ("application/json", "text/json") or media.endswith("+json")


def _strict_json_loads(text: str | bytes) -> Any:
    def refuse(constant: str) -> Any:
        raise ValueError(f"{constant} is not JSON")

    try:
        return json.loads(text, parse_constant=refuse)
    except RecursionError:  # a body of 100 000 '[' would otherwise answer 500
        raise ValueError("it nests too deeply") from None


def _check_json(value: Any, what: str) -> None:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as err:
        raise EventError(f"CloudEvent {what} must be JSON: {err}") from None


def _decode_data(event: dict[str, Any]) -> None:
    """``data_base64`` becomes ``data`` when the content type is JSON; other binary data stays base64."""
    if "data" in event and "data_base64" in event:
        raise EventError("CloudEvent has both 'data' and 'data_base64': at most one is allowed")
    if "data_base64" not in event:
        _check_json(event.get("data"), "'data'")
        return
    encoded = event["data_base64"]
    try:
        raw = base64.b64decode(encoded, validate=True) if isinstance(encoded, str) else None
    except binascii.Error:
        raw = None
    if raw is None:
        raise EventError("CloudEvent 'data_base64' must be a base64 string")
    if not is_json_media_type(event.get("datacontenttype")):
        return
    try:
        event["data"] = _strict_json_loads(raw)
    except ValueError as err:
        raise EventError(
            f"CloudEvent 'data_base64' is declared JSON but does not decode to JSON: {err}"
        ) from None
    del event["data_base64"]


def parse_event(obj: Any) -> dict[str, Any]:
    """Validate a structured CloudEvent 1.0 and return a normalised copy; EventError names what is wrong."""
    if not isinstance(obj, Mapping):
        raise EventError(f"a CloudEvent must be a JSON object, got {type(obj).__name__}")
    event = {name: value for name, value in obj.items() if value is not None or name in REQUIRED}
    for name in REQUIRED:
        if name not in event:
            detail = (
                " (it is never generated: source + id is how a duplicate is recognised)"
                if name == "id"
                else ""
            )
            raise EventError(f"CloudEvent is missing the required attribute '{name}'{detail}")
    found = unrepresentable(event)
    if found is not None:
        raise EventError(f"CloudEvent '{'.'.join(map(str, found[0]))}' must be JSON: {found[1]}")
    for name, value in event.items():
        if name not in DATA_MEMBERS:
            ATTRIBUTE_CHECKS.get(name, _check_extension)(name, value)
            if isinstance(value, str) and not correlation_value_fits(value):  # any may be a correlation
                raise EventError(f"CloudEvent attribute '{name}' is over {MAX_CORRELATION_BYTES} bytes")
    _decode_data(event)
    check_incoming(event.get("data", event.get("data_base64")), f"the data of CloudEvent '{event['id']}'")
    return event


# --- HTTP content modes ---------------------------------------------------------------------------------


def _json_body(body: bytes, what: str) -> Any:
    try:
        return _strict_json_loads(body)
    except (ValueError, UnicodeDecodeError) as err:
        raise EventError(f"{what}: the body is not valid JSON ({err})") from None


class BatchTooLarge(EventError):
    code = "batch_too_large"
    http_status = 413


def _structured(headers: Mapping[str, str], body: bytes, max_events: int) -> list[dict[str, Any]]:
    return [parse_event(_json_body(body, "structured CloudEvent"))]


def _batch(headers: Mapping[str, str], body: bytes, max_events: int) -> list[dict[str, Any]]:
    items = _json_body(body, "CloudEvents batch")
    if not isinstance(items, list):
        raise EventError("a CloudEvents batch must be a JSON array of events")
    if len(items) > max_events:  # each event is routed in turn: a bounded batch is a bounded request
        raise BatchTooLarge(f"a batch holds at most {max_events} events, this one {len(items)}: split it")
    events = []
    for index, item in enumerate(items):
        try:
            events.append(parse_event(item))
        except EventError as err:
            raise EventError(f"batch event [{index}]: {err.message}") from None
    return events


def _charset(content_type: str) -> str:
    for parameter in content_type.split(";")[1:]:
        key, _, value = parameter.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip('"')
    return "utf-8"


def _binary_data(content_type: str | None, body: bytes) -> dict[str, Any]:
    """The body as ``data``: JSON when declared JSON, text when it decodes, else ``data_base64``."""
    if content_type is None or is_json_media_type(content_type):
        return {"data": _json_body(body, f"binary CloudEvent with content-type {content_type or '(none)'}")}
    try:
        return {"data": body.decode(_charset(content_type))}
    except (UnicodeDecodeError, LookupError):
        return {"data_base64": base64.b64encode(body).decode("ascii")}


def _binary(headers: Mapping[str, str], body: bytes, max_events: int = 1) -> list[dict[str, Any]]:
    """Binary mode: attributes in percent-encoded ``ce-`` headers, the content type and the data in the body."""
    attributes: dict[str, Any] = {}
    for name, value in headers.items():
        if name.startswith("ce-"):
            attribute = name[3:]
            if attribute in DATA_MEMBERS:
                raise EventError(f"header '{name}' is not allowed: event data travels in the body")
            attributes[attribute] = unquote(value)
    content_type = headers.get("content-type")
    if content_type is not None:
        attributes["datacontenttype"] = content_type
    if body:
        attributes.update(_binary_data(content_type, body))
    return [parse_event(attributes)]


HTTP_MODES: dict[str, Callable[[Mapping[str, str], bytes, int], list[dict[str, Any]]]] = {
    STRUCTURED: _structured,
    BATCH: _batch,
}


def parse_http(
    headers: Mapping[str, str], body: bytes, *, max_events: int = DEFAULT_MAX_BATCH
) -> list[dict[str, Any]]:
    """The CloudEvents of one HTTP request: structured, batch, or binary (``ce-specversion`` header) mode;
    a batch of more than ``max_events`` is refused (413 ``batch_too_large``)."""
    lowered = {name.lower(): value for name, value in headers.items()}
    content_type = lowered.get("content-type")
    media = content_type.split(";", 1)[0].strip().lower() if content_type else ""
    mode = HTTP_MODES.get(media)
    if mode is not None:
        return mode(lowered, body, max_events)
    if media.startswith("application/cloudevents"):
        raise EventError(f"unsupported CloudEvents format '{media}': use {STRUCTURED} or {BATCH}")
    if "ce-specversion" in lowered:
        return _binary(lowered, body)
    raise EventError(
        f"not a CloudEvent: content-type '{content_type or '(none)'}' is neither {STRUCTURED} nor {BATCH}, "
        "and there is no ce-specversion header (binary mode)"
    )


# --- keys for matching, correlation and starts ----------------------------------------------------------


def is_correlated_start_id(definition_id: str, instance_id: str) -> bool:
    """Whether ``instance_id`` has the shape ``start_instance_id`` gives correlated starts of this definition."""
    prefix = definition_id + "/"
    return (
        instance_id.startswith(prefix)
        and CORRELATED_ID_TAIL.fullmatch(instance_id[len(prefix) :]) is not None
    )


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def start_instance_id(definition_id: str, event: Mapping[str, Any], event_def: EventDef) -> str:
    """The workflow id an event starts: from its correlation values, else from its source + id.

    The same values always give the same id, so a duplicate (or a second correlated event) reaches the
    instance the first one started instead of starting another.
    """
    values = correlation_values(event, event_def)
    if values is None:
        raise EventError(f"event lacks the correlation attributes of event definition '{event_def.name}'")
    if not values:
        return f"{definition_id}/event-{_digest(dedupe_key(event))}"
    basis = "&".join(
        f"{quote(name, safe='')}={quote(value, safe='')}" for name, value in sorted(values.items())
    )
    if len(definition_id) + len(basis) > LONGEST_READABLE_ID:
        basis = f"correlation-{_digest(basis)}"
    return f"{definition_id}/{basis}"
