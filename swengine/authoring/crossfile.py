"""A set of workflow files checked together: the checks that span files (finding them is ``dsl.discovery``).

Cross-file codes: ``unknown_subflow`` (error: a ``subFlowRef``, ``continueAs`` or 1.0 ``run.workflow`` names
a workflow (id, or ``namespace/name``) that no
file in the set, nor a workflow beside one of them, defines) and ``duplicate_workflow`` (warning: two files
define the same id and version, so one would overwrite the other when deployed).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from swengine.core.errors import DocumentError, Problem
from swengine.dsl.dialects import STANDARD, load_file
from swengine.dsl.discovery import siblings
from swengine.dsl.facts import collect
from swengine.dsl.loader import Document
from swengine.dsl.parser import parse, syntax_of
from swengine.dsl.source_map import JsonPath, json_path
from swengine.dsl.v10.tasks import walk_document
from swengine.dsl.validator import validate
from swengine.dsl.versions import is_task_dsl

FLOW_OWNERS = ("onErrors", "dataConditions", "eventConditions")
"""Lists inside a state whose items carry their own ``transition``/``end``."""


@dataclass
class CheckedFile:
    """One workflow file with everything found wrong with it (errors and warnings, sorted by line)."""

    path: Path
    problems: list[Problem] = field(default_factory=list)
    document: Document | None = None

    @property
    def identity(self) -> tuple[str, str | None] | None:
        """(id, version) the file defines, when it loaded and names one."""
        return identity_of(self.document.data) if self.document else None


def identity_of(data: Any) -> tuple[str, str | None] | None:
    """(id, version) a parsed definition names (``namespace/name`` and ``document.version`` in 1.0), or None."""
    if isinstance(data, dict) and is_task_dsl(data):
        header = data["document"]
        if not all(isinstance(header.get(key), str) for key in ("namespace", "name", "version")):
            return None
        return f"{header['namespace']}/{header['name']}", header["version"]
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        return None
    version = data.get("version")
    return data["id"], version if isinstance(version, str) else None


def parsed_identity(path: Path) -> tuple[str, str | None] | None:
    """(id, version) of a workflow file, read without validating it."""
    try:
        _, data, _ = parse(path.read_bytes(), syntax=syntax_of(path.name))
    except (DocumentError, OSError):
        return None
    return identity_of(data)


def root_for(path: Path, root: Path) -> Path:
    """File references may not leave ``root``; a file outside it keeps to its own directory."""
    resolved = path.resolve()
    return root if resolved.is_relative_to(root.resolve()) else resolved.parent


def check_file(path: Path, *, root: Path, dialect: str = STANDARD) -> CheckedFile:
    """Load (resolving file references under ``root``) in ``dialect`` and validate one file."""
    try:
        document = load_file(path, root=root_for(path, root), dialect=dialect)
    except DocumentError as error:
        return CheckedFile(path, list(error.problems))
    return CheckedFile(path, validate(document), document)


def check_files(files: list[Path], *, root: Path, dialect: str = STANDARD) -> list[CheckedFile]:
    """Validate every file, then the checks that need the whole set (subflow ids, duplicate ids)."""
    checked = [check_file(path, root=root, dialect=dialect) for path in files]
    beside = [parsed_identity(path) for path in siblings(files, besides=True)]
    known = [item.identity for item in checked if item.identity] + [found for found in beside if found]
    for item in checked:
        item.problems = sorted(
            item.problems + unknown_subflows(item, known) + duplicate_workflows(item, checked),
            key=lambda p: (p.line or 0, p.column or 0, p.code, p.path),
        )
    return checked


def workflow_references(data: dict[str, Any]) -> Iterator[tuple[JsonPath, str, str | None]]:
    """(path, workflow id, version) of every ``subFlowRef`` and ``continueAs`` (1.0: ``run.workflow``)."""
    if is_task_dsl(data):
        yield from _run_workflow_references(data)
        return
    for path, value in collect(data).subflows:
        yield from _reference(path, value)
    states = data.get("states")
    for index, state in enumerate(states if isinstance(states, list) else []):  # any shape: it may be invalid
        if isinstance(state, dict):
            for owner, owner_path in _flow_owners(state, ("states", index)):
                end = owner.get("end")
                if isinstance(end, dict) and "continueAs" in end:
                    yield from _reference(owner_path + ("end", "continueAs"), end["continueAs"])


def _run_workflow_references(data: dict[str, Any]) -> Iterator[tuple[JsonPath, str, str | None]]:
    for site in walk_document(data):
        run = site.body.get("run") if site.kind == "run" else None
        target = run.get("workflow") if isinstance(run, dict) else None
        if (
            isinstance(target, dict)
            and isinstance(target.get("namespace"), str)
            and isinstance(target.get("name"), str)
        ):
            version = target.get("version")
            workflow_id = f"{target['namespace']}/{target['name']}"
            yield site.path + ("run", "workflow"), workflow_id, version if isinstance(version, str) else None


def _flow_owners(state: dict[str, Any], path: JsonPath) -> Iterator[tuple[dict[str, Any], JsonPath]]:
    yield state, path
    for key in FLOW_OWNERS:
        items = state.get(key)
        for index, item in enumerate(items if isinstance(items, list) else []):
            if isinstance(item, dict):
                yield item, path + (key, index)
    if isinstance(default := state.get("defaultCondition"), dict):
        yield default, path + ("defaultCondition",)


def _reference(path: JsonPath, value: Any) -> Iterator[tuple[JsonPath, str, str | None]]:
    if isinstance(value, str):
        yield path, value, None
    elif isinstance(value, dict) and isinstance(value.get("workflowId"), str):
        version = value.get("version")
        yield path + ("workflowId",), value["workflowId"], version if isinstance(version, str) else None


def unknown_subflows(item: CheckedFile, known: list[tuple[str, str | None]]) -> list[Problem]:
    """A problem at every reference to a workflow (id, and version when given) that no known file defines."""
    if item.document is None:
        return []
    problems = []
    for path, workflow_id, version in workflow_references(item.document.data):
        if any(i == workflow_id and (version is None or v == version) for i, v in known):
            continue
        wanted = f"'{workflow_id}' version '{version}'" if version else f"'{workflow_id}'"
        line, column = item.document.locate(path)
        problems.append(
            Problem(
                code="unknown_subflow",
                message=f"workflow {wanted} is not defined by any file checked or beside them",
                path=json_path(path),
                line=line,
                column=column,
            )
        )
    return problems


def duplicate_workflows(item: CheckedFile, checked: list[CheckedFile]) -> list[Problem]:
    """A warning on a file whose id and version an earlier file of the set already defines."""
    if item.document is None or item.identity is None:
        return []
    earlier = next((other for other in checked if other.identity == item.identity), None)
    if earlier is None or earlier is item:
        return []
    workflow_id, version = item.identity
    where: JsonPath = ("document", "name") if is_task_dsl(item.document.data) else ("id",)
    line, column = item.document.locate(where)
    label = f"'{workflow_id}'" + (f" version '{version}'" if version else "")
    message = f"workflow {label} is also defined by {earlier.path}; deploying both would overwrite one"
    return [
        Problem(
            code="duplicate_workflow",
            message=message,
            path=json_path(where),
            line=line,
            column=column,
            severity="warning",
        )
    ]
