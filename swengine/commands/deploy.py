"""``swengine deploy PATH... --server URL``: validate everything, then submit every workflow to ``swengine serve``.

Nothing is submitted when any file has an error. Each file is POSTed to ``/definitions`` with its content type
(bearer token from ``SWENGINE_TOKEN``); the server answers created, updated or unchanged (by content hash).
The repository is the source of truth: a changed file replaces the deployed content of its id and version
(``--no-replace`` makes that a conflict instead).
A file that names other files (``functions: defs.json``) is sent as its resolved JSON document, because the
server cannot read files beside it.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

from swengine.authoring.crossfile import CheckedFile
from swengine.authoring.reporting import counts, display_path, render_text, summary
from swengine.commands.inputs import add_dialect_argument
from swengine.commands.remote import add_server_argument, describe_failure, server_client, unreachable
from swengine.commands.validate import check_paths
from swengine.dsl.dialects import STANDARD

MEDIA_TYPES = {".json": "application/json"}
DEFAULT_MEDIA_TYPE = "application/yaml"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths", nargs="+", type=Path, help="workflow files or directories (searched recursively)"
    )
    add_server_argument(parser)
    parser.add_argument("--root", type=Path, help="repository root (default: git top-level or cwd)")
    parser.add_argument(
        "--no-replace",
        dest="replace",
        action="store_false",
        help="refuse (409) a changed file whose id and version is already deployed, "
        "instead of replacing its content",
    )
    parser.add_argument("--json", action="store_true", help="print the outcomes as JSON")
    add_dialect_argument(parser)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the server did with one file: created, updated, unchanged, or failed (with why)."""

    file: str
    status: str
    id: str | None = None
    version: str | None = None
    content_hash: str | None = None
    error: str | None = None


def submission(item: CheckedFile) -> tuple[bytes, str]:
    """(body, content type): the file as written, or its resolved JSON when it includes other files."""
    document = item.document
    assert document is not None
    if document.source_map.includes:
        return json.dumps(document.resolved, ensure_ascii=False, indent=2).encode(), "application/json"
    return item.path.read_bytes(), MEDIA_TYPES.get(item.path.suffix.lower(), DEFAULT_MEDIA_TYPE)


def submit(client: httpx.Client, item: CheckedFile, *, replace: bool) -> Outcome:
    body, media_type = submission(item)
    name = display_path(item.path)
    params = {"replace": "true"} if replace else {}
    # always said, so a server whose default dialect differs never reads the file another way
    params["dialect"] = item.document.dialect if item.document is not None else STANDARD
    response = client.post("/definitions", content=body, params=params, headers={"content-type": media_type})
    if not response.is_success:
        return Outcome(file=name, status="failed", error=describe_failure(response))
    answer: dict[str, Any] = response.json()
    return Outcome(
        file=name,
        status=str(answer.get("status", "created" if response.status_code == 201 else "unknown")),
        id=answer.get("id"),
        version=answer.get("version"),
        content_hash=answer.get("content_hash"),
    )


def deploy_all(server: str, checked: list[CheckedFile], *, replace: bool = True) -> list[Outcome]:
    """Submit every file in order; an unreachable server stops the run."""
    try:
        with server_client(server) as client:
            return [submit(client, item, replace=replace) for item in checked]
    except httpx.HTTPError as error:
        raise unreachable(server, error) from None


def print_outcomes(outcomes: list[Outcome]) -> None:
    for o in outcomes:
        if o.error:
            print(f"failed     {o.file}: {o.error}")
            continue
        name = f"{o.id}@{o.version}" if o.version else str(o.id)
        print(f"{o.status:<10} {o.file} -> {name} (sha256 {(o.content_hash or '?')[:12]})")
    tally = {
        status: sum(o.status == status for o in outcomes)
        for status in dict.fromkeys(o.status for o in outcomes)
    }
    print(
        ", ".join(f"{count} {status}" for status, count in tally.items()) or "nothing to deploy",
        file=sys.stderr,
    )


def main(args: argparse.Namespace) -> int:
    checked, root = check_paths(args.paths, args.root, dialect=args.dialect)
    errors, _ = counts(checked)
    if errors:
        sys.stderr.write(render_text(checked, root))
        print(f"{summary(checked)}; nothing deployed", file=sys.stderr)
        return 1
    outcomes = deploy_all(args.server, checked, replace=args.replace)
    if args.json:
        print(json.dumps([asdict(o) for o in outcomes], indent=2))
    else:
        print_outcomes(outcomes)
    return 1 if any(o.status == "failed" for o in outcomes) else 0
