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


@pytest.fixture(scope="session")
def postgres_cluster():
    """A real Postgres on loopback for the session (skipped only where the binaries are not installed)."""
    from tests.postgres import binaries, running_cluster

    bin_dir = binaries()
    if bin_dir is None:
        pytest.skip("Postgres is not installed here (apt-get install postgresql; .ci/run does)")
    with running_cluster(bin_dir) as cluster:
        yield cluster


@pytest.fixture
def postgres_url(postgres_cluster):
    """A fresh database on the session's Postgres, dropped after the test."""
    with postgres_cluster.database() as url:
        yield url
