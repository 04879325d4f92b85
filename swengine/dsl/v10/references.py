"""1.0 checks of names: ``then`` targets exist in the same list, task names are unique there, and every
``use.*`` reference (functions, errors, retries, timeouts) resolves."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from swengine.dsl.facts import Finding
from swengine.dsl.source_map import JsonPath
from swengine.dsl.v10.tasks import FLOW_DIRECTIVES, TaskSite, entries, nested_lists, walk_document

CALL_PROTOCOLS = ("http", "openapi", "grpc", "asyncapi", "a2a", "mcp", "activity")
"""``call`` values that are a protocol, not the name of a function in ``use.functions``."""


def check_names(data: dict[str, Any]) -> list[Finding]:
    findings = list(_duplicates(data.get("do"), ("do",)))
    for site in walk_document(data):
        for inner, inner_path in nested_lists(site.body, site.kind):
            findings += _duplicates(inner, site.path + inner_path)
        findings += _flow_targets(site)
    return findings


def _duplicates(task_list: Any, path: JsonPath) -> Iterator[Finding]:
    seen: set[str] = set()
    for index, name, _ in entries(task_list):
        if name in seen:
            yield Finding(
                "duplicate_task", f"task name '{name}' is already used in this list", path + (index,)
            )
        seen.add(name)


def _flow_targets(site: TaskSite) -> Iterator[Finding]:
    targets: list[tuple[Any, JsonPath]] = [(site.body.get("then"), site.path + ("then",))]
    cases = site.body.get("switch") if site.kind == "switch" else None
    for index, case_name, case in entries(cases):
        if isinstance(case, dict):
            targets.append((case.get("then"), site.path + ("switch", index, case_name, "then")))
    for target, path in targets:
        if isinstance(target, str) and target not in FLOW_DIRECTIVES and target not in site.siblings:
            known = ", ".join(repr(name) for name in site.siblings) or "none"
            message = f"then: '{target}' names no task of the same list (tasks there: {known})"
            yield Finding("unknown_task", message, path)


_USES: dict[str, tuple[str, str]] = {
    "errors": ("unknown_error", "error"),
    "retries": ("unknown_retry", "retry policy"),
    "timeouts": ("unknown_timeout", "timeout"),
    "functions": ("unknown_function", "function"),
    "authentications": ("unknown_authentication", "authentication policy"),
}
"""What a reference can name in ``use``: (code when the name is unknown, what it is called)."""


def check_uses(data: dict[str, Any]) -> list[Finding]:
    use = _mapping(data.get("use"))
    findings = []
    for kind, name, path in _references(data):
        defined = _mapping(use.get(kind))
        if name not in defined:
            code, what = _USES[kind]
            known = ", ".join(repr(key) for key in defined) or "none"
            findings.append(Finding(code, f"no {what} named '{name}' in use.{kind} (defined: {known})", path))
    return findings


def _references(data: dict[str, Any]) -> Iterator[tuple[str, str, JsonPath]]:
    """(use section, name, path) of every reference by name."""
    if isinstance(data.get("timeout"), str):
        yield "timeouts", data["timeout"], ("timeout",)
    for site in walk_document(data):
        body = site.body
        if isinstance(body.get("timeout"), str):
            yield "timeouts", body["timeout"], site.path + ("timeout",)
        if site.kind == "call" and isinstance(body["call"], str) and body["call"] not in CALL_PROTOCOLS:
            yield "functions", body["call"], site.path + ("call",)
        raised = body.get("raise") if site.kind == "raise" else None
        if isinstance(raised, dict) and isinstance(raised.get("error"), str):
            yield "errors", raised["error"], site.path + ("raise", "error")
        if site.kind == "call":
            for where, policy in _authentications(body.get("with"), ("with",)):
                if isinstance(policy.get("use"), str):
                    yield "authentications", policy["use"], site.path + (*where, "authentication", "use")
        catch = body.get("catch") if site.kind == "try" else None
        if isinstance(catch, dict) and isinstance(catch.get("retry"), str):
            yield "retries", catch["retry"], site.path + ("catch", "retry")


def _authentications(node: Any, path: JsonPath) -> Iterator[tuple[JsonPath, dict[str, Any]]]:
    """(path of the holder, policy) of every ``authentication`` mapping below a call's ``with``."""
    if isinstance(node, dict):
        if isinstance(node.get("authentication"), dict):
            yield path, node["authentication"]
        for key, value in node.items():
            yield from _authentications(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _authentications(value, (*path, index))


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _at(node: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    return node
