"""A real server for the browser: the API (as ``serve`` builds it) on a real socket, beside a worker, on the
test's event loop; and Debian's Chromium driven by Playwright (never a downloaded browser build)."""

from __future__ import annotations

import asyncio
import shutil
import socket
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from temporalio.client import Client

from swengine.api.app import create_app
from swengine.core.settings import Settings
from swengine.runtime.router import EventRouter, router_sink
from swengine.runtime.service import Service
from swengine.runtime.store import SqliteDefinitionStore
from swengine.runtime.worker import build_worker
from tests.integration.conftest import client, temporal_env  # noqa: F401 - fixtures used by these tests

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
TOKEN = "console-t0ken"


@dataclass
class Served:
    url: str
    service: Service
    store: SqliteDefinitionStore


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def served(client: Client, tmp_path: Path) -> AsyncIterator[Served]:  # noqa: F811 - the imported fixture
    task_queue = f"ui-{uuid.uuid4()}"
    settings = Settings(task_queue=task_queue, data_dir=tmp_path, tokens=(TOKEN,))
    store = SqliteDefinitionStore(tmp_path / "store.db")
    service = Service(client, task_queue=task_queue, lookup=store.lookup)
    router = EventRouter(service, store.latest)
    app = create_app(settings, service, store, router)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    async with build_worker(client, task_queue=task_queue, sinks=[router_sink(router)]):
        serving = asyncio.ensure_future(server.serve())
        while not server.started:
            await asyncio.sleep(0.05)
        try:
            yield Served(f"http://127.0.0.1:{port}", service, store)
        finally:
            server.should_exit = True
            await serving
            store.close()


@pytest.fixture
async def browser() -> AsyncIterator[object]:
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (.ci/run installs Debian's chromium package)")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield launched
        finally:
            await launched.close()
