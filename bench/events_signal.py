"""Events into one instance: latency from sending an event to the instance consuming it, and events per second.

Run: ``.venv/bin/python bench/events_signal.py [--quick]``. Uses the shared harness (``common.py``): one dev
server with the fast flags, one worker process running the interpreter as shipped, this process as the client.

- latency, N events (200, or 40 with --quick) sent one at a time to an instance looping on an event state,
  each sent once the previous one was consumed. Two ways: a signal (``Service.send_event``) and the event
  router (``EventRouter.route``: a visibility query, then the signal). "Consumed" is the server's timestamp
  of the workflow task completed after the signal was recorded, in which the waiting state takes the event;
  the send time is the wall clock just before sending (same machine, same clock). Also split: send to
  signal recorded, and recorded to consumed.
- rate, M events (1000, or 200 with --quick) into one instance that consumes them one by one, sent with 1
  and with 16 in flight: events per second from the first send to the instance's result.

Writes ``bench/events_signal.json``.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from common import (
    Bench,
    arguments,
    bench_environment,
    compile_document,
    measured,
    summarize,
    table,
    write_results,
)

from swengine.core.ir import EVENT_SIGNAL
from swengine.runtime.router import EventRouter

LOOP = """\
id: bench-event-loop
specVersion: '0.8'
start: Wait
events:
  - {name: ping, type: bench.ping, source: /bench}
states:
  - name: Wait
    type: event
    onEvents:
      - eventRefs: [ping]
        eventDataFilter: {toStateData: "${ .last }"}
    transition: Check
  - name: Check
    type: switch
    dataConditions:
      - condition: "${ .last.seq >= .target }"
        end: true
    defaultCondition: {transition: Wait}
"""
COUNT = """\
id: bench-event-count
specVersion: '0.8'
start: Wait
events:
  - {name: ping, type: bench.ping, source: /bench}
states:
  - name: Wait
    type: event
    onEvents:
      - eventRefs: [ping]
        eventDataFilter: {useData: false}
    stateDataFilter: {output: "${ .count += 1 }"}
    transition: Check
  - name: Check
    type: switch
    dataConditions:
      - condition: "${ .count >= .target }"
        end: true
    defaultCondition: {transition: Wait}
"""
"""Counts instead of reading a sequence number: with many in flight, events arrive in any order."""
WARMUP = 5
IN_FLIGHT = (1, 16)
WAYS = ("signal", "router")


def ping(seq: int, run: str) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": f"{run}-{seq}",
        "source": "/bench",
        "type": "bench.ping",
        "data": {"seq": seq},
    }


def seconds(timestamp: Any) -> float:
    return timestamp.seconds + timestamp.nanos / 1e9


async def history(bench: Bench, instance_id: str) -> AsyncIterator[Any]:
    """The instance's history events as the server records them (one long poll, followed)."""
    async for event in bench.client.get_workflow_handle(instance_id).fetch_history_events(
        wait_new_event=True
    ):
        yield event


async def consumed_after(bench: Bench, events: AsyncIterator[Any], event_id: str) -> tuple[float, float]:
    """(signal recorded, workflow task completed) server times for the signal carrying ``event_id``."""
    recorded = None
    async for event in events:
        signal = event.workflow_execution_signaled_event_attributes
        if (
            event.HasField("workflow_execution_signaled_event_attributes")
            and signal.signal_name == EVENT_SIGNAL
        ):
            [payload] = await bench.client.data_converter.decode(signal.input.payloads)
            if payload.get("id") == event_id:
                recorded = seconds(event.event_time)
        elif recorded is not None and event.HasField("workflow_task_completed_event_attributes"):
            return recorded, seconds(event.event_time)
    raise RuntimeError(f"history ended before {event_id} was consumed")


async def latency(bench: Bench, count: int, way: str) -> dict[str, Any]:
    ir = compile_document(LOOP)
    router = EventRouter(bench.ours, lambda: [])
    run = uuid.uuid4().hex[:8]
    started = await bench.ours.start(ir, {"target": WARMUP + count})
    instance = started.instance_id
    send = (
        (lambda event: bench.ours.send_event(instance, event))
        if way == "signal"
        else (lambda event: router.route(event))
    )
    if way == "router":  # the instance must be visible to the router's query before the first event
        while instance not in (await router.route(ping(0, run))).delivered:
            await asyncio.sleep(0.01)
    events = history(bench, instance).__aiter__()
    totals, ingest, dispatch = [], [], []
    for seq in range(1, WARMUP + count + 1):
        event = ping(seq, run)
        sent = time.time()
        await send(event)
        recorded, completed = await consumed_after(bench, events, event["id"])
        if seq > WARMUP:
            totals.append(completed - sent)
            ingest.append(recorded - sent)
            dispatch.append(completed - recorded)
    await bench.ours.result(instance, timeout=60)
    return {"way": way, "consumed": summarize(totals), "send_to_recorded": summarize(ingest),
            "recorded_to_consumed": summarize(dispatch)}  # fmt: skip


async def rate(bench: Bench, count: int, in_flight: int) -> dict[str, Any]:
    ir = compile_document(COUNT)
    run = uuid.uuid4().hex[:8]
    started = await bench.ours.start(ir, {"target": count, "count": 0})
    gate = asyncio.Semaphore(in_flight)

    async def send(seq: int) -> None:
        async with gate:
            await bench.ours.send_event(started.instance_id, ping(seq, run))

    began = time.perf_counter()
    await asyncio.gather(*(send(seq) for seq in range(count)))
    sent = time.perf_counter() - began
    await bench.ours.result(started.instance_id, timeout=300)
    elapsed = time.perf_counter() - began
    return {"in_flight": in_flight, "events": count, "seconds": elapsed, "events_per_s": count / elapsed,
            "sends_per_s": count / sent}  # fmt: skip


def latency_table(latencies: list[dict[str, Any]]) -> str:
    rows = []
    for r in latencies:
        other = f"{r['cpu']['other_share']:.0%}"
        for leg in ("consumed", "send_to_recorded", "recorded_to_consumed"):
            rows.append(
                [
                    f"{r['way']}: {leg.replace('_', ' ')}",
                    r[leg]["n"],
                    r[leg]["median_ms"],
                    r[leg]["p95_ms"],
                    other,
                ]
            )
    return table(["send ->", "n", "median ms", "p95 ms", "other CPU"], rows)


def rate_table(rates: list[dict[str, Any]]) -> str:
    rows = [
        [
            r["in_flight"],
            r["events"],
            r["seconds"],
            r["events_per_s"],
            r["sends_per_s"],
            f"{r['cpu']['other_share']:.0%}",
        ]
        for r in rates
    ]
    return table(["in flight", "events", "seconds", "consumed/s", "sent/s", "other CPU"], rows)


async def main() -> None:
    options = arguments(__doc__.splitlines()[0])
    began = time.time()
    n, m = (40, 200) if options.quick else (200, 1000)
    async with bench_environment() as bench:
        rerun = not options.no_rerun

        def figure(label: str, run: Any) -> Any:
            return measured(label, run, bench.meter(), rerun_when_noisy=rerun)

        latencies = [await figure(f"latency {way}", lambda way=way: latency(bench, n, way)) for way in WAYS]
        rates = [await figure(f"rate {k} in flight", lambda k=k: rate(bench, m, k)) for k in IN_FLIGHT]
    print(latency_table(latencies))
    print()
    print(rate_table(rates))
    path = write_results(
        "events_signal", {"latency": latencies, "rate": rates}, started=began, options={"n": n, "m": m}
    )
    print(f"\nwrote {path}")


if __name__ == "__main__":
    asyncio.run(main())
