"""A duration computed at run time (ISO 8601 text or a duration object) as ISO 8601 text."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from swengine.core.durations import format_duration
from swengine.core.errors import ExpressionError

UNITS = {"days": 86400, "hours": 3600, "minutes": 60, "seconds": 1, "milliseconds": 0.001}


def duration_of(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and set(value) <= set(UNITS):
        return format_duration(timedelta(seconds=sum(float(value[unit]) * UNITS[unit] for unit in value)))
    raise ExpressionError(f"{value!r} is not a duration (ISO 8601 text or an object such as {{seconds: 5}})")
