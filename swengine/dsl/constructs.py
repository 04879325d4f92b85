"""A construct of a dialect found in a document: where it is, what it means in standard 0.8, what became of it."""

from __future__ import annotations

from dataclasses import dataclass

from swengine.dsl.source_map import JsonPath


@dataclass(frozen=True, slots=True)
class Construct:
    """One non-standard construct; the validator reports it, and ``--explain`` lists it."""

    kind: str
    """Short stable name, e.g. ``bare_jq``, ``sysout``, ``missing_default_condition``."""
    path: JsonPath
    """Where it is in the document as loaded."""
    standard: str
    """Its standard 0.8 equivalent (what the rewrite put in its place), in words."""
    kept: bool = False
    """The rewritten document keeps a non-standard form at ``path`` (so the 0.8 schema's complaint there is
    expected, and dropped)."""
    refused: str | None = None
    """Why swengine refuses it (reported as ``unsupported_feature``), when it does."""
