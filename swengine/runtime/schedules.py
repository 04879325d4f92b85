"""``start.schedule``: a Temporal Schedule per definition id that starts the interpreter on interval or cron.

The schedule follows the latest deployed version of its definition: deploying a version with a schedule
creates or updates it, deploying one without (or deleting the definition) removes it.
"""

from __future__ import annotations

from datetime import datetime

from temporalio.client import (
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)
from temporalio.common import TypedSearchAttributes
from temporalio.service import RPCError, RPCStatusCode

from swengine.core.durations import parse_duration
from swengine.core.errors import InputError
from swengine.core.ir import WORKFLOW_NAME, WorkflowIR
from swengine.core.ir_codec import encode
from swengine.interpreter.events import search_index
from swengine.runtime.service import Service


def schedule_id(definition_id: str) -> str:
    return f"swengine-schedule-{definition_id}"


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
        WORKFLOW_NAME,
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
