"""``start.schedule`` (0.8) and ``schedule`` (1.0): what starts a definition's instances on their own.

``every``/``cron``/interval: a Temporal Schedule per definition id. 1.0 ``after``: a repeater workflow per
definition id (``interpreter.repeater``). 1.0 ``on``: nothing to set up, the event router starts instances.
Both follow the latest deployed version of their definition: deploying a version with a schedule creates or
updates them, deploying one without (or deleting the definition) removes them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from temporalio.client import (
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
    WorkflowExecutionStatus,
)
from temporalio.common import TypedSearchAttributes, WorkflowIDConflictPolicy
from temporalio.service import RPCError, RPCStatusCode

from swengine.core.durations import parse_duration
from swengine.core.errors import InputError
from swengine.core.ir import REPEATER_NAME, WorkflowIR, workflow_type
from swengine.core.ir_codec import encode
from swengine.interpreter.events import search_index
from swengine.runtime.service import Service


def schedule_id(definition_id: str) -> str:
    return f"swengine-schedule-{definition_id}"


def repeater_id(definition_id: str) -> str:
    return f"swengine-repeat-{definition_id}"


CONTENT_MEMO = "content_hash"
"""The repeater's memo: the definition content it runs (an unchanged redeploy keeps it running)."""


def interval_spec(interval: str) -> tuple[ScheduleIntervalSpec, datetime | None]:
    """An ISO-8601 repeating interval (``R/PT1H``, ``R5/2024-01-01T00:00:00Z/PT1H``, or just ``PT1H``).

    A repetition count is not enforced: Temporal schedules repeat until the definition changes.
    """
    parts = [part for part in interval.split("/") if part and not part.upper().startswith("R")]
    durations = [part for part in parts if part.upper().startswith("P")]
    starts = [part for part in parts if not part.upper().startswith("P")]
    if len(durations) != 1 or len(starts) > 1:
        raise InputError(f"schedule interval {interval!r} is not an ISO-8601 repeating interval")
    start_at = datetime.fromisoformat(starts[0].replace("Z", "+00:00")) if starts else None
    return ScheduleIntervalSpec(every=parse_duration(durations[0])), start_at


def schedule_for(service: Service, ir: WorkflowIR) -> Schedule | None:
    """The Temporal schedule that ``ir.schedule`` asks for, or None; scheduled instances start with ``{}``."""
    if ir.schedule is None or not (ir.schedule.interval or ir.schedule.cron):
        return None
    intervals, crons, start_at, end_at = [], [], None, None
    if ir.schedule.interval:
        every, start_at = interval_spec(ir.schedule.interval)
        intervals.append(every)
    if ir.schedule.cron:
        crons.append(ir.schedule.cron)
        if ir.schedule.cron_valid_until:
            end_at = datetime.fromisoformat(ir.schedule.cron_valid_until.replace("Z", "+00:00"))
    action = ScheduleActionStartWorkflow(
        workflow_type(ir.id),
        encode(service.request_for(ir, {})),
        id=f"{ir.id}-scheduled",
        task_queue=service.task_queue,
        typed_search_attributes=search_index(ir)
        if service.search_attributes
        else TypedSearchAttributes.empty,
    )
    spec = ScheduleSpec(
        intervals=intervals,
        cron_expressions=crons,
        start_at=start_at,
        end_at=end_at,
        time_zone_name=ir.schedule.timezone,
    )
    return Schedule(action=action, spec=spec)


async def sync_schedule(service: Service, definition_id: str, wanted: Schedule | None) -> str | None:
    """Make the schedule of ``definition_id`` the one its latest version asks for (``schedule_for``), or none;
    the schedule id, or None if none."""
    handle = service.client.get_schedule_handle(schedule_id(definition_id))
    if wanted is None:
        try:
            await handle.delete()
        except RPCError as err:
            if err.status != RPCStatusCode.NOT_FOUND:
                raise
        return None
    try:
        await service.client.create_schedule(handle.id, wanted)
    except ScheduleAlreadyRunningError:

        def replace(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=wanted)

        await handle.update(replace)
    return handle.id


def repeat_plan(service: Service, ir: WorkflowIR) -> dict[str, Any] | None:
    """The repeater's input for ``schedule.after``, or None; each run starts with ``{}``."""
    if ir.schedule is None or not ir.schedule.after:
        return None
    run = encode(service.request_for(ir, {}))
    return {
        "run": run,
        "after": ir.schedule.after,
        "index": service.search_attributes,
        "typed": True,
        "runs": 0,
    }


async def sync_repeater(service: Service, definition_id: str, ir: WorkflowIR | None) -> str | None:
    """Make the repeater of ``definition_id`` run ``ir``'s ``schedule.after`` (kept when it already runs that
    content, replaced otherwise), or stop it; its workflow id, or None."""
    plan = repeat_plan(service, ir) if ir is not None else None
    handle = service.client.get_workflow_handle(repeater_id(definition_id))
    try:
        running = await handle.describe()
    except RPCError as err:
        if err.status != RPCStatusCode.NOT_FOUND:
            raise
        running = None
    if running is not None and running.status == WorkflowExecutionStatus.RUNNING:
        if (
            plan is not None
            and ir is not None
            and await running.memo_value(CONTENT_MEMO, None) == ir.content_hash
        ):
            return handle.id
        await handle.terminate(reason="the definition's schedule changed")
    if plan is None or ir is None:
        return None
    # Replaces whatever runs under the id at that moment, atomically: two deploys at once once both saw none
    # running, and the second start failed (500).
    await service.client.start_workflow(
        REPEATER_NAME,
        plan,
        id=handle.id,
        task_queue=service.task_queue,
        memo={CONTENT_MEMO: ir.content_hash},
        id_conflict_policy=WorkflowIDConflictPolicy.TERMINATE_EXISTING,
    )
    return handle.id


async def follow_latest(service: Service, definition_id: str, latest: WorkflowIR | None) -> str | None:
    """Every schedule of ``definition_id`` as its latest version asks; the id of the one it has, if any."""
    scheduled = await sync_schedule(
        service, definition_id, schedule_for(service, latest) if latest is not None else None
    )
    repeating = await sync_repeater(service, definition_id, latest)
    return scheduled or repeating


def schedule_view(ir: WorkflowIR) -> dict[str, Any] | None:
    """What starts a definition on its own, as ``GET /definitions/{id}`` shows it."""
    schedule = ir.schedule
    if schedule is None:
        return None
    view: dict[str, Any] = {
        "every": schedule.interval,
        "cron": schedule.cron,
        "after": schedule.after,
        "on": [{"type": e.type, "source": e.source} for e in schedule.on] or None,
    }
    if schedule.interval or schedule.cron:
        view["schedule_id"] = schedule_id(ir.id)
    if schedule.after:
        view["repeater_id"] = repeater_id(ir.id)
    return {key: value for key, value in view.items() if value is not None}
