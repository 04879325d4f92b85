"""Argument checking and size bounds shared by the built-in activities.

Every refusal is an ``ApplicationError`` of type ``invalid_arguments`` that is not retryable: the same
arguments would fail the same way on every attempt.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, NoReturn

from temporalio.exceptions import ApplicationError

from swengine.core.json_merge import json_type
from swengine.core.limits import MAX_DEPTH, json_depth

INVALID_ARGUMENTS = "invalid_arguments"
"""Error type of every argument refusal; a spec's ``onErrors`` can catch it by this code."""

MAX_TEXT_BYTES = 1024 * 1024
"""Largest text (UTF-8 bytes) a verb reads as input or produces as output."""
"""Deepest nesting of objects and arrays a verb walks; keeps recursion far from Python's limit."""
MAX_ITEMS = 10_000
"""Longest ``objects`` or ``keys`` list a verb accepts."""

_MISSING: Any = object()


def refuse(verb: str, message: str) -> NoReturn:
    """Raise the non-retryable ``invalid_arguments`` error for ``builtin.<verb>``."""
    raise ApplicationError(f"builtin.{verb}: {message}", type=INVALID_ARGUMENTS, non_retryable=True)


def preview(text: str, limit: int = 80) -> str:
    """``repr`` of ``text`` cut to ``limit`` characters, so a message never echoes a huge input."""
    return repr(text if len(text) <= limit else text[:limit] + "...")


def arguments_object(
    verb: str, raw: Any, *, required: Mapping[str, str] | None = None, optional: Collection[str] = ()
) -> dict[str, Any]:
    """The arguments as a dict; ``required`` maps each required name to what it expects, for messages.

    Unknown names are refused so a typo fails loudly instead of being silently ignored.
    """
    required = required or {}
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        refuse(verb, f"arguments must be an object, got {json_type(raw)}")
    allowed = {*required, *optional}
    unknown = sorted(str(name) for name in raw if name not in allowed)
    if unknown:
        expected = ", ".join(sorted(allowed)) or "none"
        refuse(
            verb, f"unknown argument(s) {', '.join(preview(n) for n in unknown[:5])}; expected: {expected}"
        )
    for name, expected in required.items():
        if name not in raw:
            refuse(verb, f"missing argument {name!r}: expected {expected}")
    return raw


def require_object(verb: str, args: dict[str, Any], name: str, default: Any = _MISSING) -> dict[str, Any]:
    """Argument ``name`` as a JSON object."""
    value = args.get(name, default)
    if value is _MISSING:
        refuse(verb, f"argument {name!r} is required and must be an object")
    if not isinstance(value, dict):
        refuse(verb, f"argument {name!r} must be an object, got {json_type(value)}")
    return value


def require_str(verb: str, args: dict[str, Any], name: str, default: Any = _MISSING) -> str:
    """Argument ``name`` as a string."""
    value = args.get(name, default)
    if value is _MISSING:
        refuse(verb, f"argument {name!r} is required and must be a string")
    if not isinstance(value, str):
        refuse(verb, f"argument {name!r} must be a string, got {json_type(value)}")
    return value


def require_bool(verb: str, args: dict[str, Any], name: str, default: bool) -> bool:
    """Optional argument ``name`` as a boolean."""
    value = args.get(name, default)
    if not isinstance(value, bool):
        refuse(verb, f"argument {name!r} must be a boolean, got {json_type(value)}")
    return value


def require_choice(verb: str, args: dict[str, Any], name: str, choices: tuple[str, ...], default: str) -> str:
    """Optional argument ``name`` as one of ``choices``."""
    value = args.get(name, default)
    if value not in choices:
        got = preview(value) if isinstance(value, str) else json_type(value)
        refuse(verb, f"argument {name!r} must be one of {', '.join(choices)}, got {got}")
    return value


def require_list(verb: str, args: dict[str, Any], name: str) -> list[Any]:
    """Required argument ``name`` as an array of at most ``MAX_ITEMS`` elements."""
    value = args.get(name, _MISSING)
    if value is _MISSING:
        refuse(verb, f"argument {name!r} is required and must be an array")
    if not isinstance(value, list):
        refuse(verb, f"argument {name!r} must be an array, got {json_type(value)}")
    if len(value) > MAX_ITEMS:
        refuse(verb, f"argument {name!r} has {len(value)} elements; at most {MAX_ITEMS} are allowed")
    return value


def require_text_size(verb: str, name: str, text: str, limit: int = MAX_TEXT_BYTES) -> bytes:
    """``text`` as UTF-8 bytes, refused when longer than ``limit`` bytes."""
    if len(text) > limit:  # each character is at least one byte: refuse before encoding
        refuse(verb, f"{name} is longer than the limit of {limit} bytes")
    try:
        encoded = text.encode("utf-8")
    except UnicodeEncodeError:
        refuse(verb, f"{name} is not valid Unicode text (it contains unpaired surrogates)")
    if len(encoded) > limit:
        refuse(verb, f"{name} is {len(encoded)} bytes; the limit is {limit} bytes")
    return encoded


def require_depth(verb: str, name: str, value: Any) -> None:
    """Refuse ``value`` when its objects/arrays nest deeper than ``MAX_DEPTH`` (checked without recursion)."""
    if json_depth(value) > MAX_DEPTH:
        refuse(verb, f"argument {name!r} nests deeper than {MAX_DEPTH} levels")


def parse_path(verb: str, name: str, path: Any) -> list[str]:
    """A path given as ``"a.b.c"`` or as a list of keys (for keys that contain dots)."""
    if isinstance(path, str):
        segments = path.split(".")
        if not path or any(segment == "" for segment in segments):
            refuse(verb, f"{name} {preview(path)} must be dot-separated non-empty keys, like 'a.b.c'")
    elif isinstance(path, list) and path and all(isinstance(segment, str) for segment in path):
        segments = list(path)
    else:
        got = "an empty array or one holding non-strings" if isinstance(path, list) else json_type(path)
        refuse(verb, f"{name} must be a string like 'a.b.c' or a non-empty array of strings, got {got}")
    if len(segments) > MAX_DEPTH:
        refuse(verb, f"{name} has {len(segments)} keys; at most {MAX_DEPTH} are allowed")
    return segments
