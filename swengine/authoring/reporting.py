"""Validation reports in three formats: compiler-style text, JSON, and SARIF 2.1.0 for code-host annotations."""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import quote

from swengine.authoring.crossfile import CheckedFile
from swengine.core.errors import Problem
from swengine.dsl.codes import CODES

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def display_path(path: Path) -> str:
    """The path relative to the working directory when it lies below it, else as given."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def artifact_location(path: Path, root: Path) -> dict[str, str]:
    """SARIF's location of a file: a URI relative to the repository root (what code hosts match annotations
    against), percent-encoded (``my flow#2.sw.yaml`` would otherwise end at the ``#``); a file outside the root
    by its absolute ``file:`` URI, with no base."""
    try:
        relative = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return {"uri": path.resolve().as_uri()}
    return {"uri": quote(relative), "uriBaseId": "SRCROOT"}


def counts(checked: list[CheckedFile]) -> tuple[int, int]:
    """(errors, warnings) over every file."""
    problems = [p for item in checked for p in item.problems]
    errors = sum(p.severity == "error" for p in problems)
    return errors, sum(p.severity == "warning" for p in problems)


def summary(checked: list[CheckedFile]) -> str:
    errors, warnings = counts(checked)
    files = "file" if len(checked) == 1 else "files"
    return f"{len(checked)} {files} checked: {errors} error(s), {warnings} warning(s)"


def render_text(checked: list[CheckedFile], root: Path) -> str:
    """``file:line:col: severity code: message``, one problem a line, like a compiler."""
    return "".join(
        f"{display_path(item.path)}:{p.location()}: {p.severity} {p.code}: {p.message}\n"
        for item in checked
        for p in item.problems
    )


def render_json(checked: list[CheckedFile], root: Path) -> str:
    """Every file with its id, version and problems, and the totals."""
    errors, warnings = counts(checked)
    report = {
        "valid": errors == 0,
        "errors": errors,
        "warnings": warnings,
        "files": [
            {
                "file": display_path(item.path),
                "id": item.identity[0] if item.identity else None,
                "version": item.identity[1] if item.identity else None,
                "problems": [p.to_dict() for p in item.problems],
            }
            for item in checked
        ],
    }
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def render_sarif(checked: list[CheckedFile], root: Path) -> str:
    """One SARIF 2.1.0 run: our rules (every code seen) and one result per problem."""
    problems = [(item, p) for item in checked for p in item.problems]
    codes = sorted({p.code for _, p in problems})
    descriptions = rule_descriptions()
    rules = [_rule(code, descriptions.get(code)) for code in codes]
    results = [_result(item, p, codes.index(p.code), root) for item, p in problems]
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "swengine", "version": tool_version(), "rules": rules}},
                "originalUriBaseIds": {"SRCROOT": {"uri": root.resolve().as_uri() + "/"}},
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _rule(code: str, description: tuple[str, str] | None) -> dict[str, Any]:
    level, text = description or ("error", code.replace("_", " "))
    return {
        "id": code,
        "name": "".join(word.capitalize() for word in code.split("_")),
        "shortDescription": {"text": text},
        "defaultConfiguration": {"level": SARIF_LEVELS.get(level, "error")},
    }


def _result(item: CheckedFile, problem: Problem, rule_index: int, root: Path) -> dict[str, Any]:
    location: dict[str, Any] = {"artifactLocation": artifact_location(item.path, root)}
    if problem.line is not None:
        location["region"] = {"startLine": problem.line, "startColumn": problem.column or 1}
    return {
        "ruleId": problem.code,
        "ruleIndex": rule_index,
        "level": SARIF_LEVELS.get(problem.severity, "error"),
        "message": {"text": f"{problem.message} (at {problem.path})"},
        "locations": [{"physicalLocation": location}],
    }


def rule_descriptions() -> dict[str, tuple[str, str]]:
    """code -> (severity, meaning), from the one table of problem codes."""
    return {code: (entry.severity, entry.meaning) for code, entry in CODES.items()}


def tool_version() -> str:
    try:
        return metadata.version("swengine")
    except metadata.PackageNotFoundError:
        return "0+unknown"


Renderer = Callable[[list[CheckedFile], Path], str]
FORMATS: dict[str, Renderer] = {"text": render_text, "json": render_json, "sarif": render_sarif}
