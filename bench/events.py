"""Events: latency from a CloudEvent POSTed to the REST API to the instance consuming it, and events per second
into one instance.

Run: ``.venv/bin/python bench/events.py [--quick]``. The API (``swengine.api.app.create_app``) is served by
uvicorn on 127.0.0.1 in this process, over the same ``Service`` and an ``EventRouter`` that knows the
benchmark definition; events go in over HTTP (structured mode). The instance runs in the worker process.

- latency, N times (50, or 10 with --quick), rotating three ways of delivering one event to an instance
  that waits for it: through the API (ours), as a signal through ``Service.send_event`` (ours, no routing),
  and as a signal to the hand-written waiter. "Consumed" is the server's timestamp of the workflow task
  completed after the signal, minus the wall-clock time just before the event was sent (same machine, same
  clock). Also the API's response time and the time until the client saw the result. Target: the API
  median under 50 ms.
- rate: M events (500, or 100 with --quick) sent with 8 in flight into one instance that consumes them one
  by one; events per second from the first send to the instance's result, for the same three ways.

Writes ``bench/events.json``.
"""

from __future__ import annotations

import asyncio
import socket
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from common import (
    Bench,
    arguments,
    bench_environment,
    compile_document,
    measured,
    summarize,
    table,
    tick_event,
    ticks_document,
    write_results,
)

TARGET_MS = 50.0
IN_FLIGHT = 8
STRUCTURED = "application/cloudevents+json"


def api_document() -> str:
    """The ticks document behind an inject state: an event state at the start would make the router start a
    new instance per event (a starting definition) instead of delivering to the waiting one."""
    text = ticks_document().replace("start: Wait", "start: Init")
    return text.replace("states:\n", "states:\n  - name: Init\n    type: inject\n    data:\n      via: api\n"
                        "    transition: Wait\n")  # fmt: skip


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Api:
    """The REST API served by uvicorn inside this process."""

    def __init__(self, bench: Bench, ir: Any, data_dir: Path, *, router: Any = None) -> None:
        import uvicorn

        from swengine.api.app import create_app
        from swengine.core.settings import Settings
        from swengine.runtime.router import EventRouter
        from swengine.runtime.store import open_store

        self.port = free_port()
        self.store = open_store("sqlite:///:memory:")
        self.router = router or EventRouter(bench.ours, lambda: [ir])
        settings = Settings(data_dir=data_dir, host="127.0.0.1", port=self.port)
        app = create_app(
            settings,
            service=bench.ours,
            store=self.store,
            router=router or EventRouter(bench.ours, lambda: [ir]),
        )
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.task: asyncio.Task[None] | None = None
        self.http = httpx.AsyncClient(base_url=f"http://127.0.0.1:{self.port}", timeout=30)

    async def __aenter__(self) -> Api:
        self.task = asyncio.create_task(self.server.serve())
        while not self.server.started:
            await asyncio.sleep(0.05)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.http.aclose()
        self.server.should_exit = True
        if self.task is not None:
            await self.task
        self.store.close()

    async def post(self, event: dict[str, Any], *, fates: bool = True) -> dict[str, Any]:
        response = await self.http.post("/events", json=event, headers={"content-type": STRUCTURED},
                                        params={} if fates else {"fates": "false"})  # fmt: skip
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result


async def visible_and_waiting(bench: Bench, instance_id: str, queue: str) -> None:
    """Until the router can find the instance (visibility) and it has run its first workflow task."""
    handle = bench.client.get_workflow_handle(instance_id)
    query = f"WorkflowId = '{instance_id}' AND ExecutionStatus = 'Running' AND TaskQueue = '{queue}'"
    for _ in range(1000):
        description = await handle.describe()
        if (description.history_length or 0) >= 4 and [e async for e in bench.client.list_workflows(query)]:
            return
        await asyncio.sleep(0.01)
    raise RuntimeError(f"instance {instance_id} never became visible and waiting")


