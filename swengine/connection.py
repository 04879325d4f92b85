"""Reaching Temporal: the cluster named by ``TEMPORAL_ADDRESS``, or an embedded dev server started for us."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from temporalio.client import Client

from swengine.devserver import start_dev_server


def temporal_address() -> str | None:
    return os.environ.get("TEMPORAL_ADDRESS") or None


def temporal_namespace() -> str:
    return os.environ.get("TEMPORAL_NAMESPACE", "default")


@asynccontextmanager
async def temporal_client(*, database: Path | None = None, port: int | None = None) -> AsyncIterator[Client]:
    """A connected client; starts (and afterwards stops) an embedded dev server when no address is set."""
    address = temporal_address()
    if address:
        yield await Client.connect(address, namespace=temporal_namespace())
        return
    env = await start_dev_server(database=database, port=port, namespace=temporal_namespace())
    try:
        yield env.client
    finally:
        await env.shutdown()
