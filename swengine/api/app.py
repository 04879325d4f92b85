"""The FastAPI application: one router per resource, problem+json for every error, size limit, optional auth."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from temporalio.client import Client

from swengine.api.deps import Authorized, Engine
from swengine.api.limits import BodySizeLimit
from swengine.api.models import ProblemDetails
from swengine.api.problems import install_problem_handlers
from swengine.api.routes import definitions, events, health, instances
from swengine.core.errors import SwengineError
from swengine.runtime.router import EventRouter
from swengine.runtime.service import Service
from swengine.runtime.settings import Settings
from swengine.runtime.store import DefinitionStore, open_store

DESCRIPTION = """Deploy Serverless Workflow 0.8 definitions, run them durably on Temporal, and route
CloudEvents to them. Every error is `application/problem+json` (RFC 9457) with a stable `code`. When
`SWENGINE_TOKENS` is set, every route but `/healthz` and `/readyz` needs `Authorization: Bearer <token>`."""


async def connect(settings: Settings) -> Client:
    """A client for ``TEMPORAL_ADDRESS`` (Temporal's own default, localhost:7233, when unset)."""
    address = settings.temporal_address or "localhost:7233"
    try:
        return await Client.connect(address, namespace=settings.temporal_namespace)
    except RuntimeError as err:  # the SDK reports a failed connection as a RuntimeError
        raise SwengineError(
            f"cannot reach Temporal at {address}: {err}", code="temporal_unavailable"
        ) from None


def create_app(
    settings: Settings,
    service: Service | None = None,
    store: DefinitionStore | None = None,
    router: EventRouter | None = None,
) -> FastAPI:
    """The API over the given parts; missing ones are made at startup from ``settings`` (and closed after)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as owned:
            engine_store = store
            if engine_store is None:
                engine_store = open_store(settings.store_location)
                owned.callback(engine_store.close)
            engine_service = service or Service(
                await connect(settings), task_queue=settings.task_queue, lookup=engine_store.lookup
            )
            engine_router = router or EventRouter(engine_service, engine_store.latest)
            app.state.engine = Engine(settings, engine_service, engine_store, engine_router)
            yield

    app = FastAPI(title="swengine", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    app.add_middleware(BodySizeLimit, max_body=settings.max_body)
    install_problem_handlers(app)
    app.include_router(health.router)
    for resource in (definitions, instances, events):
        app.include_router(resource.router, dependencies=[Authorized])
    app.openapi = lambda: openapi_schema(app)  # type: ignore[method-assign]
    return app


def openapi_schema(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema plus ``ProblemDetails``, which the error responses reference by name."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        problem = ProblemDetails.model_json_schema(ref_template="#/components/schemas/{model}")
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(problem.pop("$defs", {}))
        components["ProblemDetails"] = problem
        app.openapi_schema = schema
    return app.openapi_schema
