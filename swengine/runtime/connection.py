"""Reaching Temporal for one command: the cluster named by ``TEMPORAL_ADDRESS``, or an embedded dev server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from temporalio.client import Client

from swengine.runtime.devserver import start_dev_server
from swengine.runtime.settings import Settings


@asynccontextmanager
async def temporal_client(settings: Settings) -> AsyncIterator[Client]:
    """A connected client; starts (and afterwards stops) a throwaway embedded dev server when no address is set."""
    if settings.temporal_address:
        yield await Client.connect(settings.temporal_address, namespace=settings.temporal_namespace)
        return
    env = await start_dev_server(namespace=settings.temporal_namespace)
    try:
        yield env.client
    finally:
        await env.shutdown()
