"""The API in-process over httpx's ASGI transport, on the test's event loop, beside a real worker.

The Temporal fixtures are imported from the integration suite (fixtures are not shared across directories
otherwise). httpx.AsyncClient is used rather than the synchronous TestClient: TestClient runs the app on a
second event loop in another thread, while the worker and the Temporal client live on the test's loop.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from temporalio.client import Client

from swengine.api.app import create_app
from swengine.core.settings import Settings
from swengine.runtime.router import EventRouter, router_sink
from swengine.runtime.service import Service
from swengine.runtime.store import SqliteDefinitionStore
from swengine.runtime.worker import build_worker
from tests.integration.conftest import client, temporal_env  # noqa: F401 - fixtures used by these tests

SPECS = Path(__file__).resolve().parents[2] / "specs"


@dataclass
class Api:
    http: httpx.AsyncClient
    app: FastAPI
    service: Service
    store: SqliteDefinitionStore


ApiFactory = Callable[..., AbstractAsyncContextManager[Api]]


@pytest.fixture
def make_api(client: Client, tmp_path: Path) -> ApiFactory:  # noqa: F811 - the imported fixture
    """``async with make_api(tokens=(...), max_body=...) as api``: a fresh task queue, store and worker."""

    @asynccontextmanager
    async def serving(*, store: SqliteDefinitionStore | None = None, **settings: Any) -> AsyncIterator[Api]:
        task_queue = f"api-{uuid.uuid4()}"
        config = Settings(task_queue=task_queue, data_dir=tmp_path, **settings)
        store = store or SqliteDefinitionStore(tmp_path / f"{task_queue}.db")
        service = Service(client, task_queue=task_queue, lookup=store.lookup)
        router = EventRouter(service, store.latest)
        app = create_app(config, service, store, router)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        try:
            async with (
                build_worker(client, task_queue=task_queue, sinks=[router_sink(router)]),
                app.router.lifespan_context(app),
                httpx.AsyncClient(transport=transport, base_url="http://swengine.test") as http,
            ):
                yield Api(http, app, service, store)
        finally:
            store.close()

    return serving


@pytest.fixture
async def api(make_api: ApiFactory) -> AsyncIterator[Api]:
    async with make_api() as serving:
        yield serving


def spec(definition_id: str, *, version: str = "1.0", greeting: str = "hello", extra: str = "") -> str:
    """A small valid definition (inject a greeting), with a chosen id so tests never see each other."""
    return f"""id: {definition_id}
version: "{version}"
specVersion: "0.8"
start: Greet
{extra}states:
  - name: Greet
    type: inject
    data:
      greeting: {greeting}
    end: true
"""


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


async def deploy(api: Api, text: str, *, media_type: str = "application/yaml") -> dict[str, Any]:
    response = await api.http.post("/definitions", content=text, headers={"content-type": media_type})
    assert response.status_code in (200, 201), response.text
    return response.json()


async def deploy_file(api: Api, name: str) -> dict[str, Any]:
    return await deploy(api, (SPECS / name).read_text())


async def start(api: Api, definition: str, data: Any = None, **fields: Any) -> str:
    response = await api.http.post("/instances", json={"definition": definition, "input": data, **fields})
    assert response.status_code == 201, response.text
    return str(response.json()["instance_id"])


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """An RFC 9457 problem with our stable code; returns its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == f"urn:swengine:problem:{code}"
    assert body["title"] and body["detail"]
    return body
