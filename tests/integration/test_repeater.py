"""1.0 ``schedule.after`` on the time-skipping test server: the repeater runs the definition, waits ``after``
once each run has ended (hours pass in a moment), and runs it again; a faulted run does not stop it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest_asyncio
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from swengine.compiler.pipeline import compile_text
from swengine.runtime.schedules import repeater_id, sync_repeater
from swengine.runtime.service import Service
from tests.integration.conftest import running, time_skipping_server

HOURLY = """document: {dsl: '1.0.3', namespace: skip, name: hourly, version: '1.0.0'}
schedule: {after: PT1H}
use:
  functions:
    tick: {call: http, with: {method: get, endpoint: 'https://clock.example.com/tick'}}
do:
  - tick:
      call: tick
"""


@pytest_asyncio.fixture
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    """Its own server: this test skips hours and leaves a repeater's timers, which the shared one must not see."""
    async with time_skipping_server() as env:
        yield env


async def test_after_runs_again_an_hour_after_each_run_even_a_faulted_one(
    time_skipping_env: WorkflowEnvironment,
) -> None:
    name = f"hourly-{uuid.uuid4().hex[:6]}"
    ir = compile_text(HOURLY.replace("name: hourly", f"name: {name}"))
    mocks = {"tick": {"sequence": [{"error": {"type": "https://example.com/down", "status": 503}}, "ok"]}}
    async with running(time_skipping_env.client, [ir], mocks=mocks) as (worker_service, book):
        service = Service(time_skipping_env.client, task_queue=worker_service.task_queue,
                          search_attributes=False)  # fmt: skip
        definition = ir.id
        assert await sync_repeater(service, definition, ir) == repeater_id(definition)
        await time_skipping_env.sleep(2.5 * 3600)  # runs at 0 h (faults), about 1 h and about 2 h
        assert len(book.calls["tick"]) == 3
        handle = time_skipping_env.client.get_workflow_handle(repeater_id(definition))
        assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING
        assert await sync_repeater(service, definition, None) is None  # the definition is gone
        assert (await handle.describe()).status == WorkflowExecutionStatus.TERMINATED
