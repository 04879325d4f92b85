"""``swengine graph FILE``: the states of a workflow as a Mermaid flowchart (default) or Graphviz DOT.

With ``--instance ID`` the states a deployment's instance visited, the one it is in (while it runs) and the one
it failed in are coloured.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from urllib.parse import quote

import httpx

from swengine.authoring.graph import build_graph
from swengine.authoring.graph_render import RENDERERS, Progress, Renderer
from swengine.authoring.graph_svg import render_svg
from swengine.commands.inputs import UsageError
from swengine.commands.remote import add_server_argument, answer_json, server_client, unreachable
from swengine.compiler.pipeline import compile_path
from swengine.core.errors import SwengineError

FORMATS: dict[str, Renderer] = {**RENDERERS, "svg": render_svg}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="workflow definition (YAML or JSON)")
    parser.add_argument("--format", choices=sorted(FORMATS), default="mermaid", help="default: mermaid")
    parser.add_argument(
        "--instance", metavar="ID", help="colour the progress of this instance (needs --server)"
    )
    add_server_argument(parser)


def fetch_progress(server: str, instance_id: str) -> Progress:
    """GET {server}/instances/{id}: the states it visited and the one it is in."""
    try:
        with server_client(server) as client:
            view = answer_json(client.get(f"/instances/{quote(instance_id, safe='')}"))
    except httpx.HTTPError as error:
        raise unreachable(server, error) from None
    if not isinstance(view, dict):
        raise SwengineError(f"{server}: unexpected answer for instance {instance_id}", code="server_error")
    return Progress.of(view)


def main(args: argparse.Namespace) -> int:
    if not args.file.is_file():
        raise UsageError(f"no such file: {args.file}")
    graph = build_graph(compile_path(args.file))
    progress = fetch_progress(args.server, args.instance) if args.instance else None
    sys.stdout.write(FORMATS[args.format](graph, progress))
    return 0
