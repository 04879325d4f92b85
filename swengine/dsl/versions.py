"""Which DSL a loaded document is written in: detected from the document itself, never configured."""

from __future__ import annotations

import re
from typing import Any

SUPPORTED_TASK_DSL = re.compile(r"^1\.0\.[0-3]$")
"""Releases of the task DSL (``document.dsl``) that swengine runs: 1.0.0 to 1.0.3."""


def is_task_dsl(data: dict[str, Any]) -> bool:
    """True for a document of the task DSL (``document: {dsl: ...}`` and no 0.8 ``specVersion``)."""
    return isinstance(data.get("document"), dict) and "specVersion" not in data


def task_dsl_version(data: dict[str, Any]) -> str | None:
    """``document.dsl`` as written (a YAML float such as ``1.0`` is read as text), or None."""
    found = data["document"].get("dsl")
    return None if found is None else str(found)
