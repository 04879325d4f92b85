"""A fast, exact codec between the IR dataclasses and JSON-native values.

Temporal's converter re-evaluates every dataclass's type hints for every instance it decodes (0.8 ms per
state inside the workflow sandbox): decoding a 20-state ``RunRequest`` cost more than running it. Here each
class's fields are resolved once into decoder functions, unions of states and calls are picked by their
``kind``, and decoded definitions are cached per process by a digest of their JSON. Encoding leaves out
fields equal to their defaults, which halves the bytes every start writes to history.

A run request carries each definition's digest (computed once per definition object when it is encoded), so
a worker finds a definition it decoded before without re-serialising it (4.8 ms a run at 1,000 states). A
claimed digest is only ever looked up: the cache is filled under digests the worker computed itself, so a
request with a wrong claim cannot make other instances run another definition.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import types
import typing
from collections.abc import Callable
from functools import cache
from typing import Any, Literal

from swengine.core import ir
from swengine.core.remembered import Remembered, RememberedFor

Decoder = Callable[[Any], Any]

_CACHE_SIZE = 256
DIGEST_KEY = "_digest"
"""Key of the digest a run request's definitions carry (not an IR field: older decoders ignore it)."""
_decoded_ir: Remembered[bytes, ir.WorkflowIR] = Remembered(_CACHE_SIZE)
_encoded_ir: RememberedFor[ir.WorkflowIR, dict[str, Any]] = RememberedFor(_CACHE_SIZE)


def _identity(value: Any) -> Any:
    return value


def _optional(inner: Decoder) -> Decoder:
    return lambda value: None if value is None else inner(value)


def _list_of(inner: Decoder) -> Decoder:
    return lambda value: [inner(item) for item in value]


def _dict_of(inner: Decoder) -> Decoder:
    return lambda value: {key: inner(item) for key, item in value.items()}


def _by_kind(members: tuple[type, ...]) -> Decoder:
    """A union of dataclasses told apart by their ``kind`` literal (what the IR promises every union has).

    Member decoders are built on first use: a task tree is recursive (a ``do`` task holds tasks).
    """
    kinds = {typing.get_args(typing.get_type_hints(m)["kind"])[0]: m for m in members}

    def decode(value: Any) -> Any:
        try:
            member = kinds[value["kind"]]
        except KeyError:
            raise ValueError(f"unknown kind {value.get('kind')!r}; expected one of {sorted(kinds)}") from None
        return decoder_for(member)(value)

    return decode


@cache
def decoder_for(hint: Any) -> Decoder:
    """The decoder of a type hint, built once per hint."""
    origin = typing.get_origin(hint)
    if dataclasses.is_dataclass(hint):
        return _dataclass_decoder(hint)  # type: ignore[arg-type]
    if origin in (types.UnionType, typing.Union):
        members = tuple(m for m in typing.get_args(hint) if m is not type(None))
        inner = decoder_for(members[0]) if len(members) == 1 else _by_kind(members)
        return _optional(inner) if len(members) < len(typing.get_args(hint)) else inner
    if origin is list:
        return _list_of(decoder_for(typing.get_args(hint)[0]))
    if origin is dict:
        return _dict_of(decoder_for(typing.get_args(hint)[1]))
    if hint in (str, int, float, bool, Any) or origin is Literal:
        return _identity
    raise TypeError(f"no IR decoder for {hint!r}")


def _dataclass_decoder(cls: type) -> Decoder:
    hints = typing.get_type_hints(cls)
    fields = [(f.name, decoder_for(hints[f.name])) for f in dataclasses.fields(cls) if f.init]

    def decode(value: Any) -> Any:
        if isinstance(value, cls):
            return value
        return cls(**{name: fn(value[name]) for name, fn in fields if name in value})

    return decode


_NO_DEFAULT = object()


def _default(field: dataclasses.Field[Any]) -> Any:
    if field.default is not dataclasses.MISSING:
        return field.default
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return _NO_DEFAULT


