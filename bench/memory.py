"""Memory: the worker's resident memory idle and with 1,000 instances waiting for an event.

Run: ``.venv/bin/python bench/memory.py [--quick]``. For each side a fresh worker process is started (so
neither inherits the other's heap): its RSS (``VmRSS``) is read idle, then N instances (1,000, or 200 with
--quick) are started that wait, ours for a CloudEvent in an event state, the hand-written one for a
signal; once every instance has completed its first workflow task (and so sits in the worker's cache), the
RSS is read again. Target: under 1 GiB for 1,000 waiting instances. Writes ``bench/memory.json``.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from common import Bench, arguments, bench_environment, compile_document, measured, table, write_results

TARGET_KIB = 1024 * 1024
WAITING = """\
id: bench-waiting
version: '1.0'
specVersion: '0.8'
name: Wait for one event
start: Wait
events:
  - name: ping
    type: bench.ping
    source: /bench
states:
  - name: Wait
    type: event
    onEvents:
      - eventRefs: [ping]
        eventDataFilter:
          toStateData: "${ .ping }"
    end: true
"""
CONCURRENT_STARTS = 50


async def steady_rss(bench_worker: Any, seconds: float = 3.0) -> int:
    """The highest RSS over a few samples (the heap settles after the last task)."""
    samples = []
    for _ in range(int(seconds / 0.5)):
        samples.append(bench_worker.rss_kib() or 0)
        await asyncio.sleep(0.5)
    return max(samples)


async def all_waiting(bench: Bench, ids: list[str], deadline_s: float = 300.0) -> float:
    """Seconds until every instance has completed its first workflow task (history length >= 4)."""
    began = time.monotonic()
    remaining = list(ids)
    gate = asyncio.Semaphore(CONCURRENT_STARTS)

    async def done(instance_id: str) -> bool:
        async with gate:
            description = await bench.client.get_workflow_handle(instance_id).describe()
        return (description.history_length or 0) >= 4

    while remaining:
        finished = await asyncio.gather(*(done(i) for i in remaining))
        remaining = [i for i, ok in zip(remaining, finished, strict=True) if not ok]
        if remaining and time.monotonic() - began > deadline_s:
            raise RuntimeError(f"{len(remaining)} instances never reached their wait")
        if remaining:
            await asyncio.sleep(1.0)
    return time.monotonic() - began


async def one_side(bench: Bench, side: str, count: int) -> dict[str, Any]:
    from swengine.runtime.service import Service

    worker = await bench.spawn_worker()
    try:
        await asyncio.sleep(2.0)
        idle = await steady_rss(worker)
        gate = asyncio.Semaphore(CONCURRENT_STARTS)
        ir = compile_document(WAITING)
        service = Service(bench.client, task_queue=f"{worker.prefix}-ours")

        async def start(_: int) -> str:
            async with gate:
                if side == "ours":
                    return (await service.start(ir, {})).instance_id
                handle = await bench.client.start_workflow(
                    "bench.HandWaiter", args=[{"target": 1}], id=f"hand-wait-{uuid.uuid4()}",
                    task_queue=f"{worker.prefix}-hand",
                )  # fmt: skip
                return handle.id

        began = time.monotonic()
        ids = list(await asyncio.gather(*(start(i) for i in range(count))))
        start_seconds = time.monotonic() - began
        settle_seconds = await all_waiting(bench, ids)
        loaded = await steady_rss(worker)
        return {
            "side": side,
            "instances": count,
            "idle_rss_kib": idle,
            "waiting_rss_kib": loaded,
            "per_instance_kib": (loaded - idle) / count,
            "start_seconds": start_seconds,
            "settle_seconds": settle_seconds,
        }
    finally:
        await worker.stop()


async def main() -> None:
    options = arguments(__doc__ or "")
    count = 200 if options.quick else 1000
    started = time.time()
    async with bench_environment() as bench:

        async def both() -> dict[str, Any]:
            return {"sides": [await one_side(bench, side, count) for side in ("ours", "hand")]}

        figure = await measured("memory", both, bench.meter(), rerun_when_noisy=False)  # memory is not timing
    rows = [
        [s["side"], s["instances"], s["idle_rss_kib"] / 1024, s["waiting_rss_kib"] / 1024, s["per_instance_kib"],
         "met" if s["waiting_rss_kib"] < TARGET_KIB else "NOT met"]
        for s in figure["sides"]
    ]  # fmt: skip
    print(f"\nmemory: worker RSS idle and with {count} instances waiting (fresh worker per side)")
    print(table(["side", "instances", "idle MiB", "waiting MiB", "KiB/instance", "< 1 GiB"], rows))
    results = {"instances": count, "target_kib": TARGET_KIB, **figure}
    path = write_results("memory", results, started=started, options=vars(options))
    print(f"wrote {path}")


if __name__ == "__main__":
    asyncio.run(main())
