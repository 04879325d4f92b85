"""``swengine schema [--dsl 0.8|1.0]``: print our JSON Schema of a DSL, so YAML editors can complete and check
workflows."""

from __future__ import annotations

import argparse
import sys
from importlib import resources
from pathlib import Path

from swengine.commands.inputs import UsageError

SCHEMAS = {"0.8": "schema/workflow.schema.json", "1.0": "schema/workflow-1.0.schema.json"}
"""Our schema of each DSL, shipped in ``swengine.dsl``."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--output", "-o", metavar="FILE", help="write the schema to FILE instead of stdout")
    parser.add_argument("--dsl", choices=sorted(SCHEMAS), default="0.8", help="which DSL (default 0.8)")


def schema_text(dsl: str = "0.8") -> str:
    """The schema shipped inside the package (never fetched over the network)."""
    return resources.files("swengine.dsl").joinpath(SCHEMAS[dsl]).read_text(encoding="utf-8")


def main(args: argparse.Namespace) -> int:
    text = schema_text(args.dsl)
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
