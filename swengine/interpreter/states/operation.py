"""Operation state: run its actions, sequentially or in parallel."""

from __future__ import annotations

from typing import Any

from swengine.core.ir import OperationState, Transition
from swengine.interpreter.actions import run_actions
from swengine.interpreter.context import RunContext


async def execute_operation(state: OperationState, data: Any, ctx: RunContext) -> tuple[Any, Transition]:
    return await run_actions(state.actions, state.action_mode, data, ctx), state.transition
