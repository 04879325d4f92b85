"""Semantic checks of a 1.0 document that its schema cannot express: the DSL release, names and references,
expressions (compile, no forbidden builtin), durations, and features swengine refuses.

``check`` runs them all; the problem codes are listed in ``swengine.dsl.validator``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from swengine import expressions
from swengine.core import durations
from swengine.dsl.expression_batch import find_problems_many
from swengine.dsl.facts import Finding
from swengine.dsl.source_map import JsonPath
from swengine.dsl.v10.features import check_features
from swengine.dsl.v10.references import check_names, check_uses
from swengine.dsl.v10.schemas import check_schemas
from swengine.dsl.v10.secrets import check_secret_uses
from swengine.dsl.v10.tasks import TaskSite, entries, walk_document
from swengine.dsl.versions import SUPPORTED_TASK_DSL, task_dsl_version

_ALWAYS_EXPRESSIONS: tuple[JsonPath, ...] = (
    ("if",),
    ("input", "from"),
    ("output", "as"),
    ("export", "as"),
    ("for", "in"),
    ("while",),
    ("catch", "when"),
    ("catch", "exceptWhen"),
    ("catch", "retry", "when"),
    ("catch", "retry", "exceptWhen"),
    ("listen", "to", "until"),
    ("foreach", "output", "as"),
    ("foreach", "export", "as"),
)
"""Task properties whose string is a jq expression even without ``${ }``."""


def check(data: dict[str, Any]) -> list[Finding]:
    """Every semantic finding for a 1.0 definition (which may also have schema problems)."""
    version = check_version(data)
    if version:
        return version  # a release we do not know is not judged further
    findings: list[Finding] = []
    for run in _CHECKS:
        findings += run(data)
    return findings


def check_version(data: dict[str, Any]) -> list[Finding]:
    found = task_dsl_version(data)
    if found is None or SUPPORTED_TASK_DSL.match(found):
        return []
    message = f"DSL {found} is not one swengine runs (0.8, and 1.0.0 to 1.0.3 of the task DSL)"
    return [Finding("unsupported_dsl_version", message, ("document", "dsl"))]


def check_expressions(data: dict[str, Any]) -> list[Finding]:
    sites = dict(_expression_sites(data))
    problems = find_problems_many(sites.values())
    findings = [
        Finding(code, message, path) for path, body in sites.items() for code, message in problems[body]
    ]
    return findings + check_secret_uses(sites, data)


def _expression_sites(data: dict[str, Any]) -> Iterator[tuple[JsonPath, str]]:
    for key in ("input", "output"):
        suffixes: tuple[JsonPath, ...] = (("from",), ("as",))
        for suffix in suffixes:
            value = _at(data.get(key), suffix)
            if isinstance(value, str):
                yield (key, *suffix), expressions.strip(value)
    for key in ("do", "use", "input", "output"):
        yield from _wrapped(data.get(key), (key,))
    for site in walk_document(data):
        for suffix in _ALWAYS_EXPRESSIONS:
            value = _at(site.body, suffix)
            if isinstance(value, str):
                yield site.path + suffix, expressions.strip(value)
        if site.kind == "set" and isinstance(site.body["set"], str):
            yield site.path + ("set",), expressions.strip(site.body["set"])
        if site.kind == "listen":
            yield from _correlations(site.body, site.path)
        if site.kind == "switch":
            for index, name, case in entries(site.body["switch"]):
                if isinstance(_at(case, ("when",)), str):
                    yield site.path + ("switch", index, name, "when"), expressions.strip(case["when"])


def _correlations(body: dict[str, Any], path: JsonPath) -> Iterator[tuple[JsonPath, str]]:
    """``correlate.<key>.from`` of every filter of a listen task (always an expression)."""
    to = _mapping(_at(body, ("listen", "to")))
    for where, strategy in ((("listen", "to"), to), (("listen", "to", "until"), _mapping(to.get("until")))):
        for filter_path, event_filter in _filters(strategy, path + where):
            for key, rule in _mapping(_at(event_filter, ("correlate",))).items():
                if isinstance(_at(rule, ("from",)), str):
                    yield filter_path + ("correlate", key, "from"), expressions.strip(rule["from"])


def _filters(strategy: dict[str, Any], path: JsonPath) -> Iterator[tuple[JsonPath, Any]]:
    if "one" in strategy:
        yield path + ("one",), strategy["one"]
    for mode in ("all", "any"):
        if isinstance(strategy.get(mode), list):
            for index, item in enumerate(strategy[mode]):
                yield path + (mode, index), item


def _wrapped(node: Any, path: JsonPath) -> Iterator[tuple[JsonPath, str]]:
    """Every ``${ }`` string below ``node``."""
    if isinstance(node, str) and expressions.is_expression(node):
        yield path, expressions.strip(node)
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _wrapped(value, path + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _wrapped(value, path + (index,))


def _at(node: Any, path: JsonPath) -> Any:
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    return node


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def check_durations(data: dict[str, Any]) -> list[Finding]:
    findings = []
    cron = _at(data, ("schedule", "cron"))
    if isinstance(cron, str) and (error := durations.check_cron(cron)):
        findings.append(
            Finding("invalid_cron", f"{cron!r} is not a valid cron expression: {error}", ("schedule", "cron"))
        )
    every = _at(data, ("schedule", "every"))
    if isinstance(every, (str, dict)) and not (isinstance(every, str) and expressions.is_expression(every)):
        try:
            problem = durations.schedule_problem(every=durations.duration_of(every))
        except (ValueError, TypeError):
            problem = None  # not a duration: reported below as invalid_duration
        if problem is not None:
            findings.append(Finding("invalid_schedule", problem, ("schedule", "every")))
    for path, text in _duration_sites(data):
        if expressions.is_expression(text):
            continue
        try:
            durations.parse_duration(text)
        except ValueError:
            message = f"{text!r} is not an ISO 8601 duration (such as PT15M) nor a duration object"
            findings.append(Finding("invalid_duration", message, path))
    return findings


def _duration_sites(data: dict[str, Any]) -> Iterator[tuple[JsonPath, str]]:
    candidates: list[tuple[JsonPath, Any]] = [
        (("timeout", "after"), _at(data, ("timeout", "after"))),
        (("schedule", "every"), _at(data, ("schedule", "every"))),
        (("schedule", "after"), _at(data, ("schedule", "after"))),
    ]
    for name, timeout in _mapping(_at(data, ("use", "timeouts"))).items():
        candidates.append((("use", "timeouts", name, "after"), _at(timeout, ("after",))))
    for name, retry in _mapping(_at(data, ("use", "retries"))).items():
        candidates += _retry_durations(retry, ("use", "retries", name))
    for site in walk_document(data):
        candidates += _task_durations(site)
    for path, value in candidates:
        if isinstance(value, str):
            yield path, value


def _task_durations(site: TaskSite) -> list[tuple[JsonPath, Any]]:
    found = [(site.path + ("timeout", "after"), _at(site.body, ("timeout", "after")))]
    if site.kind == "wait":
        found.append((site.path + ("wait",), site.body["wait"]))
    if site.kind == "try":
        found += _retry_durations(_at(site.body, ("catch", "retry")), site.path + ("catch", "retry"))
    return found


def _retry_durations(retry: Any, path: JsonPath) -> list[tuple[JsonPath, Any]]:
    keys: tuple[JsonPath, ...] = (
        ("delay",),
        ("limit", "duration"),
        ("limit", "attempt", "duration"),
        ("jitter", "from"),
        ("jitter", "to"),
    )
    return [(path + key, _at(retry, key)) for key in keys]


_CHECKS: tuple[Callable[[dict[str, Any]], list[Finding]], ...] = (
    check_names,
    check_uses,
    check_expressions,
    check_durations,
    check_features,
    check_schemas,
)
