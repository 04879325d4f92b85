"""``/events``: CloudEvents in (structured, binary or batch HTTP mode), routed to waiting instances and to
the definitions whose start consumes them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from swengine.api.deps import RouterDep, ServiceDep, SettingsDep
from swengine.api.models import EventRouted, EventsRouted, problem_responses
from swengine.api.routes.metrics import api_metrics
from swengine.runtime.cloudevents import BATCH, STRUCTURED, parse_http
from swengine.runtime.delivery import fates

router = APIRouter(prefix="/events", tags=["events"])

CLOUDEVENTS_BODY = {
    "requestBody": {
        "required": True,
        "description": f"Structured mode ({STRUCTURED}), batch mode ({BATCH}), or binary mode (ce-* headers"
        " with the data as the body in its own content type).",
        "content": {
            STRUCTURED: {"schema": {"type": "object", "required": ["specversion", "id", "source", "type"]}},
            BATCH: {"schema": {"type": "array", "items": {"type": "object"}}},
            "application/json": {"schema": {"description": "binary mode: the event data"}},
        },
    }
}


@router.post(
    "",
    response_model=EventsRouted,
    summary="Publish CloudEvents: every event is validated before any is routed",
    openapi_extra=CLOUDEVENTS_BODY,
    responses=problem_responses(
        {400: "Not a valid CloudEvent (nothing was routed).", 413: "Body too large, or too many events."}
    ),
)
async def publish_events(
    request: Request,
    router: RouterDep,
    service: ServiceDep,
    settings: SettingsDep,
    fates_wanted: Annotated[
        bool,
        Query(
            alias="fates",
            description="Ask each instance reached what became of the event (one workflow query each);"
            " false answers sooner, and is what a high-rate producer wants.",
        ),
    ] = True,
) -> EventsRouted:
    events = parse_http(request.headers, await request.body(), max_events=settings.max_batch)
    results = []
    for event in events:
        routed = await router.route(event)
        delivered = await fates(service.client, list(routed.delivered), event) if fates_wanted else {}
        api_metrics(request).routed(len(routed.delivered), len(routed.started), delivered)
        results.append(
            EventRouted(id=event["id"], source=event["source"], type=event["type"],
                        delivered=list(routed.delivered), started=list(routed.started), fates=delivered,
                        unrouted=not (routed.delivered or routed.started))
        )  # fmt: skip
    return EventsRouted(
        delivered=list(dict.fromkeys(i for r in results for i in r.delivered)),
        started=list(dict.fromkeys(i for r in results for i in r.started)),
        unrouted=[r.id for r in results if r.unrouted],
        results=results,
    )
