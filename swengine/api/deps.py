"""What a route needs, as ``Annotated`` dependency aliases: the engine parts and the bearer-token check."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from swengine.core.settings import Settings
from swengine.runtime.engine import Engine
from swengine.runtime.router import EventRouter
from swengine.runtime.service import Service
from swengine.runtime.store import DefinitionStore


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


EngineDep = Annotated[Engine, Depends(get_engine)]


def get_settings(engine: EngineDep) -> Settings:
    return engine.settings


def get_service(engine: EngineDep) -> Service:
    return engine.service


def get_store(engine: EngineDep) -> DefinitionStore:
    return engine.store


def get_router(engine: EngineDep) -> EventRouter:
    return engine.router


SettingsDep = Annotated[Settings, Depends(get_settings)]
ServiceDep = Annotated[Service, Depends(get_service)]
StoreDep = Annotated[DefinitionStore, Depends(get_store)]
RouterDep = Annotated[EventRouter, Depends(get_router)]

bearer = HTTPBearer(auto_error=False, description="One of the tokens in SWENGINE_TOKENS (when it is set).")


def declare_bearer(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> None:
    """Shows the scheme in OpenAPI; ``api.auth.BearerAuth`` checks the token, before any body is read."""


Authorized = Depends(declare_bearer)
