"""``swengine migrate``: 0.8 workflow files (standard or SonataFlow) to DSL 1.0.3 that means the same.

Each file is checked as 0.8 first (a broken document is not translated). What 1.0 cannot say is listed on
stderr as ``file:line:col: todo: ...`` and left in the output as a ``# TODO`` comment. Without ``-o`` the
YAML goes to stdout (documents separated by ``---``); with it, one ``<name>.sw.yaml`` per file.
Exit 0 when every file migrated to a valid 1.0 document, 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from swengine.authoring.migrate import Migration, migrate
from swengine.authoring.reporting import display_path
from swengine.commands.inputs import UsageError, add_dialect_argument
from swengine.core.errors import DocumentError
from swengine.dsl import dialects
from swengine.dsl.validator import validate, validate_text


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", type=Path, help="0.8 workflow files (JSON or YAML)")
    add_dialect_argument(parser)
    parser.add_argument(
        "-o", "--output", type=Path, help="directory to write <name>.sw.yaml files to (default: stdout)"
    )


def target_name(source: Path) -> str:
    """``order.sw.yaml`` stays ``order.sw.yaml``; ``01-hello.json`` becomes ``01-hello.sw.yaml``."""
    stem = source.name
    for suffix in (".json", ".yaml", ".yml"):
        stem = stem.removesuffix(suffix)
    return stem.removesuffix(".sw") + ".sw.yaml"


def migrate_file(path: Path, dialect: str) -> tuple[Migration | None, list[str]]:
    """The migration of one file and what to tell about it (problems of the input or of the output)."""
    shown = display_path(path)
    try:
        document = dialects.load_file(path, dialect=dialect)
    except DocumentError as error:
        return None, [f"{shown}:{p.location()}: {p.code}: {p.message}" for p in error.problems]
    errors = [p for p in validate(document) if p.severity == "error"]
    if errors:
        return None, [f"{shown}:{p.location()}: {p.code}: {p.message}" for p in errors]
    migration = migrate(document)
    lines = [f"{shown}:{note.line}:{note.column}: todo: {note.message}" for note in migration.notes]
    checked = validate_text(migration.text, source="migrated.sw.yaml", base_dir=path.resolve().parent)
    invalid = [p for p in checked if p.severity == "error"]
    lines += [f"{shown}: migrated document: {p.location()}: {p.code}: {p.message}" for p in invalid]
    return (None if invalid else migration), lines


def main(args: argparse.Namespace) -> int:
    if args.output is not None and args.output.exists() and not args.output.is_dir():
        raise UsageError(f"-o is not a directory: {args.output}")
    missing = [str(path) for path in args.files if not path.is_file()]
    if missing:
        raise UsageError(f"no such file: {', '.join(missing)}")
    failed = False
    written: list[str] = []
    for path in args.files:
        migration, lines = migrate_file(path, args.dialect)
        for line in lines:
            print(line, file=sys.stderr)
        if migration is None:
            failed = True
            continue
        if args.output is None:
            written.append(migration.text)
            continue
        args.output.mkdir(parents=True, exist_ok=True)
        target = args.output / target_name(path)
        if target.resolve() == path.resolve():
            raise UsageError(f"{display_path(path)}: refusing to overwrite the 0.8 file with its migration")
        target.write_text(migration.text, encoding="utf-8")
        print(f"{display_path(path)} -> {display_path(target)}", file=sys.stderr)
    if written:
        sys.stdout.write("---\n".join(written))
    return 1 if failed else 0
