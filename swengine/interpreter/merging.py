"""Event data filters: what part of a consumed event lands where in the state data."""

from __future__ import annotations

from typing import Any

from swengine.core.ir import EventDataFilter
from swengine.interpreter.context import RunContext


def merge_event(data_filter: EventDataFilter, payload: Any, data: Any, ctx: RunContext) -> Any:
    """Apply ``eventDataFilter`` (useData, data, toStateData) and merge the payload into the state data."""
    if not data_filter.use_data or payload is None:
        return data
    selected = ctx.evaluate(data_filter.data, payload)
    return ctx.merge_into(data, data_filter.to_state_data, selected)
