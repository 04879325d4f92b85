"""``/ui``: the console's page and assets (no data in them, so no token needed), and its diagrams (which show
a definition and an instance's progress, so they need the token like the rest of the API)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Response
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from swengine.api.deps import Authorized, ServiceDep, StoreDep
from swengine.api.models import problem_responses
from swengine.authoring.graph import build_graph
from swengine.authoring.graph_render import Progress
from swengine.authoring.graph_svg import render_svg
from swengine.core.errors import InputError

STATIC = Path(__file__).parent / "static"
SVG = "image/svg+xml"

pages = APIRouter(include_in_schema=False)
diagrams = APIRouter(prefix="/ui/api", tags=["console"], dependencies=[Authorized])


@pages.get("/ui")
async def console_root() -> RedirectResponse:
    return RedirectResponse("/ui/")


@pages.get("/ui/")
async def console() -> FileResponse:
    return FileResponse(STATIC / "index.html", media_type="text/html", headers={"cache-control": "no-cache"})


@diagrams.get(
    "/diagram",
    response_class=Response,
    summary="A definition as an SVG diagram, coloured by an instance's progress when one is named",
    responses={200: {"content": {SVG: {}}}, **problem_responses({404: "No such definition or instance."})},
)
async def diagram(
    store: StoreDep,
    service: ServiceDep,
    definition: Annotated[
        str | None, Query(min_length=1, description="Definition id (or give instance).")
    ] = None,
    version: Annotated[str | None, Query(min_length=1)] = None,
    instance: Annotated[
        str | None, Query(min_length=1, description="Colour the states this instance visited.")
    ] = None,
) -> Response:
    progress = None
    if instance is not None:
        view = await service.describe(instance)
        progress = Progress.of(view)
        ran = view.get("definition") or {}
        definition = definition or ran.get("id")
        version = version or ran.get("version")
    if definition is None:
        raise InputError("name a definition or an instance", code="invalid_request")
    stored = store.get(definition, version)
    return Response(render_svg(build_graph(stored.ir), progress), media_type=SVG)


def install(app: FastAPI, responses: dict[int | str, dict[str, Any]]) -> None:
    """The console's routes and assets on ``app``; ``responses``: what any resource route may answer."""
    app.include_router(pages)
    app.include_router(diagrams, responses=responses)
    app.mount("/ui/static", StaticFiles(directory=STATIC), name="console-static")
