"""A ``${ }`` inside inject ``data`` is text, not an expression (spec 0.8: inject data is literal); the author
almost always meant an expression, so it is worth a warning at its line."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from swengine.dsl.facts import Facts, Finding, listed
from swengine.dsl.source_map import JsonPath

LIMIT = 100
"""Findings per document: one pasted template can hold many, and the first few say it all."""


def _strings(value: Any, path: JsonPath, depth: int = 0) -> Iterator[tuple[str, JsonPath]]:
    if depth > 64:
        return
    if isinstance(value, str):
        yield value, path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, path + (key,), depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, path + (index,), depth + 1)


def check_inject_literals(data: dict[str, Any], facts: Facts) -> list[Finding]:
    findings: list[Finding] = []
    for index, state in enumerate(listed(data.get("states"))):
        if not isinstance(state, dict) or state.get("type") != "inject":
            continue
        for text, path in _strings(state.get("data"), ("states", index, "data")):
            if "${" in text and len(findings) < LIMIT:
                message = (
                    f"inject data is literal: {text[:60]!r} stays as written; to compute a value, use an"
                    " expression state (or a stateDataFilter output) instead"
                )
                findings.append(Finding("expression_in_literal", message, path, severity="warning"))
    return findings
