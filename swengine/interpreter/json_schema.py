"""An author's JSON Schema applied to a value (0.8 ``dataInputSchema``, 1.0 ``input``/``output``/``export``
schemas): built once per schema, and never reaching outside it.

The loader embeds every file a schema references, so a definition's schemas are self-contained. The validator's
registry refuses every URI anyway: a reference left outside (a definition stored before schemas were bundled,
or one that names a URL) is a problem with the value, never a fetch from the worker, a file read or a crash.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, NoReturn

import jsonschema
from referencing import Registry
from referencing.exceptions import NoSuchResource, Unresolvable


def _refuse(uri: str) -> NoReturn:
    raise NoSuchResource(ref=uri)  # type: ignore[call-arg]  # attrs class, its stub lacks the field


NOTHING_OUTSIDE: Registry[Any] = Registry(retrieve=_refuse)  # type: ignore[call-arg]


@lru_cache(maxsize=256)
def _validator(schema_json: str) -> jsonschema.Draft202012Validator:
    """Built once per schema (by its JSON text), not at every start or task."""
    return jsonschema.Draft202012Validator(json.loads(schema_json), registry=NOTHING_OUTSIDE)


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
