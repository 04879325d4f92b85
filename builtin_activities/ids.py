"""Identifiers. Random, so an activity: its result is recorded in history and replays unchanged."""

from __future__ import annotations

import uuid as uuid_module
from typing import Any

from temporalio import activity

from builtin_activities.arguments import arguments_object


@activity.defn(name="builtin.uuid")
async def uuid(arguments: Any) -> dict[str, str]:
    """No arguments. Returns {"uuid": a random version-4 UUID in canonical text form}."""
    arguments_object("uuid", arguments)
    return {"uuid": str(uuid_module.uuid4())}
