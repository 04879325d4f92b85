"""An author's JSON Schema applied to a value (0.8 ``dataInputSchema``, 1.0 ``input``/``output``/``export``
schemas): built once per schema, never reaching outside it, its regular expressions matched in linear time.

The loader embeds every file a schema references, so a definition's schemas are self-contained. The validator's
registry refuses every URI anyway: a reference left outside (a definition stored before schemas were bundled,
or one that names a URL) is a problem with the value, never a fetch from the worker, a file read or a crash.
``pattern``, ``patternProperties`` and ``additionalProperties`` (which reads those patterns) are ours, on RE2
(``core.patterns``): the value is someone's input, and Python's ``re`` could backtrack on it for minutes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import lru_cache
from typing import Any, NoReturn

import jsonschema
from jsonschema.exceptions import ValidationError
from referencing import Registry
from referencing.exceptions import NoSuchResource, Unresolvable

from swengine.core import patterns


def _refuse(uri: str) -> NoReturn:
    raise NoSuchResource(ref=uri)  # type: ignore[call-arg]  # attrs class, its stub lacks the field


NOTHING_OUTSIDE: Registry[Any] = Registry(retrieve=_refuse)  # type: ignore[call-arg]


def _pattern(
    validator: Any, pattern: str, instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not patterns.search(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(
    validator: Any, keyed: dict[str, Any], instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in keyed.items():
        for key, value in instance.items():
            if patterns.search(pattern, key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def _additional_properties(
    validator: Any, additional: Any, instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    named, keyed = schema.get("properties") or {}, schema.get("patternProperties") or {}
    extras = [key for key in instance if key not in named and not any(patterns.search(p, key) for p in keyed)]
    if validator.is_type(additional, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], additional, path=extra)
    elif additional is False and extras:
        yield ValidationError(
            f"additional properties are not allowed: {', '.join(map(repr, sorted(extras)))}"
        )


AuthorsValidator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator,
    {
        "pattern": _pattern,
        "patternProperties": _pattern_properties,
        "additionalProperties": _additional_properties,
    },
)


@lru_cache(maxsize=256)
def _validator(schema_json: str) -> Any:
    """Built once per schema (by its JSON text), not at every start or task."""
    return AuthorsValidator(json.loads(schema_json), registry=NOTHING_OUTSIDE)


def schema_problems(schema: dict[str, Any], value: Any) -> list[str]:
    """A message for every way ``value`` breaks ``schema`` (empty when it fits), each led by the value's path."""
    validator = _validator(json.dumps(schema, sort_keys=True))
    try:
        return [
            f"{'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}"
            for error in validator.iter_errors(value)
        ]
    except Unresolvable as unresolvable:
        return [f"the schema refers to {unresolvable.ref!r}, which is not inside the schema"]
    except patterns.PatternUnsupported as refused:  # only in a definition stored before patterns were checked
        return [f"the schema's pattern {refused} cannot be matched here"]
