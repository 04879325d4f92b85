"""``swengine schema``: print our JSON Schema for the 0.8 DSL, so YAML editors can complete and check workflows."""

from __future__ import annotations

import argparse
import sys
from importlib import resources
from pathlib import Path

from swengine.commands.inputs import UsageError

SCHEMA_RESOURCE = ("swengine.dsl", "schema/workflow.schema.json")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--output", "-o", metavar="FILE", help="write the schema to FILE instead of stdout")


def schema_text() -> str:
    """The schema shipped inside the package (never fetched over the network)."""
    package, name = SCHEMA_RESOURCE
    return resources.files(package).joinpath(name).read_text(encoding="utf-8")


def main(args: argparse.Namespace) -> int:
    text = schema_text()
    if not text.endswith("\n"):
        text += "\n"
    if args.output:
        try:
            target = Path(args.output)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        except OSError as error:
            raise UsageError(f"cannot write {args.output}: {error.strerror}") from None
    else:
        sys.stdout.write(text)
    return 0
