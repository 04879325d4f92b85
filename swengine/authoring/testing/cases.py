"""Workflow test files: ``order.test.yaml`` beside ``order.sw.yaml``, each holding named cases.

A file is a mapping with ``cases`` (a list) and optionally ``workflow`` (the workflow file, relative to the
test file; by default the workflow with the same stem). A case: ``name``, ``input``, ``mocks`` (function name
to MockSpec), ``events`` (CloudEvents to send, each with an optional ``after`` delay), ``timeout`` (wall-clock
seconds) and ``expect`` (``status``, ``output``, ``output_subset``, ``visited``, ``produced_events``,
``error``, ``error_message``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from swengine.core.durations import parse_duration
from swengine.core.errors import DocumentError
from swengine.dsl.parser import parse
from swengine.runtime.mocks import MockSpec

TEST_SUFFIXES = (".test.yaml", ".test.yml", ".test.json")
WORKFLOW_SUFFIXES = (".sw.yaml", ".sw.yml", ".sw.json", ".yaml", ".yml", ".json")
FILE_KEYS = {"workflow", "cases"}
CASE_KEYS = {"name", "input", "mocks", "events", "expect", "timeout"}
EXPECT_KEYS = {"status", "output", "output_subset", "visited", "produced_events", "error", "error_message"}
STATUSES = {"completed", "failed"}
DEFAULT_TIMEOUT = 60.0


class CaseFileError(Exception):
    """A test file that cannot be used as written."""


@dataclass(frozen=True, slots=True)
class EventStep:
    """Wait ``after`` seconds of workflow time (skipped, not slept), then send ``event`` (if any)."""

    after: float = 0.0
    event: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    index: int
    input: Any = None
    mocks: dict[str, Any] = field(default_factory=dict)
    events: tuple[EventStep, ...] = ()
    expect: dict[str, Any] = field(default_factory=dict)
    timeout: float = DEFAULT_TIMEOUT

    @property
    def expected_status(self) -> str:
        """The status asked for, else failed when an error is expected, else completed."""
        if "status" in self.expect:
            return str(self.expect["status"])
        return "failed" if "error" in self.expect or "error_message" in self.expect else "completed"


@dataclass(frozen=True, slots=True)
class CaseFile:
    path: Path
    workflow: Path
    cases: tuple[Case, ...]
    raw: dict[str, Any]
    """The file as parsed, kept so ``--record`` can rewrite it without losing fields."""


def is_test_file(path: Path) -> bool:
    return path.name.endswith(TEST_SUFFIXES)


def find_test_files(paths: Iterable[Path]) -> list[Path]:
    """Test files named, plus test files under directories (recursively); raises FileNotFoundError."""
    found: dict[Path, None] = {}
    for path in paths:
        if path.is_file():
            found[path] = None
        elif path.is_dir():
            hits = {p for suffix in TEST_SUFFIXES for p in path.rglob(f"*{suffix}")}
            found.update(dict.fromkeys(sorted(p for p in hits if not _hidden(p, path))))
        else:
            raise FileNotFoundError(f"no such file or directory: {path}")
    return list(found)


def _hidden(path: Path, under: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(under).parts[:-1])


def stem_of(path: Path) -> str:
    name = path.name
    for suffix in TEST_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


def workflow_for(path: Path, declared: Any) -> Path:
    """The workflow a test file tests: ``workflow:`` (relative to the test file), else the same stem."""
    if declared is not None:
        if not isinstance(declared, str):
            raise CaseFileError("'workflow' must be a file name")
        target = path.parent / declared
        if not target.is_file():
            raise CaseFileError(f"workflow file {declared!r} not found beside {path.name}")
        return target
    stem = stem_of(path)
    for suffix in WORKFLOW_SUFFIXES:
        candidate = path.parent / f"{stem}{suffix}"
        if candidate.is_file():
            return candidate
    raise CaseFileError(f"no workflow named {stem}.sw.yaml (or .sw.json, .yaml, ...) beside {path.name}")


def load_test_file(path: Path) -> CaseFile:
    """Parse and check a test file; every mistake is a CaseFileError naming the case."""
    try:  # the workflow's own bounds (size, depth, alias expansion): a test file is no less someone's input
        _, raw, _ = parse(path.read_bytes(), syntax="yaml")
    except OSError as error:
        raise CaseFileError(f"cannot read {path.name}: {error}") from None
    except DocumentError as error:
        raise CaseFileError(
            f"cannot read {path.name}: {error.problems[0].location()}: {error.problems[0].message}"
        ) from None
    if not isinstance(raw, dict) or not isinstance(raw.get("cases"), list):
        raise CaseFileError("a test file is a mapping with a 'cases' list")
    _no_unknown(raw, FILE_KEYS, "the test file")
    cases = tuple(_case(item, index) for index, item in enumerate(raw["cases"]))
    names = [case.name for case in cases]
    if duplicated := sorted({name for name in names if names.count(name) > 1}):
        raise CaseFileError(f"case names must be unique: {', '.join(duplicated)}")
    return CaseFile(path=path, workflow=workflow_for(path, raw.get("workflow")), cases=cases, raw=raw)


def _no_unknown(mapping: dict[str, Any], allowed: set[str], where: str) -> None:
    if unknown := sorted(set(mapping) - allowed):
        raise CaseFileError(
            f"{where}: unknown key(s) {', '.join(unknown)} (allowed: {', '.join(sorted(allowed))})"
        )


def _case(item: Any, index: int) -> Case:
    where = f"case {index + 1}"
    if not isinstance(item, dict) or not isinstance(item.get("name"), str):
        raise CaseFileError(f"{where}: a case is a mapping with a 'name'")
    where = f"case {item['name']!r}"
    _no_unknown(item, CASE_KEYS, where)
    mocks, expect = item.get("mocks") or {}, item.get("expect") or {}
    if not isinstance(mocks, dict) or not isinstance(expect, dict):
        raise CaseFileError(f"{where}: 'mocks' and 'expect' are mappings")
    _no_unknown(expect, EXPECT_KEYS, f"{where} expect")
    for name, mock in mocks.items():
        _check_mock(mock, f"{where} mock {name!r}")
    if "status" in expect and expect["status"] not in STATUSES:
        raise CaseFileError(f"{where}: expect.status is one of {', '.join(sorted(STATUSES))}")
    events = item.get("events") or []
    if not isinstance(events, list):
        raise CaseFileError(f"{where}: 'events' is a list")
    timeout = item.get("timeout", DEFAULT_TIMEOUT)
    if not isinstance(timeout, (int, float)) or timeout <= 0:
        raise CaseFileError(f"{where}: 'timeout' is a number of seconds")
    return Case(
        name=item["name"],
        index=index,
        input=item.get("input"),
        mocks=mocks,
        events=tuple(_event_step(step, f"{where} event {n + 1}") for n, step in enumerate(events)),
        expect=expect,
        timeout=float(timeout),
    )


def _check_mock(value: Any, where: str) -> None:
    """A mocked error needs a string type and message (YAML reads an unquoted ``no`` as false)."""
    error = MockSpec.parse(value).error
    if error is None:
        return
    for key in ("type", "message"):
        if key in error and not isinstance(error[key], str):
            raise CaseFileError(f"{where}: error {key} must be a string, got {error[key]!r} (quote it)")


def _event_step(step: Any, where: str) -> EventStep:
    """``{after: PT1H, type: ..., data: ...}``: everything but ``after`` is the CloudEvent (absent: wait only)."""
    if not isinstance(step, dict):
        raise CaseFileError(f"{where}: an event is a mapping of CloudEvent attributes")
    event = {key: value for key, value in step.items() if key != "after"}
    after = step.get("after")
    seconds = 0.0
    if after is not None:
        try:
            seconds = parse_duration(str(after)).total_seconds()
        except (ValueError, TypeError) as error:
            raise CaseFileError(f"{where}: 'after' is an ISO 8601 duration such as PT1H ({error})") from None
    if event and not isinstance(event.get("type"), str):
        raise CaseFileError(f"{where}: a CloudEvent needs a 'type'")
    return EventStep(after=seconds, event=event or None)
