"""The one form of a secret marker: what ``$secrets.<path>`` yields inside the workflow, in place of a value.

The interpreter binds ``$secrets`` to markers; an engine activity given the run's grant (its nonce and the
declared names) puts each secret's value where its marker is. The nonce is drawn per run inside the workflow,
so a marker typed into an input or an event by someone else names no secret.
"""

from __future__ import annotations

import json
import re
from typing import Any

GRANT = "secrets"
"""Key of the grant in an engine activity's payload: ``{"nonce": ..., "names": [...]}``."""
_MARKER = re.compile(r"\x00secret:([0-9a-f]{32}):(\[[^\x00]*\])\x00")


def marker(nonce: str, path: list[str]) -> str:
    return f"\x00secret:{nonce}:{json.dumps(path)}\x00"


def skeleton(nonce: str, paths: list[list[str]]) -> dict[str, Any]:
    """``$secrets``: a marker at each path read (a longer path read makes its prefix an object)."""
    tree: dict[str, Any] = {}
    for path in sorted(paths, key=len, reverse=True):
        node = tree
        for key in path[:-1]:
            child = node.get(key)
            node = node.setdefault(key, {}) if not isinstance(child, dict) else child
        node.setdefault(path[-1], marker(nonce, path))
    return tree


def markers_in(text: str, nonce: str) -> list[tuple[str, list[str]]]:
    """(marker text, path) of each marker of this run's nonce in ``text``."""
    return [(m.group(0), json.loads(m.group(2))) for m in _MARKER.finditer(text) if m.group(1) == nonce]
