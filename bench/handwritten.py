"""The hand-written Temporal workflows our interpreter is measured against, and the ``bench.work`` activity.

Each does the same work as a benchmark document, written the way a Temporal user would write it by hand:
regular activities called by name with the timeout and the retry policy our compiler gives an action with no
``actionExecTimeout`` and no retry (10 minutes start-to-close; three attempts, so a lost worker is retried, and
application errors final, which a hand-written workflow says by naming its error type as non-retryable), plain
Python for data shaping.
This module is re-imported by the workflow sandbox for every run (as any user's workflow module is), so it
imports only the standard library and ``temporalio``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import activity, workflow
from temporalio.common import RetryPolicy

WORK_ACTIVITY = "bench.work"
ACTION_TIMEOUT = timedelta(minutes=10)
AS_COMPILED = RetryPolicy(maximum_attempts=3, non_retryable_error_types=["WorkFailed"])
"""The policy's shape as ours: until 3a000ea the twin made one attempt with no type list (0.5 % lighter a task)."""
TRANSFORM_STATES = 20
"""Length of the ``transforms`` chain; ``bench/common.py`` writes the same chain as a document."""


@activity.defn(name=WORK_ACTIVITY)
async def work(arguments: Any) -> Any:
    """Returns its input: the cheapest possible activity, so what is measured is the orchestration."""
    return arguments


@workflow.defn(name="bench.HandSequence")
class HandSequence:
    """``k`` sequential calls of ``bench.work``; each result lands at ``step<i>`` (the document's toStateData)."""

    @workflow.run
    async def run(self, k: int, data: dict[str, Any], summary: str | None = None) -> dict[str, Any]:
        """``summary`` (off in the benchmarks) labels each activity as our interpreter does, to price that."""
        data = dict(data)
        for step in range(k):
            data[f"step{step}"] = await workflow.execute_activity(
                WORK_ACTIVITY,
                {"step": step, "value": data["value"]},
                start_to_close_timeout=ACTION_TIMEOUT,
                retry_policy=AS_COMPILED,
                summary=summary,
            )
        return data


@workflow.defn(name="bench.HandFloor")
class HandFloor:
    """No activity and no work at all: the least a workflow can cost on this server."""

    @workflow.run
    async def run(self, data: dict[str, Any]) -> dict[str, Any]:
        return data


def _merge(into: dict[str, Any], value: dict[str, Any]) -> dict[str, Any]:
    merged = dict(into)
    for key, item in value.items():
        if isinstance(item, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], item)
        else:
            merged[key] = item
    return merged


@workflow.defn(name="bench.HandTransforms")
class HandTransforms:
    """The ``transforms`` document's chain of inject, expression-function and switch states, in plain Python."""

    @workflow.run
    async def run(self, data: dict[str, Any]) -> dict[str, Any]:
        for index in range(TRANSFORM_STATES):
            kind = index % 3
            if kind == 0:  # inject
                data = _merge(data, {"stage": index, "flags": {f"s{index}": True}})
            elif kind == 1:  # operation with one expression function
                function = (index // 3) % 3
                if function == 0:
                    data = _merge(
                        data, {"subtotal": sum(i["price"] * i["qty"] for i in data["order"]["items"])}
                    )
                elif function == 1:
                    data = _merge(data, {"count": data["count"] + 1})
                else:
                    label = f"order-{data['order']['customer']['name']}-{data['count']}"
                    data = _merge(data, {"label": label})
            elif data["count"] > 1000 or data["order"]["customer"]["tier"] == "platinum":  # switch
                pass  # both branches lead to the next state, as in the document
        return data


@workflow.defn(name="bench.HandWaiter")
class HandWaiter:
    """Waits for ``target`` signals named ``event`` (as our instances wait for CloudEvents), counting them."""

    def __init__(self) -> None:
        self._pending: list[dict[str, Any]] = []
        self._seen: set[str] = set()

    @workflow.signal(name="event")
    def on_event(self, event: dict[str, Any]) -> None:
        key = f"{event.get('source')}\x1f{event.get('id')}"
        if key not in self._seen:  # deduplicated like our inbox, so both do the same bookkeeping
            self._seen.add(key)
            self._pending.append(event)

    @workflow.run
    async def run(self, data: dict[str, Any]) -> dict[str, Any]:
        data = dict(data)
        count = data.get("count", 0)
        while count < data["target"]:
            await workflow.wait_condition(lambda: bool(self._pending))
            data["last"] = self._pending.pop(0).get("data")
            count += 1
        data["count"] = count
        return data


@workflow.defn(name="bench.HandLoop")
class HandLoop:
    """The ``loops`` document in plain Python: bump ``.count`` until it reaches ``.target`` (two steps a turn)."""

    @workflow.run
    async def run(self, data: dict[str, Any]) -> dict[str, Any]:
        data = dict(data)
        while True:
            data = {**data, "count": data["count"] + 1}
            if data["count"] >= data["target"]:
                return data


WORKFLOWS = [HandSequence, HandFloor, HandTransforms, HandWaiter, HandLoop]
ACTIVITIES = [work]
