"""The ``swengine`` command: a table of subcommands, each in its own module under ``swengine.commands``."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import signal
import sys
from importlib import metadata

from swengine.core.errors import DocumentError, SwengineError
from swengine.core.settings import Settings
from swengine.runtime import embedded

COMMANDS: dict[str, str] = {
    "validate": "check workflow files and report every problem with its line",
    "run": "run one instance to completion and print its output",
    "worker": "run a worker against a Temporal cluster",
    "serve": "all in one: embedded Temporal, a worker and the REST API, deploying specs/",
    "api": "the REST API alone, against TEMPORAL_ADDRESS",
    "test": "run workflow test cases (*.test.yaml) on a time-skipping test server",
    "graph": "draw a workflow's states as a Mermaid flowchart or Graphviz DOT",
    "schema": "print the JSON Schema of the 0.8 DSL for editors",
    "deploy": "validate workflow files, then submit them to a running swengine serve",
    "migrate": "translate 0.8 workflow files to DSL 1.0.3 that means the same",
    "send-event": "send a CloudEvent to a running deployment",
    "completion": "print a shell completion script (bash, zsh or fish)",
}


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """Every command is listed, but only the one ``argv`` names is imported (importing them all cost about a
    second at every start: ``serve`` brings the web stack); no command, or ``completion``, imports them all."""
    from swengine.runtime import logs

    chosen = _chosen(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(
        prog="swengine", description="Serverless Workflow (DSL 0.8 and 1.0) on Temporal"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    parser.add_argument("--version", action="version", version=f"%(prog)s {installed_version()}")
    parser.add_argument(
        "--log-format", choices=logs.FORMATS, help="log lines as text or one JSON object each (default:"
        " SWENGINE_LOG_FORMAT or text)",
    )  # fmt: skip
    sub = parser.add_subparsers(dest="command", required=True)
    for name, summary in COMMANDS.items():
        command = sub.add_parser(name, help=summary, description=summary)
        if chosen in (None, name, "completion"):
            module = importlib.import_module(f"swengine.commands.{name.replace('-', '_')}")
            module.add_arguments(command)
            command.set_defaults(handler=module.main)
    parser.set_defaults(parser=parser)  # for ``completion``, which describes the commands
    return parser


def _chosen(argv: list[str]) -> str | None:
    return next((arg for arg in argv if arg in COMMANDS), None)


def installed_version() -> str:
    """The installed distribution's version (the one pip reports), not a constant that can drift."""
    try:
        return metadata.version("swengine")
    except metadata.PackageNotFoundError:
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    from swengine.commands.inputs import UsageError
    from swengine.runtime import logs

    try:
        parser = build_parser(argv)  # modules read their settings as they load: a bad variable stops us here
        settings = Settings.from_env()  # and so does one the chosen command never imported
    except SwengineError as err:
        print(f"swengine: {err.code}: {err.message}", file=sys.stderr)
        return 2
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0) and 2
    log_format = args.log_format or settings.log_format
    if log_format not in logs.FORMATS:
        print(f"swengine: SWENGINE_LOG_FORMAT must be one of {', '.join(logs.FORMATS)}", file=sys.stderr)
        return 2
    logs.configure(level=logging.INFO if args.verbose else logging.WARNING, log_format=log_format)
    try:
        return int(args.handler(args))
    except UsageError as err:
        print(f"swengine {args.command}: {err}", file=sys.stderr)
        return 2
    except DocumentError as err:
        for problem in err.problems:
            print(f"{err.source}:{problem.location()}: {problem.code}: {problem.message}", file=sys.stderr)
        return 1
    except SwengineError as err:
        print(f"swengine {args.command}: {err.code}: {err.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _start_temporal_early(argv: list[str]) -> None:
    """``run`` without ``TEMPORAL_ADDRESS`` needs a throwaway Temporal: start it before the engine is imported
    (the import takes longer than the server's boot, so the boot costs nothing)."""
    if _chosen(argv) != "run" or {"-h", "--help"} & set(argv):
        return
    try:
        embedded.start_early(Settings.from_env())
    except (SwengineError, OSError, RuntimeError):
        pass  # the ordinary path starts (or fails to start) it and says why


def entry() -> None:
    """Console-script entry: SIGTERM unwinds like Ctrl-C (so an embedded Temporal is stopped, not orphaned),
    and the exit skips interpreter finalization, which native SDK threads can crash."""
    signal.signal(signal.SIGTERM, _interrupt)
    _start_temporal_early(sys.argv[1:])
    try:
        code = main()
    finally:
        embedded.discard()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    entry()
