"""The regular expressions of an author's JSON Schema (``pattern``, ``patternProperties``) must be ones RE2 runs
(``core.patterns``: no backreferences, no lookaround), since each is matched against someone's input; and
``unevaluatedProperties`` beside ``patternProperties`` is refused, because the validator would match those
patterns with Python's backtracking ``re``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from swengine.core.patterns import unsupported
from swengine.dsl.facts import Finding
from swengine.dsl.source_map import JsonPath


def pattern_findings(schema: Any, path: JsonPath) -> list[Finding]:
    return list(_walk(schema, path))


def _walk(node: Any, path: JsonPath) -> Iterator[Finding]:
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _walk(item, path + (index,))
        return
    if not isinstance(node, dict):
        return
    if isinstance(node.get("pattern"), str) and (why := unsupported(node["pattern"])):
        yield Finding("unsupported_pattern", f"pattern {why}", path + ("pattern",))
    keyed = node.get("patternProperties")
    for pattern in keyed if isinstance(keyed, dict) else ():
        if why := unsupported(pattern):
            yield Finding(
                "unsupported_pattern", f"patternProperties {why}", path + ("patternProperties", pattern)
            )
    if isinstance(keyed, dict) and keyed and "unevaluatedProperties" in node:
        message = "unevaluatedProperties beside patternProperties is not supported by swengine yet"
        yield Finding("unsupported_feature", message, path + ("unevaluatedProperties",))
    for key, value in node.items():
        yield from _walk(value, path + (key,))
