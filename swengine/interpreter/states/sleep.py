"""Sleep state: a durable Temporal timer."""

from __future__ import annotations

from typing import Any

from temporalio import workflow

from swengine.core.durations import parse_duration
from swengine.core.ir import SleepState, Transition
from swengine.interpreter.context import RunContext


async def execute_sleep(state: SleepState, data: Any, ctx: RunContext) -> tuple[Any, Transition]:
    await workflow.sleep(parse_duration(state.duration))
    return data, state.transition
