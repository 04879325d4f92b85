"""Valid 1.0 that swengine refuses (``unsupported_feature``), each with the reason, never silently ignored."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

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
    "schedule.after": "schedules that start after the previous run",
    "schedule.on": "event-started schedules",
    "use.extensions": "extensions",
    "use.catalogs": "catalogs",
}


def check_features(data: dict[str, Any]) -> list[Finding]:
    return [
        Finding("unsupported_feature", f"{what} are not supported by swengine yet", path)
        for path, what in _refused(data)
    ]


def _refused(data: dict[str, Any]) -> Iterator[tuple[JsonPath, str]]:
    for dotted, what in REFUSED_TOP.items():
        if _has(data, dotted):
            yield tuple(dotted.split(".")), what
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


def _get(node: Any, dotted: str) -> Any:
    for key in dotted.split("."):
        node = node.get(key) if isinstance(node, dict) else None
    return node


def _has(node: Any, dotted: str) -> bool:
    *parents, last = dotted.split(".")
    for key in parents:
        node = node.get(key) if isinstance(node, dict) else None
    return isinstance(node, dict) and last in node
