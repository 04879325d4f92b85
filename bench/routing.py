"""Routing: events per second through the API's router, before and after its waiting index, beside direct signals.

Run: ``.venv/bin/python bench/routing.py [--quick]``. The shared harness (``common.py``): one dev server with
the fast flags, one worker process, this process as the client; the API (``create_app``) is served by uvicorn
on 127.0.0.1 here, as in ``events.py``. Three ways of delivering each event:

- ``api, before``: ``POST /events`` with the router asking visibility for every event (``index_age=None``,
  the router as it was before its index);
- ``api, after``: ``POST /events`` with the router's waiting index (the shipped default);
- ``api, after, with fates``: the same, without ``?fates=false``: the answer then says what became of the
  event in each instance (one workflow query per instance reached, answered by a worker);
- ``router, after``: ``EventRouter.route`` called in this process (the index, no HTTP): what the API's own
  request handling adds is the difference;
- ``signal``: ``Service.send_event`` to the instance's id (no routing: the ceiling).

The API ways but the last post with ``?fates=false``, so they compare routing alone. Two loads, each with 16
events in flight:

- one instance: M events (500, or 100 with --quick) into one instance that counts them (uncorrelated);
- many instances: N instances (1,000, or 200 with --quick), each started with its own ``orderid``
  correlation value and waiting for one event carrying it; one event for each.

Events per second run from the first send to the last instance's result. Also the visibility queries the
router made. Writes ``bench/routing.json``.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from common import (
    Bench,
    arguments,
    bench_environment,
    compile_document,
    measured,
    table,
    tick_event,
    write_results,
)
from events import Api, api_document, visible_and_waiting

IN_FLIGHT = 16
WAYS = ("api_before", "api_after", "api_after_fates", "router_after", "signal")
ORDER = """\
id: bench-order
specVersion: '0.8'
start: Init
events:
  - name: paid
    type: bench.paid
    source: /bench
    correlation:
      - contextAttributeName: orderid
states:
  - name: Init
    type: inject
    data: {}
    transition: Wait
  - name: Wait
    type: event
    onEvents:
      - eventRefs: [paid]
        eventDataFilter: {toStateData: "${ .paid }"}
    end: true
