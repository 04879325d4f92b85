"""Inject state: merge static data into the state data."""

from __future__ import annotations

from typing import Any

from swengine.core import json_merge
from swengine.core.ir import InjectState, Transition
from swengine.interpreter.context import RunContext


async def execute_inject(state: InjectState, data: Any, ctx: RunContext) -> tuple[Any, Transition]:
    if state.data is None:
        return data, state.transition
    return json_merge.merge(data, state.data), state.transition
