"""Finding workflow files: in a repository, under directories, beside a file (where subflows are looked up)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterable, Iterator
from pathlib import Path

from swengine.core.errors import DocumentError
from swengine.dsl.parser import parse, syntax_of

WORKFLOW_PATTERNS = ("*.sw.yaml", "*.sw.yml", "*.sw.json", "*.yaml", "*.yml", "*.json")
NAMED_WORKFLOW = (".sw.yaml", ".sw.yml", ".sw.json")
"""Files named like this are workflows even when they do not parse (so their syntax error is reported)."""
SKIPPED_DIRECTORIES = {"node_modules", "__pycache__", "site-packages"}


class NotAPath(Exception):
    """A path given on the command line does not exist."""


def repository_root(start: Path | None = None) -> Path:
    """The git top-level above ``start`` (default: the working directory), else ``start`` itself."""
    start = (start or Path.cwd()).resolve()
    try:
        found = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"], cwd=start, capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return start
    top = found.stdout.strip()
    return Path(top).resolve() if found.returncode == 0 and top else start


def looks_like_workflow(path: Path, *, named: bool = False) -> bool:
    """Parsed, a mapping with ``specVersion`` and ``states`` (either one when the user ``named`` the file), or
    with ``document`` and ``do`` (DSL 1.0).

    A file that does not parse counts when it is named ``*.sw.*`` or was named, so its syntax error is reported.
    """
    explicit = named or path.name.endswith(NAMED_WORKFLOW)
    try:
        _, data, _ = parse(path.read_bytes(), syntax=syntax_of(path.name))
    except (DocumentError, OSError):
        return explicit
    if not isinstance(data, dict):
        return explicit
    keys = [key in data for key in ("specVersion", "states")]
    if isinstance(data.get("document"), dict) and "do" in data:
        return True  # the task DSL: validation says clearly that it does not run yet, never "skipped"
    return path.name.endswith(NAMED_WORKFLOW) or (any(keys) if named else all(keys))


def find_workflow_files(paths: Iterable[Path]) -> tuple[list[Path], list[Path]]:
    """(workflow files, named files skipped as not workflows): named files, plus workflows under directories.

    Raises NotAPath for a path that does not exist.
    """
    found: dict[Path, None] = {}
    skipped: list[Path] = []
    for path in paths:
        if path.is_file():
            if looks_like_workflow(path, named=True):
                found[path] = None
            else:
                skipped.append(path)
        elif path.is_dir():
            found.update(dict.fromkeys(_workflows_under(path, recursive=True)))
        else:
            raise NotAPath(f"no such file or directory: {path}")
    return list(found), skipped


def _workflows_under(
    directory: Path, *, recursive: bool, known: frozenset[Path] = frozenset()
) -> Iterator[Path]:
    """Workflow files under ``directory``; files in ``known`` (resolved) are left out without being read, and so
    is a link to a file outside ``directory`` (a checkout's link to a secret would otherwise be read and quoted
    in the report; a file named on the command line is read wherever it is)."""
    candidates: set[Path] = set()
    for pattern in WORKFLOW_PATTERNS:
        candidates.update(directory.rglob(pattern) if recursive else directory.glob(pattern))
    inside = directory.resolve()
    for candidate in sorted(candidates):
        hidden = any(
            part.startswith(".") or part in SKIPPED_DIRECTORIES for part in _inner_parts(candidate, directory)
        )
        resolved = candidate.resolve()
        if hidden or not candidate.is_file() or resolved in known or not resolved.is_relative_to(inside):
            continue
        if looks_like_workflow(candidate):
            yield candidate


def _inner_parts(path: Path, directory: Path) -> tuple[str, ...]:
    return path.relative_to(directory).parts[:-1]


def siblings(files: Iterable[Path], *, besides: bool = False) -> list[Path]:
    """Workflow files in the directories of ``files`` (not recursive): where subflows are looked up.

    With ``besides``, the given files themselves are left out.
    """
    files = list(files)
    known = frozenset(path.resolve() for path in files) if besides else frozenset()
    directories = sorted({path.resolve().parent for path in files})
    return [p for directory in directories for p in _workflows_under(directory, recursive=False, known=known)]
