"""``/metrics``: this API process's counters in the Prometheus text format (workers serve the SDK's own)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from swengine.runtime.metrics import CONTENT_TYPE, ApiMetrics

router = APIRouter(tags=["operations"])


def api_metrics(request: Request) -> ApiMetrics:
    metrics: ApiMetrics = request.app.state.metrics
    return metrics


@router.get(
    "/metrics",
    summary="Prometheus metrics: instances started here, events routed and their fates, jq evaluations",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE: {}}, "description": "Prometheus text exposition format."}},
)
async def metrics(request: Request) -> Response:
    return Response(api_metrics(request).exposition(), media_type=CONTENT_TYPE)
