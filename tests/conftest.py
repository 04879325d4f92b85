"""Shared fixtures: where the shared examples live, and the real Temporal servers for integration tests."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
EXAMPLES = SHARED / "examples" / "v08"


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    if not EXAMPLES.is_dir():
        pytest.skip("../shared/examples/v08 is not beside the checkout")
    return EXAMPLES
