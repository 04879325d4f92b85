"""ForEach state: run the actions once per element, in parallel batches or in sequence, results in input order."""

from __future__ import annotations

import asyncio
from typing import Any

from temporalio import workflow

from swengine.core.ir import ForEachState, Transition
from swengine.interpreter.actions import apply_result, call_action
from swengine.interpreter.context import RunContext
from swengine.interpreter.failures import StateFailure

MAX_PARALLEL = 1000
"""Iterations a parallel ForEach runs at once when its batchSize is larger or not given (the spec's default is
the whole collection): Temporal refuses a workflow more than 2,000 pending activities, and its task then fails
again and again. Larger collections run in batches of this many, results still in input order."""
BATCHED_PATCH = "foreach-at-most-1000"


async def _iteration(state: ForEachState, item: Any, data: Any, ctx: RunContext) -> Any:
    """One iteration's result: its actions' filtered results merged together.

    Its actions see the state data plus the iteration parameter (as a key and as ``$<param>``), and later
    actions see earlier actions' results.
    """
    extra = {state.iteration_param: item}
    scoped = {**data, state.iteration_param: item} if isinstance(data, dict) else data
    result: Any = None
    for action in state.actions:
        ran, value = await call_action(action, scoped, ctx, extra)
        if ran:
            scoped = apply_result(action, scoped, value, ctx, extra)
            result = apply_result(action, result, value, ctx, extra)
    return result


async def execute_foreach(state: ForEachState, data: Any, ctx: RunContext) -> tuple[Any, Transition]:
    collection = ctx.evaluate(state.input_collection, data)
    if collection is None:
        collection = []
    if not isinstance(collection, list):
        raise StateFailure(
            "invalid_collection", f"inputCollection gave {type(collection).__name__}, not an array"
        )
    results: list[Any] = []
    if state.mode == "sequential":
        for item in collection:
            results.append(await _iteration(state, item, data, ctx))
    else:
        size = state.batch_size or len(collection) or 1
        if size > MAX_PARALLEL and workflow.patched(BATCHED_PATCH):
            size = MAX_PARALLEL
        for start in range(0, len(collection), size):
            batch = collection[start : start + size]
            results += await asyncio.gather(*(_iteration(state, item, data, ctx) for item in batch))
    if state.output_collection is not None:
        data = ctx.merge_into(data, state.output_collection, results)
    return data, state.transition
