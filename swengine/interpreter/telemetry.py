"""Instance and state metrics from inside the workflow, through the SDK's replay-safe metric meter (nothing
is recorded while a history replays, and nothing is a command). They leave the worker through the SDK's
runtime telemetry (``--metrics-port``), beside the SDK's own metrics."""

from __future__ import annotations

from datetime import datetime

from temporalio import workflow
from temporalio.common import MetricHistogramTimedelta

from swengine.core.ir import OPERATION_ACTIVITIES
from swengine.core.ir_tasks import PROCESS_ACTIVITY, PROTOCOL_ACTIVITIES

GENERIC_ACTIVITIES = frozenset({*OPERATION_ACTIVITIES, PROCESS_ACTIVITY, *PROTOCOL_ACTIVITIES.values()})
"""The engine's activities that serve every call of their kind: Temporal's UI tells one such call from another
only by its summary. Every other activity's type already names what it runs (and a summary on every activity
cost 2 to 3 % of a sequence's latency)."""


def activity_summary(activity: str, name: str | None) -> str | None:
    """What Temporal's UI shows beside an activity: the function or task ``name`` for a generic activity."""
    return name if activity in GENERIC_ACTIVITIES else None


def _definition(definition: str) -> dict[str, str]:
    return {"definition": definition}


def instance_started(definition: str) -> None:
    meter = workflow.metric_meter()
    meter.create_counter("swengine_instances_started", "instances that began at their start state").add(
        1, _definition(definition)
    )


def instance_ended(definition: str, outcome: str) -> None:
    """``outcome``: completed or failed."""
    meter = workflow.metric_meter()
    meter.create_counter(f"swengine_instances_{outcome}", f"instances {outcome}").add(
        1, _definition(definition)
    )


class StateDurations:
    """How long states took (workflow time), by definition, state kind and outcome: one histogram per run,
    bound to its attributes once per kind and outcome (creating and binding them per state cost 7 µs)."""

    def __init__(self, definition: str) -> None:
        self._definition = definition
        self._bound: dict[tuple[str, str], MetricHistogramTimedelta] = {}

    def record(self, kind: str, outcome: str, began: datetime) -> None:
        histogram = self._bound.get((kind, outcome))
        if histogram is None:
            meter = workflow.metric_meter()
            created = meter.create_histogram_timedelta(
                "swengine_state_duration", "time spent in a state", "ms"
            )
            attributes = {"definition": self._definition, "kind": kind, "outcome": outcome}
            histogram = self._bound[kind, outcome] = created.with_additional_attributes(attributes)
        histogram.record(workflow.now() - began)


def show_current(definition: str, state: str, kind: str, waiting_for: list[str] | None = None) -> None:
    """What Temporal's Web UI shows as the instance's current details (markdown; no command is emitted)."""
    text = f"**{definition}**: state `{state}` ({kind})"
    if waiting_for:
        text += ", waiting for " + " or ".join(f"`{event}`" for event in waiting_for)
    workflow.set_current_details(text)
