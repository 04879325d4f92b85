"""``/instances``: start (idempotently with ``Idempotency-Key``), list, inspect, result, suspend, resume,
cancel, terminate, and send a CloudEvent to one instance.

Instance ids may contain ``/`` (event-started and child instances do), hence the ``:path`` parameters and
the suffixed routes declared before the bare one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Query, Request, Response, status
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from swengine.api.deps import ServiceDep, SettingsDep, StoreDep
from swengine.api.models import (
    DEFAULT_TERMINATE_REASON,
    Change,
    EventsSent,
    InstanceChanged,
    InstanceDetail,
    InstanceList,
    InstanceResult,
    InstanceStarted,
    InstanceStatusName,
    StartInstance,
    Terminate,
    problem_responses,
)
from swengine.api.newest_first import Position, newest_first
from swengine.api.routes.metrics import api_metrics
from swengine.api.visibility import instance_summary, visibility_query
from swengine.core.errors import Conflict, NotFound, SwengineError
from swengine.core.task_errors import is_task_error
from swengine.runtime.cloudevents import parse_http
from swengine.runtime.service import STATUS_NAMES, InstanceFailed, Service

router = APIRouter(prefix="/instances", tags=["instances"])

NOT_FOUND = {404: "No instance with this id."}


class InstanceEnded(SwengineError):
    """The instance closed without a result (failed, cancelled, terminated, timed out)."""

    http_status = 409

    def __init__(self, instance_id: str, status_name: str, failure: InstanceFailed) -> None:
        super().__init__(
            f"instance '{instance_id}' is {status_name}: {failure.message}",
            code=f"instance_{status_name}",
            # A 1.0 instance's error object (RFC 7807: type, status, instance, title, detail) comes along.
            detail={"error": {"code": failure.code, "message": failure.message, **_task_error(failure)}},
        )


def _task_error(failure: InstanceFailed) -> dict[str, Any]:
    return dict(failure.detail) if is_task_error(failure.detail) else {}


def idempotent_instance_id(definition_id: str, key: str) -> str:
    """The same key for the same definition always names the same instance (and never leaks the key)."""
    digest = hashlib.sha256(f"{definition_id}\n{key}".encode()).hexdigest()[:32]
    return f"{definition_id}-{digest}"


async def execution_status(service: Service, instance_id: str) -> tuple[str, str]:
    """(status name, run id) from Temporal alone: no query, so it answers even with no worker running."""
    try:
        description = await service.handle(instance_id).describe()
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            raise NotFound(f"instance '{instance_id}' not found", code="instance_not_found") from err
        raise
    name = STATUS_NAMES.get(description.status, "unknown") if description.status else "unknown"
    return name, description.run_id


async def require_running(service: Service, instance_id: str) -> None:
    name, _ = await execution_status(service, instance_id)
    if name != "running":
        raise Conflict(
            f"instance '{instance_id}' is {name}",
            code="instance_not_running",
            detail={"instance_status": name},
        )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=InstanceStarted,
    summary="Start an instance of a deployed definition",
    responses=problem_responses(
        {
            400: "The input does not match the definition's dataInputSchema.",
            404: "The definition (or a subflow it calls) is not deployed.",
            409: "An instance with this instance_id is already running.",
            422: "The Idempotency-Key was first used with another request.",
        },
        ok=(InstanceStarted, "A repeat of an Idempotency-Key's first request."),
    ),
)
async def start_instance(
    request: Request,
    body: StartInstance,
    response: Response,
    store: StoreDep,
    service: ServiceDep,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            max_length=255,
            description="A repeat of the same request with the same key answers 200 with the instance the"
            " first one started (even after it ended); the same key with another request is 422.",
        ),
    ] = None,  # fmt: skip
    version: Annotated[str | None, Query(description="Definition version, when the body gives none.")] = None,
) -> InstanceStarted:
    stored = store.get(body.definition, body.version or version)
    if idempotency_key is not None:
        started, created = await service.start_once(
            stored.ir,
            body.input,
            instance_id=body.instance_id or idempotent_instance_id(stored.id, idempotency_key),
            request_hash=request_hash(body, version),
            correlation=body.correlation,
        )
        if not created:
            response.status_code = status.HTTP_200_OK
    else:
        try:
            started = await service.start(
                stored.ir, body.input, instance_id=body.instance_id, correlation=body.correlation
            )
        except WorkflowAlreadyStartedError:
            raise Conflict(
                f"instance '{body.instance_id}' is already running", code="instance_exists"
            ) from None
    if response.status_code != status.HTTP_200_OK:
        api_metrics(request).instances_started.labels(stored.id).inc()
    return InstanceStarted(
        instance_id=started.instance_id, run_id=started.run_id, definition=stored.id, version=stored.version
    )


def request_hash(body: StartInstance, version: str | None) -> str:
    """What makes two starts under one Idempotency-Key the same request: the body and the version asked."""
    canonical = json.dumps([body.model_dump(mode="json"), version], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@router.get("", response_model=InstanceList, summary="List instances (Temporal visibility), newest first")
async def list_instances(
    service: ServiceDep,
    definition: Annotated[str | None, Query(pattern=r"^[^'\"\\]+$", description="Definition id.")] = None,
    status_name: Annotated[InstanceStatusName | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    page_token: Annotated[str | None, Query(description="next_page_token of the previous page.")] = None,
) -> InstanceList:
    executions, following = await newest_first(
        service.client,
        visibility_query(definition, status_name),
        limit=limit,
        after=Position.parse(page_token),
    )
    return InstanceList(
        instances=[instance_summary(execution) for execution in executions],
        next_page_token=following.token() if following else None,
    )


@router.get(
    "/{instance_id:path}/result",
    response_model=InstanceResult,
    summary="The output of an instance (202 while it runs)",
    responses={
        202: {"model": InstanceResult, "description": "Still running (after waiting, when wait=true)."},
        **problem_responses({**NOT_FOUND, 409: "It failed, was cancelled, terminated or timed out."}),
    },
)
async def instance_result(
    instance_id: str,
    service: ServiceDep,
    response: Response,
    wait: Annotated[bool, Query(description="Wait for the instance to finish (up to timeout).")] = False,
    timeout: Annotated[float, Query(gt=0, le=300, description="Seconds to wait, with wait=true.")] = 30,
) -> InstanceResult:
    name, _ = await execution_status(service, instance_id)
    if name == "running" and not wait:
        response.status_code = status.HTTP_202_ACCEPTED
        return InstanceResult(instance_id=instance_id, status=name)
    try:
        output = await service.result(instance_id, timeout=timeout if name == "running" else None)
    except TimeoutError:
        response.status_code = status.HTTP_202_ACCEPTED
        return InstanceResult(instance_id=instance_id, status="running")
    except InstanceFailed as failure:
        name, _ = await execution_status(service, instance_id)
        raise InstanceEnded(instance_id, name, failure) from None
    return InstanceResult(instance_id=instance_id, status="completed", output=output)


Steer = Callable[[Service, str], Awaitable[None]]
STEERING: dict[str, tuple[str, Steer, Change]] = {
    "cancel": (
        "Request cancellation (the instance ends as cancelled)",
        lambda service, instance_id: service.cancel(instance_id),
        "cancel_requested",
    ),
    "suspend": (
        "Suspend: the state or task running now finishes, no further one starts until resumed",
        lambda service, instance_id: service.suspend(instance_id),
        "suspend_requested",
    ),
    "resume": (
        "Resume a suspended instance (resuming one that is not suspended changes nothing)",
        lambda service, instance_id: service.suspend(instance_id, suspended=False),
        "resume_requested",
    ),
}
"""The verbs that ask a running instance to change course: (summary, what it asks of Temporal, the answer)."""


def _steering(steer: Steer, outcome: Change) -> Callable[..., Awaitable[InstanceChanged]]:
    async def endpoint(instance_id: str, service: ServiceDep) -> InstanceChanged:
        await require_running(service, instance_id)
        await steer(service, instance_id)
        return InstanceChanged(instance_id=instance_id, status=outcome)

    return endpoint


for _verb, (_summary, _steer, _outcome) in STEERING.items():
    router.add_api_route(
        f"/{{instance_id:path}}/{_verb}",
        _steering(_steer, _outcome),
        methods=["POST"],
        name=f"{_verb}_instance",
        status_code=status.HTTP_202_ACCEPTED,
        response_model=InstanceChanged,
        summary=_summary,
        responses=problem_responses({**NOT_FOUND, 409: "The instance is not running."}),
    )


@router.post(
    "/{instance_id:path}/terminate",
    response_model=InstanceChanged,
    summary="Terminate now (no cleanup runs)",
    responses=problem_responses({**NOT_FOUND, 409: "The instance is not running."}),
)
async def terminate_instance(
    instance_id: str, service: ServiceDep, body: Annotated[Terminate | None, Body()] = None
) -> InstanceChanged:
    await require_running(service, instance_id)
    await service.terminate(instance_id, reason=body.reason if body else DEFAULT_TERMINATE_REASON)
    return InstanceChanged(instance_id=instance_id, status="terminated")


@router.post(
    "/{instance_id:path}/events",
    response_model=EventsSent,
    summary="Send CloudEvents (structured, binary or batch mode) to this instance only",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/cloudevents+json": {"schema": {"type": "object"}},
                "application/cloudevents-batch+json": {
                    "schema": {"type": "array", "items": {"type": "object"}}
                },
            },
        }
    },  # fmt: skip
    responses=problem_responses(
        {400: "Not a valid CloudEvent.", **NOT_FOUND, 409: "The instance is not running."}
    ),
)
async def send_instance_events(
    instance_id: str, request: Request, service: ServiceDep, settings: SettingsDep
) -> EventsSent:
    events = parse_http(request.headers, await request.body(), max_events=settings.max_batch)
    await require_running(service, instance_id)
    for event in events:
        await service.send_event(instance_id, event)
    return EventsSent(instance_id=instance_id, events=[event["id"] for event in events])


@router.get(
    "/{instance_id:path}",
    response_model=InstanceDetail,
    summary="Status, current state, data, states visited and produced events",
    responses=problem_responses(NOT_FOUND),
)
async def get_instance(instance_id: str, service: ServiceDep) -> dict[str, Any]:
    return await service.describe(instance_id)
