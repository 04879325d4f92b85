"""Encodings and digests: base64, hashes of canonical JSON, JSON text to and from values."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any

from temporalio import activity

from builtin_activities.arguments import (
    MAX_TEXT_BYTES,
    arguments_object,
    json_type,
    refuse,
    require_bool,
    require_choice,
    require_depth,
    require_str,
    require_text_size,
)

HASH_ALGORITHMS = ("sha256", "sha1", "md5", "sha512")
_MAX_INDENT = 8


@activity.defn(name="builtin.base64_encode")
async def base64_encode(arguments: Any) -> dict[str, str]:
    """data: text, encoded as UTF-8 then base64; urlsafe?: bool (default false) for the - _ alphabet."""
    args = arguments_object("base64_encode", arguments, required={"data": "a string"}, optional=("urlsafe",))
    text = require_str("base64_encode", args, "data")
    # base64 grows data by 4/3: bound the input so the output stays within the text limit
    raw = require_text_size("base64_encode", "argument 'data'", text, limit=MAX_TEXT_BYTES // 4 * 3)
    encoded = base64.urlsafe_b64encode(raw) if _urlsafe("base64_encode", args) else base64.b64encode(raw)
    return {"data": encoded.decode("ascii")}


@activity.defn(name="builtin.base64_decode")
async def base64_decode(arguments: Any) -> dict[str, str]:
    """data: base64 text (padding optional, whitespace ignored) decoding to UTF-8 text; urlsafe?: bool."""
    args = arguments_object(
        "base64_decode", arguments, required={"data": "a base64 string"}, optional=("urlsafe",)
    )
    text = require_str("base64_decode", args, "data")
    require_text_size("base64_decode", "argument 'data'", text)
    compact = "".join(text.split()).rstrip("=")
    if len(compact) % 4 == 1:
        refuse("base64_decode", "argument 'data' is not valid base64: its length is impossible for base64")
    padded = compact + "=" * (-len(compact) % 4)
    altchars = b"-_" if _urlsafe("base64_decode", args) else None
    try:
        raw = base64.b64decode(padded.encode("ascii"), altchars=altchars, validate=True)
    except (UnicodeEncodeError, binascii.Error) as exc:
        refuse("base64_decode", f"argument 'data' is not valid base64 ({exc})")
    try:
        return {"data": raw.decode("utf-8")}
    except UnicodeDecodeError:
        refuse(
            "base64_decode", "argument 'data' decodes to bytes that are not UTF-8 text; only text is returned"
        )


@activity.defn(name="builtin.hash")
async def hash_data(arguments: Any) -> dict[str, str]:
    """data: any JSON (strings hashed as UTF-8, others as canonical JSON); algorithm?: sha256|sha1|md5|sha512."""
    args = arguments_object("hash", arguments, required={"data": "any JSON value"}, optional=("algorithm",))
    algorithm = require_choice("hash", args, "algorithm", HASH_ALGORITHMS, default="sha256")
    data = args["data"]
    if isinstance(data, str):
        raw = require_text_size("hash", "argument 'data'", data, limit=4 * MAX_TEXT_BYTES)
    else:
        raw = canonical_json("hash", data).encode("utf-8")
    # usedforsecurity=False keeps md5/sha1 available on FIPS builds; these are checksums, not signatures
    return {"hash": hashlib.new(algorithm, raw, usedforsecurity=False).hexdigest()}


def canonical_json(verb: str, value: Any) -> str:
    """One stable text per JSON value: sorted keys, no whitespace, UTF-8 rather than \\u escapes."""
    require_depth(verb, "data", value)
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except ValueError:
        refuse(verb, "argument 'data' holds NaN or Infinity, which JSON cannot represent")


@activity.defn(name="builtin.json_parse")
async def json_parse(arguments: Any) -> dict[str, Any]:
    """text: a JSON document, returned parsed as {"value": ...}."""
    args = arguments_object("json_parse", arguments, required={"text": "a string of JSON"})
    text = require_str("json_parse", args, "text")
    require_text_size("json_parse", "argument 'text'", text)
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        refuse("json_parse", f"argument 'text' is not valid JSON: {exc}")
    except RecursionError:
        refuse("json_parse", "argument 'text' nests too deeply")
    require_depth("json_parse", "text", value)
    return {"value": value}


def _refuse_constant(name: str) -> Any:
    refuse("json_parse", f"argument 'text' holds {name}, which is not JSON")


@activity.defn(name="builtin.json_stringify")
async def json_stringify(arguments: Any) -> dict[str, str]:
    """value: any JSON; indent?: 0-8 spaces (default: compact); sort_keys?: bool. Returns {"text": ...}."""
    args = arguments_object(
        "json_stringify", arguments, required={"value": "any JSON value"}, optional=("indent", "sort_keys")
    )
    indent = args.get("indent")
    if indent is not None and (
        isinstance(indent, bool) or not isinstance(indent, int) or not 0 <= indent <= _MAX_INDENT
    ):
        shown = indent if isinstance(indent, int) else json_type(indent)
        refuse("json_stringify", f"argument 'indent' must be an integer from 0 to {_MAX_INDENT}, got {shown}")
    sort_keys = require_bool("json_stringify", args, "sort_keys", default=False)
    require_depth("json_stringify", "value", args["value"])
    separators = (",", ":") if indent is None else (",", ": ")
    try:
        text = json.dumps(
            args["value"],
            indent=indent,
            separators=separators,
            sort_keys=sort_keys,
            ensure_ascii=False,
            allow_nan=False,
        )
    except ValueError:
        refuse("json_stringify", "argument 'value' holds NaN or Infinity, which JSON cannot represent")
    require_text_size("json_stringify", "the resulting text", text)
    return {"text": text}


def _urlsafe(verb: str, args: dict[str, Any]) -> bool:
    return require_bool(verb, args, "urlsafe", default=False)