def _is_default(field: dataclasses.Field[Any], value: Any) -> bool:
    if field.name == "kind":
        return False  # unions are told apart by it
    default = _default(field)
    return default is not _NO_DEFAULT and bool(value == default)


def encode(value: Any) -> Any:
    """JSON-native form of IR values, leaving out fields that equal their defaults; a ``RunRequest``'s
    definitions carry their digest (the same encoded object for every request of one definition object:
    callers never mutate it)."""
    if isinstance(value, ir.RunRequest):
        # its other fields hold JSON already (the input, events ...): taken as they are, not walked and copied
        encoded = {
            name: item
            for name, default in _REQUEST_DEFAULTS
            if (item := getattr(value, name)) is not default and item != default
        }
        encoded["ir"] = _encode_with_digest(value.ir)
        if value.subflows:
            encoded["subflows"] = {key: _encode_with_digest(sub) for key, sub in value.subflows.items()}
        return encoded
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _encode_fields(value)
    if isinstance(value, list):
        return [encode(item) for item in value]
    if isinstance(value, dict):
        return {key: encode(item) for key, item in value.items()}
    return value


def _encode_fields(value: Any) -> dict[str, Any]:
    return {
        f.name: encode(getattr(value, f.name))
        for f in dataclasses.fields(value)
        if not _is_default(f, getattr(value, f.name))
    }


_REQUEST_DEFAULTS = [
    (f.name, _default(f)) for f in dataclasses.fields(ir.RunRequest) if f.name not in ("ir", "subflows")
]
"""A ``RunRequest``'s JSON-valued fields with their defaults (left out of its encoding when equal)."""


def _digest(encoded: dict[str, Any]) -> bytes:
    body = {key: item for key, item in encoded.items() if key != DIGEST_KEY}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).digest()


def _encode_with_digest(workflow: ir.WorkflowIR) -> dict[str, Any]:
    found = _encoded_ir.get(workflow)
    if found is not None:
        return found
    encoded = _encode_fields(workflow)
    encoded[DIGEST_KEY] = _digest(encoded).hex()
    _encoded_ir.put(workflow, encoded)
    return encoded


def ir_to_json(workflow: ir.WorkflowIR) -> str:
    """The IR as compact JSON text: what the store keeps and what starts send (default-free)."""
    return json.dumps(encode(workflow), separators=(",", ":"), ensure_ascii=False)


def ir_from_json(text: str) -> ir.WorkflowIR:
    """Decode JSON text of an IR, default-free or in full (as Temporal's own converter once wrote it)."""
    return decode_ir(json.loads(text))


def decode_ir(value: Any) -> ir.WorkflowIR:
    """A definition, decoded once per process for each distinct JSON form (frozen, so safely shared)."""
    if isinstance(value, ir.WorkflowIR):
        return value
    claimed = value.get(DIGEST_KEY)
    if isinstance(claimed, str):
        found = _decoded_ir.get(bytes.fromhex(claimed)) if len(claimed) == 64 else None
        if found is not None:
            return found
    digest = _digest(value)
    found = _decoded_ir.get(digest)
    if found is not None:
        return found
    found = decoder_for(ir.WorkflowIR)(value)
    _decoded_ir.put(digest, found)
    if isinstance(claimed, str) and claimed == digest.hex():
        _encoded_ir.put(found, value)  # a continue-as-new re-sends it as it came
    return found


def decode_run_request(value: Any) -> ir.RunRequest:
    """The interpreter's argument from its JSON form (full or default-free)."""
    if isinstance(value, ir.RunRequest):
        return value
    fields = dict(value)
    fields["ir"] = decode_ir(fields["ir"])
    fields["subflows"] = {key: decode_ir(sub) for key, sub in (fields.get("subflows") or {}).items()}
    return decoder_for(ir.RunRequest)(fields)
