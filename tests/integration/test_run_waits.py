"""``swengine run`` never waits in silence: it says what the instance waits for, which events nobody took,
and ends a run that outlives ``--timeout`` with the state it was in."""

from __future__ import annotations

from datetime import timedelta

from swengine.commands.waiting import RunTimedOut, await_result
from swengine.compiler.pipeline import compile_text
from swengine.runtime.cloudevents import parse_event
from tests.integration.conftest import running

WAITER = """
id: waiter
specVersion: "0.8"
start: Wait
events: [{name: approved, type: com.example.approved, source: /approvals}]
states:
  - {name: Wait, type: event, onEvents: [{eventRefs: [approved]}], end: true}
"""


def event(type_: str, id_: str) -> dict:
    return parse_event({"specversion": "1.0", "id": id_, "source": "/approvals", "type": type_, "data": {}})


async def watch(client, sent: str, timeout: float) -> tuple[list[str], str, str | None]:
    """Start the waiter, send it one event, watch it: (lines said, final status, timeout message)."""
    ir = compile_text(WAITER, source="waiter.sw.yaml")
    said: list[str] = []
    message = None
    async with running(client, [ir]) as (service, _):
        started = await service.start(ir, {})
        await service.send_event(started.instance_id, event(sent, "e-1"))
        try:
            await await_result(
                service, started.instance_id, said.append, timeout=timedelta(seconds=timeout), every=0.5
            )
        except RunTimedOut as timed_out:
            message = timed_out.message
        status = await service.describe(started.instance_id)
    return said, status["status"], message


async def test_a_wait_is_described_and_the_timeout_names_the_state(client):
    said, status, message = await watch(client, "com.example.other", 1.5)
    assert message is not None and "in state Wait" in message and "com.example.approved" in message
    assert [line for line in said if "waiting for com.example.approved from /approvals" in line] == said[:1]
    assert any(line.startswith("event e-1 (com.example.other") for line in said)
    assert status == "terminated"


async def test_a_consumed_event_is_not_reported(client):
    said, status, message = await watch(client, "com.example.approved", 30)
    assert message is None and status == "completed"
    assert not [line for line in said if "not consumed" in line]
