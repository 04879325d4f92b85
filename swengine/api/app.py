"""The FastAPI application: one router per resource, problem+json for every error, size limit, optional auth."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi_offline import FastAPIOffline

from swengine.api.auth import BearerAuth
from swengine.api.deps import Authorized
from swengine.api.limits import BodyGuard
from swengine.api.media import JSON_MEDIA_TYPE
from swengine.api.models import ProblemDetails, problem_responses
from swengine.api.problems import install_problem_handlers
from swengine.api.routes import definitions, events, health, instances, metrics
from swengine.api.security_headers import SecurityHeaders
from swengine.api.ui import routes as console
from swengine.core.settings import Settings
from swengine.runtime.engine import Engine, open_engine
from swengine.runtime.metrics import ApiMetrics
from swengine.runtime.router import EventRouter
from swengine.runtime.service import Service
from swengine.runtime.store import DefinitionStore

DESCRIPTION = """Deploy Serverless Workflow 0.8 definitions, run them durably on Temporal, and route
CloudEvents to them. Every error is `application/problem+json` (RFC 9457) with a stable `code`. When
`SWENGINE_TOKENS` is set, every route but `/healthz` and `/readyz` (the documentation included) needs
`Authorization: Bearer <token>`."""


EVERY_ROUTE = problem_responses(
    {
        400: "A malformed request (its body is not what the content type says).",
        401: "`SWENGINE_TOKENS` is set and the request has none of them.",
        408: "The request body did not arrive in time (`SWENGINE_BODY_TIMEOUT`).",
        413: "The body is over `SWENGINE_MAX_BODY`, or its data over the payload limit.",
        422: "A parameter or the body does not match this operation's schema.",
        503: "Temporal or the definition store is unavailable.",
    }
)
"""What any resource route may answer besides its own statuses (the edges answer them below the routes)."""


def create_app(
    settings: Settings,
    service: Service | None = None,
    store: DefinitionStore | None = None,
    router: EventRouter | None = None,
) -> FastAPI:
    """The API over the given service and store, or over an engine opened at startup from ``settings``."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as owned:
            if service is not None and store is not None:
                engine = Engine(settings, service, store, router or EventRouter(service, store.latest))
            else:
                engine = await owned.enter_async_context(open_engine(settings))
            app.state.engine = engine
            yield

    # FastAPIOffline serves /docs with Swagger UI from its package: the docs work without the internet
    app = FastAPIOffline(title="swengine", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    app.add_middleware(BodyGuard, max_body=settings.max_body, timeout=settings.body_timeout)
    if (
        settings.tokens
    ):  # added after the body guard, so outside it: a request without a token is refused first
        app.add_middleware(BearerAuth, tokens=settings.tokens)
    app.add_middleware(SecurityHeaders)  # outermost: every answer carries them, refusals included
    install_problem_handlers(app)
    app.include_router(health.router)
    app.state.metrics = ApiMetrics()
    for resource in (definitions, instances, events, metrics):
        app.include_router(resource.router, dependencies=[Authorized], responses=EVERY_ROUTE)
    console.install(app, responses=EVERY_ROUTE)
    app.openapi = lambda: openapi_schema(app)  # type: ignore[method-assign]
    return app


UNSUPPORTED_MEDIA_TYPE = problem_responses({415: "A JSON body sent with another content type (or none)."})


def _document_media_type_refusals(schema: dict[str, Any]) -> None:
    """Every operation that reads a JSON body may answer 415 (``api/media``): said once, here, for all."""
    for operation in (op for path in schema.get("paths", {}).values() for op in path.values()):
        content = operation.get("requestBody", {}).get("content", {})
        if JSON_MEDIA_TYPE in content:
            for status, response in UNSUPPORTED_MEDIA_TYPE.items():
                operation.setdefault("responses", {}).setdefault(str(status), response)


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
        _document_media_type_refusals(schema)
        app.openapi_schema = schema
    return app.openapi_schema
