"""``/healthz`` (the process answers) and ``/readyz`` (Temporal and the store answer); never authenticated."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from fastapi import APIRouter
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest

from swengine.api.deps import ServiceDep, StoreDep
from swengine.api.models import Health, Readiness, problem_responses
from swengine.api.problems import NotReady

router = APIRouter(tags=["health"])

CHECK_TIMEOUT = 3.0


@router.get("/healthz", response_model=Health, summary="Liveness: the process is up")
async def healthz() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Readiness,
    summary="Readiness: Temporal's namespace and the definition store both answer",
    responses=problem_responses({503: "Not ready; `checks` says which part failed."}),
)
async def readyz(service: ServiceDep, store: StoreDep) -> Readiness:
    checks: dict[str, str] = {}
    try:
        request = DescribeNamespaceRequest(namespace=service.client.namespace)
        call = service.client.workflow_service.describe_namespace(
            request, timeout=timedelta(seconds=CHECK_TIMEOUT)
        )
        await asyncio.wait_for(call, CHECK_TIMEOUT + 1)
        checks["temporal"] = "ok"
    except Exception as err:  # noqa: BLE001 - any failure means not ready, and says why
        checks["temporal"] = f"failed: {err}"
    try:
        store.check()
        checks["store"] = "ok"
    except Exception as err:  # noqa: BLE001
        checks["store"] = f"failed: {err}"
    if any(value != "ok" for value in checks.values()):
        raise NotReady(
            "not ready: " + ", ".join(f"{k} {v}" for k, v in checks.items()), detail={"checks": checks}
        )
    return Readiness(status="ready", checks=checks)
