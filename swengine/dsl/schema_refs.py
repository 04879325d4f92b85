"""Inline the file ``$ref``s of an input schema, so the schema that travels in the IR is self-contained.

SonataFlow (``JsonSchemaReader``) inlines the ``$ref``s of a ``dataInputSchema`` under ``$defs`` at build time,
so example projects ship schemas that ``$ref`` a sibling file (``"items": {"$ref": "complex.json"}``). Here
every reference to a file is read (through ``read``, which keeps to the workflow's folder), inlined the same
way, recursively, and the ``$ref`` pointed at the copy; references inside the document (``#/...``) stay.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

Reader = Callable[[str, Path], tuple[Path, Any]]
"""(reference, directory it is relative to) -> (the file it names, its parsed content)."""

PREFIX = "file_"
DROPPED_KEYS = ("$id", "$schema")
"""An inlined file's own identity and dialect: kept, they would change how references inside it resolve."""


def bundle(schema: dict[str, Any], directory: Path, read: Reader) -> dict[str, Any]:
    """``schema`` with every file ``$ref`` (relative to ``directory``) inlined under ``$defs``."""
    inlined: dict[Path, str] = {}
    definitions: dict[str, Any] = {}
    result = _rewrite(schema, directory, read, inlined, definitions)
    if definitions:
        result = {**result, "$defs": {**result.get("$defs", {}), **definitions}}
    return result


def _rewrite(
    value: Any, directory: Path, read: Reader, inlined: dict[Path, str], definitions: dict[str, Any]
) -> Any:
    if isinstance(value, list):
        return [_rewrite(item, directory, read, inlined, definitions) for item in value]
    if not isinstance(value, dict):
        return value
    rewritten = {key: _rewrite(item, directory, read, inlined, definitions) for key, item in value.items()}
    reference = value.get("$ref")
    if isinstance(reference, str) and not reference.startswith("#"):
        location, _, fragment = reference.partition("#")
        rewritten["$ref"] = f"#/$defs/{_inline(location, directory, read, inlined, definitions)}{fragment}"
    return rewritten


def _inline(
    location: str, directory: Path, read: Reader, inlined: dict[Path, str], definitions: dict[str, Any]
) -> str:
    """The ``$defs`` key of the file ``location`` names, inlining it (once) when first seen."""
    target, content = read(location, directory)
    if target in inlined:
        return inlined[target]
    key = f"{PREFIX}{len(inlined)}"
    inlined[target] = key
    if isinstance(content, dict):
        content = {k: v for k, v in content.items() if k not in DROPPED_KEYS}
    definitions[key] = _rewrite(content, target.parent, read, inlined, definitions)
    return key
