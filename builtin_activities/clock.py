"""The wall clock. Read in an activity so the reading is recorded in history and replays unchanged."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from temporalio import activity

from builtin_activities.arguments import arguments_object, require_choice

NOW_FORMATS = ("iso", "epoch", "epoch_ms")


@activity.defn(name="builtin.now")
async def now(arguments: Any) -> dict[str, Any]:
    """format?: iso (default, "2024-05-01T12:00:00Z") | epoch (int seconds) | epoch_ms (int milliseconds)."""
    args = arguments_object("now", arguments, optional=("format",))
    output = require_choice("now", args, "format", NOW_FORMATS, default="iso")
    nanos = time.time_ns()
    if output == "epoch":
        return {"now": nanos // 1_000_000_000}
    if output == "epoch_ms":
        return {"now": nanos // 1_000_000}
    # whole seconds with a Z: the one ISO form jq's fromdateiso8601 accepts
    moment = datetime.fromtimestamp(nanos // 1_000_000_000, tz=UTC)
    return {"now": moment.strftime("%Y-%m-%dT%H:%M:%SZ")}
