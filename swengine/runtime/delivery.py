"""What became of a routed event in each instance it reached: "delivered" alone does not say whether a state
took it, keeps it for later, or will never take it (a source or correlation that does not match)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from temporalio.client import Client

from swengine.core.ir import EVENT_FATE_QUERY

QUERY_TIMEOUT = timedelta(seconds=2)


async def fate(client: Client, instance_id: str, event: dict[str, Any]) -> str:
    """consumed, buffered, unmatched or not_received; ``unknown`` when the instance cannot be asked."""
    try:
        answer = await client.get_workflow_handle(instance_id).query(
            EVENT_FATE_QUERY, event, rpc_timeout=QUERY_TIMEOUT
        )
    except Exception:  # noqa: BLE001 - no live worker, or a worker without this query: say so, route anyway
        return "unknown"
    return str(answer)


async def fates(client: Client, instance_ids: list[str], event: dict[str, Any]) -> dict[str, str]:
    answers = await asyncio.gather(*(fate(client, instance_id, event) for instance_id in instance_ids))
    return dict(zip(instance_ids, answers, strict=True))
