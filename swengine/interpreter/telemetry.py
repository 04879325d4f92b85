"""Instance and state metrics from inside the workflow, through the SDK's replay-safe metric meter (nothing
is recorded while a history replays, and nothing is a command). They leave the worker through the SDK's
runtime telemetry (``--metrics-port``), beside the SDK's own metrics."""

from __future__ import annotations

from datetime import datetime

from temporalio import workflow


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


def state_finished(definition: str, kind: str, outcome: str, began: datetime) -> None:
    """How long a state took (workflow time), by definition, state kind and outcome."""
    meter = workflow.metric_meter()
    histogram = meter.create_histogram_timedelta("swengine_state_duration", "time spent in a state", "ms")
    histogram.record(workflow.now() - began, {"definition": definition, "kind": kind, "outcome": outcome})


def show_current(definition: str, state: str, kind: str, waiting_for: list[str] | None = None) -> None:
    """What Temporal's Web UI shows as the instance's current details (markdown; no command is emitted)."""
    text = f"**{definition}**: state `{state}` ({kind})"
    if waiting_for:
        text += ", waiting for " + " or ".join(f"`{event}`" for event in waiting_for)
    workflow.set_current_details(text)
