"""Request and response bodies of the API (what OpenAPI at ``/docs`` shows)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from swengine.core.json_values import unrepresentable

DEFAULT_TERMINATE_REASON = "terminated through the API"
InstanceStatusName = Literal["running", "completed", "failed", "cancelled", "terminated", "timed_out"]


class DocumentProblem(BaseModel):
    code: str = Field(description="Stable machine code, e.g. unknown_state.")
    message: str
    path: str = Field(description="JSON path of the offending node.")
    line: int | None = None
    column: int | None = None
    severity: str = "error"


class ProblemDetails(BaseModel):
    """RFC 9457 problem details, served as application/problem+json; extra members depend on ``code``."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="urn:swengine:problem:<code>")
    title: str = Field(description="The HTTP status phrase.")
    status: int
    detail: str
    code: str = Field(description="Stable machine code, e.g. definition_not_found.")
    instance: str | None = Field(None, description="The request path.")
    problems: list[DocumentProblem] | None = Field(None, description="Every problem of a refused document.")
    errors: list[Any] | None = Field(None, description="Request validation errors, when that was the cause.")


class DefinitionSummary(BaseModel):
    id: str
    version: str | None
    name: str | None
    content_hash: str
    media_type: str
    created_at: datetime
    updated_at: datetime
    scheduled: bool = Field(description="It starts on its own: a schedule (interval, cron, after) or events.")
    schedule: dict[str, Any] | None = Field(
        None,
        description="What starts it on its own: `every` (an interval), `cron`, `after` (again that long after"
        " each run ends), `on` (the event types and sources that each start an instance whose input is the"
        " array of those events), with the Temporal `schedule_id` or `repeater_id` behind it.",
    )
    dialect: str = Field(
        default="standard", description="The 0.8 dialect it was deployed in: standard or sonataflow."
    )
    origin: Literal["api", "file"] = Field(
        "api",
        description="Where the content came from: the API, or a file in the specs folder `serve` deployed.",
    )


class DefinitionDetail(DefinitionSummary):
    source: str = Field(description="The submitted text.")
    ir: dict[str, Any] = Field(description="The compiled form the interpreter runs.")


class DefinitionList(BaseModel):
    definitions: list[DefinitionSummary]


class Deployed(DefinitionSummary):
    status: Literal["created", "updated", "unchanged"] = Field(
        description="created (201), updated (replace=true, 200) or unchanged (same content hash, 200)."
    )
    schedule_id: str | None = Field(None, description="Temporal Schedule starting it, when it has one.")


class Validation(BaseModel):
    valid: bool
    id: str | None = None
    version: str | None = None
    content_hash: str | None = None
    problems: list[DocumentProblem]


class StartInstance(BaseModel):
    model_config = ConfigDict(extra="forbid")

    definition: str = Field(min_length=1, description="Definition id.")
    version: str | None = Field(None, description="Definition version; the latest deployed when absent.")
    input: dict[str, Any] | None = Field(None, description="Workflow input (a JSON object); {} when absent.")
    instance_id: str | None = Field(
        None, min_length=1, max_length=400, pattern=r"^[^\s]+$",
        description="Workflow id to use; generated when absent.",
    )  # fmt: skip
    correlation: dict[str, str] | None = Field(
        None,
        description="Correlation values (context attribute name to value) this instance is for: routed"
        " events that carry a correlation attribute reach only instances whose values match.",
    )

    @model_validator(mode="before")
    @classmethod
    def only_json(cls, value: Any) -> Any:
        """NaN, infinities and lone surrogates parse, but JSON cannot carry them on: refused, never nulled."""
        found = unrepresentable(value)
        if found is not None:
            raise ValueError(f"at {'.'.join(map(str, found[0])) or '(root)'}: {found[1]}")
        return value

    @field_validator("instance_id")
    @classmethod
    def addressable(cls, value: str | None) -> str | None:
        """An id must name its instance in a URL: ``x/result`` would be read as the result of ``x``, and clients
        rewrite ``.`` and ``..`` segments away."""
        segments = (value or "").split("/")
        if value is not None and (segments[-1] in INSTANCE_ROUTE_SUFFIXES or {".", ".."} & set(segments)):
            raise ValueError(
                "an instance id may not end in a route's name (/result, /events ...) or hold . or .."
            )
        return value


