"""``swengine validate``: check workflow files like a compiler does, human or JSON output, exit 1 on problems."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from swengine.commands.inputs import UsageError
from swengine.dsl.loader import load_file
from swengine.dsl.validator import validate
from swengine.errors import DocumentError, Problem

PATTERNS = ("*.sw.yaml", "*.sw.json", "*.yaml", "*.yml", "*.json")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", type=Path, help="workflow files or directories (searched recursively)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def workflow_files(paths: list[Path]) -> list[Path]:
    """Files named, plus files under directories that look like workflows (have ``states`` and ``specVersion``)."""
    found: list[Path] = []
    for path in paths:
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            for candidate in sorted({p for pattern in PATTERNS for p in path.rglob(pattern)}):
                text = candidate.read_text(encoding="utf-8", errors="replace")
                if "states" in text and "specVersion" in text:
                    found.append(candidate)
        else:
            raise UsageError(f"no such file or directory: {path}")
    return found


def problems_of(path: Path) -> list[Problem]:
    try:
        return validate(load_file(path))
    except DocumentError as err:
        return err.problems


def main(args: argparse.Namespace) -> int:
    results = {str(path): problems_of(path) for path in workflow_files(args.paths)}
    if args.json:
        json.dump({f: [p.to_dict() for p in ps] for f, ps in results.items()}, sys.stdout, indent=2)
        print()
    else:
        for file, problems in results.items():
            for p in problems:
                print(f"{file}:{p.location()}: {p.severity}: {p.code}: {p.message} (at {p.path})")
        errors = sum(p.severity == "error" for ps in results.values() for p in ps)
        print(f"{len(results)} file(s) checked, {errors} error(s)", file=sys.stderr)
    return 1 if any(p.severity == "error" for ps in results.values() for p in ps) else 0
