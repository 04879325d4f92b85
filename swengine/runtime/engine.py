"""The engine's parts put together in one place: the definition store, the service over one Temporal client,
and the event router over both. The API, ``swengine api`` and ``swengine serve`` all open it here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from temporalio.client import Client

from swengine.core.settings import Settings
from swengine.runtime.connection import connect
from swengine.runtime.router import EventRouter
from swengine.runtime.service import Service
from swengine.runtime.store import DefinitionStore, open_store


@dataclass(frozen=True, slots=True)
class Engine:
    """What an API (or a server) serves with."""

    settings: Settings
    service: Service
    store: DefinitionStore
    router: EventRouter

    @classmethod
    def over(cls, settings: Settings, service: Service, store: DefinitionStore) -> Engine:
        """The parts around an existing service and store (tests and benchmarks bring their own)."""
        return cls(settings, service, store, EventRouter(service, store.latest))


@asynccontextmanager
async def open_engine(
    settings: Settings, client: Client | None = None, *, eager_start: bool = False
) -> AsyncIterator[Engine]:
    """Open the store and connect (unless given a ``client``); the store is closed on the way out.

    ``eager_start``: a worker on ``client`` polls the settings' task queue in this process (``serve``)."""
    store = open_store(settings.store_location)
    try:
        service = Service(
            client or await connect(settings),
            task_queue=settings.task_queue,
            lookup=store.lookup,
            eager_start=eager_start,
            lifecycle_events=settings.lifecycle_events,
        )
        yield Engine.over(settings, service, store)
    finally:
        store.close()