async def consumed_at(bench: Bench, instance_id: str) -> float:
    """Server wall-clock time of the workflow task completed after the first signal."""
    signalled = False
    async for event in bench.client.get_workflow_handle(instance_id).fetch_history_events():
        if event.HasField("workflow_execution_signaled_event_attributes"):
            signalled = True
        elif signalled and event.HasField("workflow_task_completed_event_attributes"):
            return event.event_time.seconds + event.event_time.nanos / 1e9
    raise RuntimeError(f"instance {instance_id}: no workflow task completed after the signal")


def hand_queue(bench: Bench, way: str) -> str | None:
    """The task queue of a hand-written way: the waiter sandboxed (``hand_signal``) or not (``bare_signal``)."""
    return {"hand_signal": bench.hand_queue, "bare_signal": bench.bare_queue}.get(way)


async def latency_once(bench: Bench, api: Api, ir: Any, way: str, run: str) -> dict[str, float]:
    queue = hand_queue(bench, way)
    if queue is not None:
        handle = await bench.client.start_workflow(
            "bench.HandWaiter", args=[{"target": 1, "count": 0}], id=f"hand-wait-{uuid.uuid4()}",
            task_queue=queue,
        )  # fmt: skip
        instance_id = handle.id
    else:
        instance_id = (await bench.ours.start(ir, {"count": 0, "target": 1})).instance_id
        queue = bench.ours_queue
    await visible_and_waiting(bench, instance_id, queue)
    event = tick_event(0, f"{run}-{instance_id}")
    sent_wall, began = time.time(), time.perf_counter()
    if way == "api":
        routed = await api.post(event)
        if instance_id not in routed["delivered"]:
            raise RuntimeError(f"the API did not deliver the event to {instance_id}: {routed}")
    elif way == "ours_signal":
        await bench.ours.send_event(instance_id, event)
    else:
        await bench.client.get_workflow_handle(instance_id).signal("event", event)
    answered = time.perf_counter()
    await bench.client.get_workflow_handle(instance_id).result()
    seen = time.perf_counter()
    return {
        "consumed_s": await consumed_at(bench, instance_id) - sent_wall,
        "answered_s": answered - began,
        "result_s": seen - began,
    }


async def rate_once(bench: Bench, api: Api, ir: Any, way: str, count: int) -> dict[str, float]:
    run = uuid.uuid4().hex[:8]
    queue = hand_queue(bench, way)
    if queue is not None:
        handle = await bench.client.start_workflow(
            "bench.HandWaiter", args=[{"target": count, "count": 0}], id=f"hand-rate-{run}", task_queue=queue
        )
        instance_id = handle.id
    else:
        instance_id = (await bench.ours.start(ir, {"count": 0, "target": count})).instance_id
        queue = bench.ours_queue
    await visible_and_waiting(bench, instance_id, queue)
    target = bench.client.get_workflow_handle(instance_id)
    sends: dict[str, Callable[[dict[str, Any]], Awaitable[Any]]] = {
        "api": api.post,
        "ours_signal": lambda e: bench.ours.send_event(instance_id, e),
        "hand_signal": lambda e: target.signal("event", e),
        "bare_signal": lambda e: target.signal("event", e),
    }
    send = sends[way]
    gate = asyncio.Semaphore(IN_FLIGHT)

    async def one(index: int) -> None:
        async with gate:
            await send(tick_event(index, run))

    began = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(count)))
    sent = time.perf_counter()
    result = await asyncio.wait_for(target.result(), 300)
    finished = time.perf_counter()
    if result.get("count") != count:
        raise RuntimeError(f"{way}: the instance counted {result.get('count')} of {count} events")
    return {"events": count, "seconds": finished - began, "per_second": count / (finished - began),
            "accepted_per_second": count / (sent - began)}  # fmt: skip


def report_rates(rate: dict[str, Any], count: int) -> None:
    """Events per second into one instance, each way's rounds, and ours against the unsandboxed waiter."""
    rows = [[way, f["per_second"], ", ".join(f"{r:.0f}" for r in f["rounds"])]
            for way, f in rate.items() if way != "cpu" and isinstance(f, dict) and "rounds" in f]  # fmt: skip
    print(f"\nevents/s into one instance ({count} events, {IN_FLIGHT} in flight; median of rounds)")
    print(table(["way", "events/s", "rounds"], rows))
    share = rate["ours_signal"]["per_second"] / rate["bare_signal"]["per_second"]
    print(f"ours by signal / unsandboxed waiter: {share:.2f} (target >= 0.9: {'met' if share >= 0.9 else 'NOT met'});"
          f" other processes used {rate['cpu']['other_share']:.0%} of the CPU")  # fmt: skip


