"""Reaching Temporal: the one place a client is connected (the cluster named by ``TEMPORAL_ADDRESS``), and the
throwaway embedded dev server a one-shot command starts when no address is set."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from temporalio.client import Client

from swengine.core.errors import SwengineError
from swengine.core.settings import DEFAULT_TEMPORAL_ADDRESS, Settings
from swengine.runtime import embedded, tracing


async def connect(settings: Settings) -> Client:
    """A client for ``TEMPORAL_ADDRESS`` (127.0.0.1:7233 when unset); unreachable is ``temporal_unavailable``."""
    address = settings.temporal_address or DEFAULT_TEMPORAL_ADDRESS
    try:
        return await Client.connect(
            address, namespace=settings.temporal_namespace, interceptors=tracing.interceptors(settings)
        )
    except RuntimeError as err:  # the SDK reports a failed connection as a RuntimeError
        raise SwengineError(
            f"cannot reach Temporal at {address}: {err}", code="temporal_unavailable"
        ) from None


@asynccontextmanager
async def temporal_client(settings: Settings) -> AsyncIterator[Client]:
    """A connected client; starts (and afterwards stops) a throwaway embedded dev server when no address is set."""
    if settings.temporal_address:
        yield await connect(settings)
        return
    early = embedded.adopt(settings)
    if early is not None:  # started at launch, while the engine was imported
        try:
            yield await early.connect(
                lambda: connect(settings.with_overrides(temporal_address=early.address))
            )
        finally:
            early.stop()
        return
    from swengine.runtime.devserver import start_dev_server  # the SDK's test harness: only on this path

    env = await start_dev_server(namespace=settings.temporal_namespace)
    try:
        yield env.client
    finally:
        await env.shutdown()
