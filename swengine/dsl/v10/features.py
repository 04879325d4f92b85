"""Valid 1.0 that swengine refuses (``unsupported_feature``), each with the reason, never silently ignored."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from swengine.core.ir import ENGINE_ACTIVITY_PREFIX
from swengine.dsl.facts import Finding
from swengine.dsl.source_map import JsonPath
from swengine.dsl.v10.tasks import walk_document

REFUSED_CALLS = {
    "asyncapi": "AsyncAPI calls",
}
SUPPORTED_AUTHENTICATION = {"basic", "bearer", "digest", "oauth2", "oidc"}
"""Authentication schemes swengine runs (inline, or named in ``use.authentications``); certificate is not."""
REFUSED_AUTHENTICATION = "certificate authentication"
REFUSED_RUNS = {"container": "run.container"}
"""Docker or Podman is not driven by swengine yet."""
REFUSED_SCRIPT = {"source": "run.script with an external source (only inline code)"}
REFUSED_TOP = {
    "schedule.on.all": "event-started schedules that gather all of several events",
    "schedule.on.until": "event-started schedules with until",
    "use.extensions": "extensions",
    "use.catalogs": "catalogs",
}


def check_features(data: dict[str, Any]) -> list[Finding]:
    return [
        Finding("unsupported_feature", f"{what} are not supported by swengine yet", path)
        for path, what in _refused(data)
    ] + list(_engine_activities(data))


def _engine_activities(data: dict[str, Any]) -> Iterator[Finding]:
    """``call: activity`` may name the operator's activities only, never the engine's own."""
    for site in walk_document(data):
        name = (
            _get(site.body, "with.name")
            if site.kind == "call" and site.body.get("call") == "activity"
            else None
        )
        if isinstance(name, str) and name.startswith(ENGINE_ACTIVITY_PREFIX):
            message = f"{name} is one of swengine's own activities, not the operator's"
            yield Finding("engine_activity_refused", message, site.path + ("with", "name"))


def _refused(data: dict[str, Any]) -> Iterator[tuple[JsonPath, str]]:
    for dotted, what in REFUSED_TOP.items():
        if _has(data, dotted):
            yield tuple(dotted.split(".")), what
    yield from _refused_starting_filters(data)
    for name, policy in (_get(data, "use.authentications") or {}).items():
        if isinstance(policy, dict) and not set(policy) <= SUPPORTED_AUTHENTICATION:
            yield ("use", "authentications", name), REFUSED_AUTHENTICATION
    language = _get(data, "evaluate.language")
    if language is not None and language != "jq":
        yield ("evaluate", "language"), f"expression languages other than jq ({language!r})"
    for site in walk_document(data):
        call = site.body.get("call") if site.kind == "call" else None
        if call in REFUSED_CALLS:
            yield site.path + ("call",), REFUSED_CALLS[call]
        for where in ("with.endpoint.authentication", "with.document.endpoint.authentication"):
            policy = _get(site.body, where) if site.kind == "call" else None
            if isinstance(policy, dict) and not set(policy) <= SUPPORTED_AUTHENTICATION | {"use"}:
                yield site.path + tuple(where.split(".")), REFUSED_AUTHENTICATION
        run = site.body.get("run") if site.kind == "run" else None
        for key, what in REFUSED_RUNS.items():
            if isinstance(run, dict) and key in run:
                yield site.path + ("run", key), f"{what} tasks"
        script = run.get("script") if isinstance(run, dict) else None
        for key, what in REFUSED_SCRIPT.items():
            if isinstance(script, dict) and key in script:
                yield site.path + ("run", "script", key), what


STARTING_FILTER_KEYS = {"type", "source"}
"""What a ``schedule.on`` filter may test: the router starts instances on these attributes alone."""


def _refused_starting_filters(data: dict[str, Any]) -> Iterator[tuple[JsonPath, str]]:
    on = _get(data, "schedule.on")
    for mode in ("one", "any"):
        given = on.get(mode) if isinstance(on, dict) else None
        if given is None:
            continue
        filters = given if isinstance(given, list) else [given]
        for index, event_filter in enumerate(filters):
            attributes = _get(event_filter, "with")
            path: JsonPath = ("schedule", "on", mode) + ((index,) if isinstance(given, list) else ())
            if (
                not isinstance(attributes, dict)
                or not isinstance(attributes.get("type"), str)
                or "${" in str(attributes.get("type"))
                or not set(attributes) <= STARTING_FILTER_KEYS
                or set(event_filter) - {"with"}
            ):
                yield path, "event-started schedule filters other than a literal type (and source)"
        if mode == "any" and not filters:
            yield ("schedule", "on", "any"), "event-started schedules on any event at all"


def _get(node: Any, dotted: str) -> Any:
    for key in dotted.split("."):
        node = node.get(key) if isinstance(node, dict) else None
    return node


def _has(node: Any, dotted: str) -> bool:
    *parents, last = dotted.split(".")
    for key in parents:
        node = node.get(key) if isinstance(node, dict) else None
    return isinstance(node, dict) and last in node