INSTANCE_ROUTE_SUFFIXES = frozenset({"result", "events", "terminate", "cancel", "suspend", "resume"})
"""What ``/instances/{id}/...`` routes add to an id (``tests/api`` checks the routes against it)."""


class InstanceStarted(BaseModel):
    instance_id: str
    run_id: str | None
    definition: str
    version: str | None


class DefinitionRef(BaseModel):
    id: str
    version: str | None = None
    content_hash: str | None = None


class InstanceDetail(BaseModel):
    model_config = ConfigDict(extra="allow")

    instance_id: str
    status: str = Field(description="running, completed, failed, cancelled, terminated or timed_out.")
    definition: DefinitionRef | None = None
    current_state: str | None = None
    suspended: bool = Field(False, description="Suspended: no further state (task) starts until resumed.")
    data: Any = None
    visited: list[str] = Field(default_factory=list, description="States visited, in order.")
    produced_events: list[dict[str, Any]] = Field(default_factory=list)
    pending_events: int | None = Field(None, description="Events received and not yet consumed.")
    dropped_events: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Unconsumed events dropped to keep the instance within its limits (id, source, type, reason);"
        " the latest 20 of this run.",
    )
    steps: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Each state run in this execution with its outcome: running, completed, timed_out (an"
        " event timeout passed and it moved on), handled_error, failed or compensated; error: the code.",
    )
    waiting_for: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Event waits now open: the state, the events it takes (type, source, correlation values;"
        " null means any value) and the deadline (null: none).",
    )
    error: dict[str, Any] | None = Field(
        None, description="code and message, when it ended without a result."
    )
    started_at: str | None = None
    closed_at: str | None = None


class InstanceSummary(BaseModel):
    instance_id: str
    run_id: str
    definition: str | None
    status: str
    started_at: datetime | None
    closed_at: datetime | None


class InstanceList(BaseModel):
    instances: list[InstanceSummary]
    next_page_token: str | None = Field(None, description="Pass as page_token for the next page.")


class InstanceResult(BaseModel):
    instance_id: str
    status: str = Field(description="completed, or running when it has not finished (answered with 202).")
    output: Any = None


Change = Literal["cancel_requested", "terminated", "suspend_requested", "resume_requested"]


class InstanceChanged(BaseModel):
    instance_id: str
    status: Change


class Terminate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(DEFAULT_TERMINATE_REASON, max_length=1000)


class EventsSent(BaseModel):
    instance_id: str
    events: list[str] = Field(description="Ids of the CloudEvents delivered to the instance.")


class EventRouted(BaseModel):
    id: str
    source: str
    type: str
    delivered: list[str] = Field(description="Waiting instances that received the event.")
    started: list[str] = Field(
        description="Instances the event started (definitions whose start consumes it)."
    )
    unrouted: bool = Field(
        default=False,
        description="No waiting instance and no definition took the event: it reached nobody.",
    )
    fates: dict[str, str] = Field(
        default_factory=dict,
        description="Per delivered instance: consumed (a state took it), buffered (kept until a state takes"
        " it), unmatched (kept, but its source or correlation matches none of the instance's events, so no"
        " state will take it), or unknown (no worker answered). Empty when asked with ``?fates=false``.",
    )


class EventsRouted(BaseModel):
    """The same shape for every mode: the instances reached by the request's events (``delivered``,
    ``started``), and ``results`` with one entry per event (one in structured and binary mode, n in a batch)."""

    delivered: list[str] = Field(description="Every instance that received one of the events.")
    started: list[str] = Field(description="Every instance one of the events started.")
    unrouted: list[str] = Field(
        default_factory=list,
        description="Ids of the events no instance received and no definition started on: check their"
        " type, and that an instance or a deployed definition waits for it.",
    )
    results: list[EventRouted]


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready"]
    checks: dict[str, str]


PROBLEM_SCHEMA_REF = {"$ref": "#/components/schemas/ProblemDetails"}


def problem_responses(
    described: dict[int, str], ok: tuple[type[BaseModel], str] | None = None
) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for error statuses, each an application/problem+json ``ProblemDetails``; ``ok``
    documents a 200 beside the route's own (201) success status."""
    responses: dict[int | str, dict[str, Any]] = {
        status: {"description": text, "content": {"application/problem+json": {"schema": PROBLEM_SCHEMA_REF}}}
        for status, text in described.items()
    }
    if ok is not None:
        responses[200] = {"model": ok[0], "description": ok[1]}
    return responses
