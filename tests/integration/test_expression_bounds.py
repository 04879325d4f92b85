"""Issue 11, item 3, through a real worker: an expression whose cost the fast path once under-charged
(``nth(.)`` on a long array: 13.7 s holding the GIL) fails within its bound, from state data and from
``$CONST`` alike, while the worker's process keeps serving (its event loop never stalls)."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from swengine.compiler.pipeline import compile_text
from swengine.runtime.service import InstanceFailed
from tests.integration.conftest import running

LONG = [1] * 9979


def _definition(expression: str) -> str:
    return f"""id: nth-search
version: "1.0"
specVersion: "0.8"
start: Search
constants: {{a: {json.dumps(LONG)}}}
functions:
  - {{name: search, type: expression, operation: {json.dumps(expression)}}}
states:
  - name: Search
    type: operation
    actions: [{{functionRef: search}}]
    end: true
"""


@pytest.mark.parametrize("expression", ["${ .a | nth(.) }", "${ $CONST.a | nth(.) }"])
async def test_a_quadratic_search_fails_within_its_bound_and_the_worker_keeps_serving(client, expression):
    ir = compile_text(_definition(expression))
    ticks: list[float] = []

    async def tick() -> None:  # what /healthz and every other request in this process need
        while True:
            ticks.append(time.monotonic())
            await asyncio.sleep(0.01)

    ticker = asyncio.ensure_future(tick())
    try:
        async with running(client, [ir]) as (service, _):
            began = time.monotonic()
            with pytest.raises(InstanceFailed) as failed:
                await asyncio.wait_for(service.run(ir, {"a": LONG}), timeout=60)
            elapsed = time.monotonic() - began
    finally:
        ticker.cancel()
    assert failed.value.code == "expression_limit_exceeded"
    assert elapsed < 30  # its 1 s bound, with room for a loaded machine
    assert max(b - a for a, b in zip(ticks, ticks[1:], strict=False)) < 1
