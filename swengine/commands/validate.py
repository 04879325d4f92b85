"""``swengine validate``: check workflow files like a compiler; text, JSON or SARIF; exit 0 clean, 1 problems.

Warnings alone leave the exit code at 0. A path that does not exist is a usage error (exit 2).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from swengine.authoring.crossfile import CheckedFile, check_files
from swengine.authoring.explain import add_explanations
from swengine.authoring.reporting import FORMATS, counts, display_path, summary
from swengine.commands.inputs import UsageError, add_dialect_argument
from swengine.dsl.dialects import STANDARD
from swengine.dsl.discovery import NotAPath, find_workflow_files, repository_root


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths", nargs="+", type=Path, help="workflow files or directories (searched recursively)"
    )
    parser.add_argument(
        "--format", choices=sorted(FORMATS), default="text", help="report format (default: text)"
    )
    parser.add_argument(
        "--json", dest="format", action="store_const", const="json", help="same as --format json"
    )
    add_dialect_argument(parser)
    parser.add_argument(
        "--explain",
        action="store_true",
        help="also list every construct of the dialect with its line and its standard 0.8 equivalent",
    )
    parser.add_argument(
        "--root",
        type=Path,
        help="repository root: file references may not leave it (default: git top-level or cwd)",
    )


def resolve_root(root: Path | None) -> Path:
    """The ``--root`` given (which must be a directory), else the repository around the working directory."""
    if root is None:
        return repository_root()
    if not root.is_dir():
        raise UsageError(f"--root is not a directory: {root}")
    return root.resolve()


def check_paths(
    paths: list[Path], root: Path | None, *, dialect: str = STANDARD
) -> tuple[list[CheckedFile], Path]:
    """Find and check every workflow under ``paths``; a missing path is a usage error."""
    resolved_root = resolve_root(root)
    try:
        files, skipped = find_workflow_files(paths)
    except NotAPath as missing:
        raise UsageError(str(missing)) from None
    for path in skipped:
        print(
            f"{display_path(path)}: skipped: not a workflow (neither specVersion nor states)", file=sys.stderr
        )
    return check_files(files, root=resolved_root, dialect=dialect), resolved_root


def main(args: argparse.Namespace) -> int:
    checked, root = check_paths(args.paths, args.root, dialect=args.dialect)
    if args.explain:
        add_explanations(checked)
    sys.stdout.write(FORMATS[args.format](checked, root))
    if args.format == "text":
        print(summary(checked), file=sys.stderr)
    errors, _ = counts(checked)
    return 1 if errors else 0
