"""Command-line values given as inline JSON or as a path to a JSON/YAML file, and the shared ``--dialect``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from swengine.core.errors import DocumentError
from swengine.dsl import dialects
from swengine.dsl.dialects import STANDARD
from swengine.dsl.parser import parse, syntax_of


class UsageError(Exception):
    """Bad command-line usage: exit code 2."""


def add_dialect_argument(parser: argparse.ArgumentParser, *, default: str | None = STANDARD) -> None:
    """``--dialect``: the 0.8 dialect the documents are written in (never guessed: it changes their meaning)."""
    parser.add_argument(
        "--dialect",
        choices=dialects.NAMES,
        default=default,
        help="the 0.8 dialect the workflows are written in: standard (the specification) or sonataflow"
        " (SonataFlow's reading: bare jq arguments, sysout, service: functions ...); default: standard",
    )


def json_or_file(value: str) -> Any:
    """Parse ``value`` as JSON; if it is not JSON but names a file, read that file (JSON or YAML)."""
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        pass
    path = Path(value)
    if path.is_file():
        try:  # JSON or YAML within a workflow's own bounds (size, depth, alias expansion)
            return parse(path.read_bytes(), syntax=syntax_of(path.name))[1]
        except DocumentError as error:
            raise UsageError(f"{value}:{error.problems[0].location()}: {error.problems[0].message}") from None
    raise UsageError(f"not JSON and not a file: {value!r}")


def name_and_value(value: str) -> tuple[str, Any]:
    """``NAME=JSON_OR_FILE`` as used by ``--mock``."""
    name, sep, rest = value.partition("=")
    if not sep or not name:
        raise UsageError(f"expected NAME=JSON_OR_FILE, got {value!r}")
    return name, json_or_file(rest)