"""


def paid(order: int, run: str) -> dict[str, Any]:
    return {"specversion": "1.0", "id": f"paid-{run}-{order}", "source": "/bench", "type": "bench.paid",
            "orderid": f"{run}-{order}", "data": {"order": order}}  # fmt: skip


def router_for(bench: Bench, way: str, definitions: list[Any]) -> Any:
    from swengine.runtime.router import EventRouter

    return EventRouter(
        bench.ours, lambda: definitions, **({"index_age": None} if way == "api_before" else {})
    )


async def gated(count: int, send: Callable[[int], Awaitable[Any]]) -> float:
    """Send ``count`` events with IN_FLIGHT in flight; seconds taken to send them all."""
    gate = asyncio.Semaphore(IN_FLIGHT)

    async def one(index: int) -> None:
        async with gate:
            await send(index)

    began = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(count)))
    return time.perf_counter() - began


async def one_instance(bench: Bench, api: Api, ir: Any, way: str, count: int) -> dict[str, Any]:
    run = uuid.uuid4().hex[:8]
    instance_id = (await bench.ours.start(ir, {"count": 0, "target": count})).instance_id
    await visible_and_waiting(bench, instance_id, bench.ours_queue)
    sends: dict[str, Callable[[int], Awaitable[Any]]] = {
        "signal": lambda i: bench.ours.send_event(instance_id, tick_event(i, run)),
        "api_before": lambda i: api.post(tick_event(i, run), fates=False),
        "api_after": lambda i: api.post(tick_event(i, run), fates=False),
        "api_after_fates": lambda i: api.post(tick_event(i, run)),
        "router_after": lambda i: api.router.route(tick_event(i, run)),
    }
    began = time.perf_counter()
    sent = await gated(count, sends[way])
    result = await asyncio.wait_for(bench.client.get_workflow_handle(instance_id).result(), 600)
    finished = time.perf_counter() - began
    if result.get("count") != count:
        raise RuntimeError(f"{way}: the instance counted {result.get('count')} of {count} events")
    return {"events": count, "per_second": count / finished, "accepted_per_second": count / sent}


async def visible(bench: Bench, query: str, count: int) -> None:
    for _ in range(3000):
        if (await bench.client.count_workflows(query)).count >= count:
            return
        await asyncio.sleep(0.05)
    raise RuntimeError(f"fewer than {count} instances became visible")


async def many_instances(bench: Bench, api: Api, ir: Any, way: str, count: int) -> dict[str, Any]:
    run = uuid.uuid4().hex[:8]
    ids: list[str] = []
    gate = asyncio.Semaphore(32)

    async def start(order: int) -> None:
        async with gate:
            started = await bench.ours.start(ir, {}, instance_id=f"order-{run}-{order}",
                                             correlation={"orderid": f"{run}-{order}"})  # fmt: skip
            ids.append(started.instance_id)

    await asyncio.gather(*(start(i) for i in range(count)))
    await visible(bench, f"WorkflowId STARTS_WITH 'order-{run}-' AND ExecutionStatus = 'Running'", count)
    sends: dict[str, Callable[[int], Awaitable[Any]]] = {
        "signal": lambda i: bench.ours.send_event(f"order-{run}-{i}", paid(i, run)),
        "api_before": lambda i: api.post(paid(i, run), fates=False),
        "api_after": lambda i: api.post(paid(i, run), fates=False),
        "api_after_fates": lambda i: api.post(paid(i, run)),
        "router_after": lambda i: api.router.route(paid(i, run)),
    }
    began = time.perf_counter()
    sent = await gated(count, sends[way])
    results = await asyncio.gather(
        *(asyncio.wait_for(bench.client.get_workflow_handle(i).result(), 600) for i in ids)
    )
    finished = time.perf_counter() - began
    wrong = [r for r in results if not isinstance(r, dict) or "paid" not in r]
    if wrong:
        raise RuntimeError(f"{way}: {len(wrong)} instances ended without their event")
    return {"events": count, "per_second": count / finished, "accepted_per_second": count / sent}


async def main() -> None:
    options = arguments(__doc__ or "")
    single, many = (100, 200) if options.quick else (500, 1000)
    started = time.time()
    ticks, order = compile_document(api_document()), compile_document(ORDER)
    results: dict[str, Any] = {}
    async with bench_environment() as bench:
        for way in WAYS:
            with tempfile.TemporaryDirectory() as data_dir:
                router = router_for(bench, way, [ticks, order])
                async with Api(bench, ticks, Path(data_dir), router=router) as api:
                    await one_instance(bench, api, ticks, way, 10)  # warm-up

                    async def both(api: Api = api, way: str = way) -> dict[str, Any]:
                        return {
                            "one": await one_instance(bench, api, ticks, way, single),
                            "many": await many_instances(bench, api, order, way, many),
                        }

                    results[way] = await measured(
                        way, both, bench.meter(), rerun_when_noisy=not options.no_rerun
                    )
                    results[way]["visibility_queries"] = router.index.queries
    rows = [
        [way, results[way]["one"]["per_second"], results[way]["one"]["accepted_per_second"],
         results[way]["many"]["per_second"], results[way]["many"]["accepted_per_second"],
         results[way]["visibility_queries"]]
        for way in WAYS
    ]  # fmt: skip
    headers = [
        "way", f"into 1 instance, events/s (x{single})", "accepted/s",
        f"across {many} instances, events/s", "accepted/s", "visibility queries",
    ]  # fmt: skip
    print(f"\nrouting: {IN_FLIGHT} events in flight")
    print(table(headers, rows))
    for load in ("one", "many"):
        ratio = results["api_after"][load]["per_second"] / results["api_before"][load]["per_second"]
        print(f"{load}: after / before = {ratio:.1f}x")
    path = write_results("routing", {"in_flight": IN_FLIGHT, "single": single, "many": many, **results},
                         started=started, options=vars(options))  # fmt: skip
    print(f"wrote {path}")


if __name__ == "__main__":
    asyncio.run(main())
