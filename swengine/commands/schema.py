"""``swengine schema [--dsl 0.8|1.0|any]``: print our JSON Schema of a DSL, so YAML editors can complete and
check workflows; ``any`` holds both, told apart by the 1.0 ``document`` key, for one modeline on every file."""

from __future__ import annotations

import argparse
import json
import sys
from importlib import resources
from pathlib import Path

from swengine.commands.inputs import UsageError

SCHEMAS = {"0.8": "schema/workflow.schema.json", "1.0": "schema/workflow-1.0.schema.json"}
"""Our schema of each DSL, shipped in ``swengine.dsl``."""
EITHER = "any"
PREFIXES = {"0.8": "v08", "1.0": "v10"}
"""Where each DSL's schema sits in the ``any`` schema (its ``$defs`` renamed with the prefix)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--output", "-o", metavar="FILE", help="write the schema to FILE instead of stdout")
    parser.add_argument(
        "--dsl",
        choices=[*sorted(SCHEMAS), EITHER],
        default="0.8",
        help="which DSL (default 0.8; any: both, for a modeline on files of either version)",
    )


def schema_text(dsl: str = "0.8") -> str:
    """The schema shipped inside the package (never fetched over the network)."""
    if dsl == EITHER:
        return json.dumps(either_schema(), indent=2, ensure_ascii=False)
    return resources.files("swengine.dsl").joinpath(SCHEMAS[dsl]).read_text(encoding="utf-8")


def either_schema() -> dict[str, object]:
    """Both schemas in one: a document with ``document`` is checked as 1.0, any other as 0.8 (``if``/``then``,
    which editors' schema engines know; no embedded ``$id``s, which several do not)."""
    defs: dict[str, object] = {}
    for dsl, prefix in PREFIXES.items():
        text = schema_text(dsl).replace('"#/$defs/', f'"#/$defs/{prefix}.')
        schema = json.loads(text)
        defs.update({f"{prefix}.{name}": value for name, value in schema.pop("$defs", {}).items()})
        defs[prefix] = {key: value for key, value in schema.items() if key not in ("$schema", "$id")}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:swengine:schema:workflow-any",
        "title": "swengine: a Serverless Workflow definition, DSL 0.8 or 1.0.x",
        "if": {"type": "object", "required": ["document"]},
        "then": {"$ref": "#/$defs/v10"},
        "else": {"$ref": "#/$defs/v08"},
        "$defs": defs,
    }


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