async def main() -> None:
    options = arguments(__doc__ or "", extra=[("--rate-only", "only the rates, three rounds per way")])
    runs, count = (10, 100) if options.quick else (50, 500)
    ways = ["api", "ours_signal", "hand_signal", "bare_signal"]
    started = time.time()
    ir = compile_document(api_document())
    with tempfile.TemporaryDirectory() as data_dir:
        async with bench_environment() as bench, Api(bench, ir, Path(data_dir)) as api:
            for way in ways:  # warm-up
                await latency_once(bench, api, ir, way, "warm")

            async def latencies() -> dict[str, Any]:
                samples: dict[str, list[dict[str, float]]] = {way: [] for way in ways}
                for index in range(runs):
                    shift = index % len(ways)
                    for way in ways[shift:] + ways[:shift]:
                        samples[way].append(await latency_once(bench, api, ir, way, str(index)))
                return {
                    way: {
                        key: summarize([s[key] for s in rows])
                        for key in ("consumed_s", "answered_s", "result_s")
                    }
                    for way, rows in samples.items()
                }

            async def rates() -> dict[str, Any]:
                rounds: dict[str, list[dict[str, float]]] = {way: [] for way in ways}
                for index in range(3 if options.rate_only else 1):  # order rotated every round
                    for way in ways[index % len(ways) :] + ways[: index % len(ways)]:
                        rounds[way].append(await rate_once(bench, api, ir, way, count))
                medians = {
                    way: sorted(r, key=lambda f: f["per_second"])[len(r) // 2] for way, r in rounds.items()
                }
                return {
                    way: {**medians[way], "rounds": [r["per_second"] for r in rounds[way]]} for way in ways
                }

            if options.rate_only:
                rate = await measured("rate", rates, bench.meter(), rerun_when_noisy=not options.no_rerun)
                report_rates(rate, count)
                path = write_results("events-rate", {"rate_events": count, "in_flight": IN_FLIGHT, "rate": rate},
                                     started=started, options=vars(options))  # fmt: skip
                print(f"wrote {path}")
                return
            latency = await measured(
                "latency", latencies, bench.meter(), rerun_when_noisy=not options.no_rerun
            )
            rate = await measured("rate", rates, bench.meter(), rerun_when_noisy=not options.no_rerun)
    report_rates(rate, count)
    rows = [
        [way, latency[way]["consumed_s"]["median_ms"], latency[way]["consumed_s"]["p95_ms"],
         latency[way]["answered_s"]["median_ms"], latency[way]["result_s"]["median_ms"],
         rate[way]["per_second"], rate[way]["accepted_per_second"]]
        for way in ways
    ]  # fmt: skip
    headers = ["way", "to consumed med ms", "p95 ms", "send answered med ms", "to result med ms",
               f"events/s into 1 (x{count})", "sent/s"]  # fmt: skip
    print(f"\nevents: latency over {runs} events per way; rate with {IN_FLIGHT} in flight")
    print(table(headers, rows))
    api_median = latency["api"]["consumed_s"]["median_ms"]
    print(f"API to consumed, median {api_median:.1f} ms (target < {TARGET_MS:g} ms:"
          f" {'met' if api_median < TARGET_MS else 'NOT met'});"
          f" other processes used {latency['cpu']['other_share']:.0%} / {rate['cpu']['other_share']:.0%} of the CPU")  # fmt: skip
    results = {"latency_runs": runs, "rate_events": count, "in_flight": IN_FLIGHT, "target_median_ms": TARGET_MS,
               "latency": latency, "rate": rate}  # fmt: skip
    path = write_results("events", results, started=started, options=vars(options))
    print(f"wrote {path}")


if __name__ == "__main__":
    asyncio.run(main())
