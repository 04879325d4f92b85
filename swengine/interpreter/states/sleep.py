"""Sleep state: a durable Temporal timer."""

from __future__ import annotations

from typing import Any

from temporalio import workflow

from swengine.durations import parse_duration
from swengine.interpreter.context import RunContext
from swengine.ir import SleepState, Transition


async def execute_sleep(state: SleepState, data: Any, ctx: RunContext) -> tuple[Any, Transition]:
    await workflow.sleep(parse_duration(state.duration))
    return data, state.transition
