"""``GET /instances`` newest first by start time, on any Temporal.

SQL visibility (the dev server, Postgres, MySQL) refuses ``ORDER BY`` and lists running executions before
closed ones, closed ones by close time. So a page is made here: every match started no later than the
cursor (bounded by ``SCAN_LIMIT``) is sorted by start time, and the page token is the last item's position.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from temporalio.client import Client, WorkflowExecution

from swengine.api.visibility import decode_page_token, encode_page_token
from swengine.core.errors import InputError

SCAN_LIMIT = 10_000
"""Executions read for one page at most; past it the oldest matches are not listed."""
SLACK = timedelta(milliseconds=1)
"""The query's bound is loosened by this much (visibility keeps nanoseconds, Python microseconds); the
exact cut is made here."""
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)
"""Latest start a page token may name: far past any instance, far enough from the calendar's end to compute with."""


@dataclass(frozen=True, slots=True, order=True)
class Position:
    """Where an execution sorts: newer start first, then instance id and run id (descending)."""

    started_at: datetime
    instance_id: str
    run_id: str

    def token(self) -> str:
        raw = json.dumps([self.started_at.isoformat(), self.instance_id, self.run_id]).encode()
        return encode_page_token(raw)

    @classmethod
    def of(cls, execution: WorkflowExecution) -> Position:
        return cls(execution.start_time or EPOCH, execution.id, execution.run_id)

    @classmethod
    def parse(cls, token: str | None) -> Position | None:
        raw = decode_page_token(token)
        if raw is None:
            return None
        try:
            started_at, instance_id, run_id = json.loads(raw)
            when = datetime.fromisoformat(started_at)
        except (ValueError, TypeError):
            when = None
        # The checksum only catches garbling: anyone can make a token, so what it holds is checked like input.
        if when is None or when.tzinfo is None or not EPOCH <= when <= LATEST:
            raise InputError("page_token is not a token this API handed out", code="invalid_page_token")
        return cls(when, str(instance_id), str(run_id))


async def newest_first(
    client: Client, query: str, *, limit: int, after: Position | None
) -> tuple[list[WorkflowExecution], Position | None]:
    """One page of executions matching ``query`` that sort after ``after``; and the next page's position."""
    if after is not None:
        bound = (after.started_at + SLACK).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        query = f"{query} AND StartTime < '{bound}'"
    found = [execution async for execution in client.list_workflows(query, limit=SCAN_LIMIT)]
    found.sort(key=Position.of, reverse=True)
    if after is not None:
        found = [execution for execution in found if Position.of(execution) < after]
    page = found[:limit]
    return page, Position.of(page[-1]) if len(found) > limit else None
