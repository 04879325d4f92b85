"""Activities for the crash tests, loaded by a ``swengine worker --activities tests.reliability.slow_activities``
subprocess. Each attempt leaves a marker file, so a test knows when to kill the worker and what ran."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from temporalio import activity

MARKERS_ENV = "RELIABILITY_MARKERS"
"""Directory for the marker files (set in the worker's environment; never in the workflow input, so the
output of a disturbed run can be compared with an undisturbed one)."""

FIRST_ATTEMPT_SECONDS = 2.0
"""How long the first attempt works: the window in which a test kills the worker (below PT3S)."""


def _marker(name: str) -> Path:
    directory = Path(os.environ[MARKERS_ENV])
    safe = activity.info().workflow_id.replace("/", "_")
    return directory / f"{safe}.{name}"


@activity.defn(name="reliability.slow_step")
async def slow_step(arguments: dict[str, Any]) -> dict[str, Any]:
    """Doubles ``value``; the first attempt takes a while, later ones (after a crash) are quick."""
    attempt = activity.info().attempt
    _marker(f"attempt{attempt}.started").write_text(str(os.getpid()))
    if attempt == 1:
        await asyncio.sleep(FIRST_ATTEMPT_SECONDS)
    _marker(f"attempt{attempt}.finished").write_text(str(os.getpid()))
    return {"doubled": arguments["value"] * 2, "label": f"item-{arguments['value']}"}


ACTIVITIES = [slow_step]
