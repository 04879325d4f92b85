"""ruff (lint and format) and mypy keep swengine/ and builtin_activities/ clean: CI runs them through pytest."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TARGETS = ["swengine", "builtin_activities"]


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *command], cwd=REPO, capture_output=True, text=True, timeout=600
    )


@pytest.mark.parametrize(
    "command",
    [("ruff", "check", *TARGETS), ("ruff", "format", "--check", *TARGETS), ("mypy", *TARGETS)],
    ids=["ruff-check", "ruff-format", "mypy"],
)
def test_tool_is_clean(command: tuple[str, ...]):
    result = _run(*command)
    assert result.returncode == 0, result.stdout + result.stderr
