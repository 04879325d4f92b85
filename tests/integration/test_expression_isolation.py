"""Issue 11, item 1: concurrent instances on a real dev server never see each other's data, even when
Temporal's deadlock detector interrupts a workflow thread that waits for a pooled evaluator."""

from __future__ import annotations

import asyncio
import json

from swengine.compiler.pipeline import compile_text
from swengine.runtime.service import InstanceFailed
from tests.integration.conftest import running

SLOW = "${ (reduce range(700000) as $i (0; .+1)) as $x | .secret }"
SLOW_ACTIONS = "\n".join(
    f"      - {{functionRef: slow, actionDataFilter: {{toStateData: '${{ .got{n} }}'}}}}" for n in range(4)
)
FOUR_SLOW_ACTIONS = f"""id: four-slow
version: "1.0"
specVersion: "0.8"
start: Compute
functions:
  - {{name: slow, type: expression, operation: {json.dumps(SLOW)}}}
states:
  - name: Compute
    type: operation
    actions:
{SLOW_ACTIONS}
    end: true
"""
ECHO_SECRET = """id: echo-secret
version: "1.0"
specVersion: "0.8"
start: Echo
functions:
  - {name: echo, type: expression, operation: '${ .secret | test("x") as $t | . }'}
states:
  - name: Echo
    type: operation
    actions:
      - {functionRef: echo, actionDataFilter: {toStateData: '${ .got }'}}
    end: true
"""


async def test_no_instance_ever_sees_another_instances_data(client):
    """Four slow instances at once (each workflow task waits past the 2 s deadlock bound, so Temporal
    interrupts the thread while an evaluator still works for it), then twelve quick ones one after another
    while the slow ones retry: every output holds its own instance's data."""
    slow, echo = compile_text(FOUR_SLOW_ACTIONS), compile_text(ECHO_SECRET)
    async with running(client, [slow, echo]) as (service, _):
        started = [await service.start(slow, {"secret": f"S{n}"}) for n in range(4)]
        await asyncio.sleep(3)  # the first workflow tasks have overrun and been interrupted
        for n in range(12):
            output = await asyncio.wait_for(service.run(echo, {"secret": f"T{n}"}), timeout=120)
            assert output == {"secret": f"T{n}", "got": f"T{n}"}
        for n, instance in enumerate(started):
            try:
                output = await service.result(instance.instance_id, timeout=1)
            except InstanceFailed as failed:  # an evaluation overran its 1 s bound: clean and catchable
                assert failed.code == "expression_limit_exceeded", failed
            except TimeoutError:  # still retrying its workflow task: no output to mix up
                await service.terminate(instance.instance_id)
            else:
                assert output == {"secret": f"S{n}", **{f"got{k}": f"S{n}" for k in range(4)}}, n
