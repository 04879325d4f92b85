"""A one-shot command imports only what it runs: ``swengine run`` does not pay for the web stack of ``serve``."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
from swengine.cli import build_parser
parser = build_parser({argv!r})
print(sorted(name for name in ("fastapi", "swengine.api.app", "swengine.commands.serve") if name in sys.modules))
print(parser.parse_args({argv!r}).handler.__module__)
"""


def _probe(argv: list[str]) -> list[str]:
    code = PROBE.format(argv=argv)
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split("\n")


def test_run_imports_neither_the_api_nor_serve() -> None:
    loaded, handler = _probe(["run", "flow.sw.yaml"])[:2]
    assert loaded == "[]"
    assert handler == "swengine.commands.run"


def test_the_global_options_before_the_command_still_pick_it() -> None:
    loaded, handler = _probe(["--log-format", "json", "validate", "flow.sw.yaml"])[:2]
    assert loaded == "[]"
    assert handler == "swengine.commands.validate"


def test_serve_still_gets_its_web_stack() -> None:
    loaded, handler = _probe(["serve"])[:2]
    assert "swengine.commands.serve" in loaded
    assert handler == "swengine.commands.serve"


def test_a_worker_loads_the_mcp_sdk_and_authlib_only_when_a_call_needs_them() -> None:
    probe = "import sys, swengine.runtime.worker; print(sorted(m for m in ('mcp', 'authlib') if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"
