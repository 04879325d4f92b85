"""Throughput: many concurrent instances of the K = 5 workflow, ours against BOTH hand-written twins.

Run: ``.venv/bin/python bench/throughput.py [--quick] [--dsl10]``. Each round starts N instances at once (500,
or 100 with --quick) of one side and waits for all their results; instances per second = N / (time from the
first start request to the last result). Rounds rotate between the sides (ours; the hand-written workflow in
the SDK's sandbox; the same workflow unsandboxed, as ours runs), and the median of the rounds is reported with
the ratios ours / each twin (target: at least 1.00 against the unsandboxed twin). Here the dev server and the
worker share two cores and run flat out, so a rate follows the CPU one instance costs: the CPU columns say it
with less noise than the rates. Writes ``bench/throughput.json`` (``--dsl10``: the DSL 1.0 twin of the
document, into ``bench/throughput-dsl10.json``).
"""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from common import (
    RUN_TIMEOUT,
    SEQUENCE_INPUT,
    Bench,
    alternating,
    arguments,
    bench_environment,
    compile_document,
    measured,
    ratio,
    sequence_document,
    table,
    write_results,
)
from twins import sequence_document_10

K = 5
TARGET = 1.00
"""Ours / the unsandboxed twin, in instances per second (issue 19; 0.90 against the sandboxed twin before)."""
SIDES = ("ours", "hand", "bare")


def launcher(bench: Bench, side: str, ir: Any) -> Callable[[], Awaitable[Callable[[], Awaitable[Any]]]]:
    """How one side starts an instance: the start, answering a wait for that instance's result."""
    if side == "ours":

        async def start_ours() -> Callable[[], Awaitable[Any]]:
            started = await bench.ours.start(ir, SEQUENCE_INPUT)
            return lambda: bench.ours.result(started.instance_id, run_id=started.run_id)

        return start_ours
    queue = bench.hand_queue if side == "hand" else bench.bare_queue

    async def start_twin() -> Callable[[], Awaitable[Any]]:
        handle = await bench.client.start_workflow(
            "bench.HandSequence", args=[K, SEQUENCE_INPUT], id=f"{side}-{uuid.uuid4()}", task_queue=queue
        )
        return handle.result

    return start_twin


async def burst(bench: Bench, side: str, ir: Any, count: int) -> dict[str, Any]:
    """Start ``count`` instances of one side at once; instances per second and CPU per instance."""
    start = launcher(bench, side, ir)
    worker_cpu, server_cpu = bench.cpu_now()
    began = time.perf_counter()
    waits = await asyncio.gather(*(start() for _ in range(count)))
    all_started = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(wait() for wait in waits)), RUN_TIMEOUT * 5)
    elapsed = time.perf_counter() - began
    worker_after, server_after = bench.cpu_now()
    return {
        "side": side,
        "instances": count,
        "seconds": elapsed,
        "start_requests_s": all_started - began,
        "per_second": count / elapsed,
        "worker_cpu_ms_per_instance": (worker_after - worker_cpu) / count * 1000,
        "server_cpu_ms_per_instance": (server_after - server_cpu) / count * 1000,
    }


def summary(bursts: list[dict[str, Any]]) -> dict[str, Any]:
    """Per side: the median rate and the mean CPU an instance cost; the ratios against both twins."""
    sides: dict[str, Any] = {}
    for side in SIDES:
        mine = [b for b in bursts if b["side"] == side]
        sides[side] = {
            "per_second": statistics.median(b["per_second"] for b in mine),
            "rounds": [b["per_second"] for b in mine],
            "worker_cpu_ms": statistics.fmean(b["worker_cpu_ms_per_instance"] for b in mine),
            "server_cpu_ms": statistics.fmean(b["server_cpu_ms_per_instance"] for b in mine),
        }
    rate = {side: sides[side]["per_second"] for side in SIDES}
    return {
        "bursts": bursts,
        "sides": sides,
        "ratio_hand": ratio(rate["ours"], rate["hand"]),
        "ratio_bare": ratio(rate["ours"], rate["bare"]),
    }


async def main() -> None:
    options = arguments(__doc__ or "", extra=[("--dsl10", "measure the DSL 1.0 twin of the document")])
    count = 100 if options.quick else 500
    rounds_per_side = 1 if options.quick else 3
    started = time.time()
    ir = compile_document((sequence_document_10 if options.dsl10 else sequence_document)(K))
    async with bench_environment() as bench:
        for side in SIDES:  # warm every path (sandbox, caches, task queue pollers)
            await burst(bench, side, ir, 20)

        async def rounds() -> dict[str, Any]:
            bursts: list[dict[str, Any]] = []
            for order in alternating(rounds_per_side, SIDES):
                for side in order:
                    bursts.append(await burst(bench, side, ir, count))
                    await asyncio.sleep(1.0)  # let the server finish its follow-up work (timers, visibility)
                    print(f"  {side}: {bursts[-1]['per_second']:.1f} instances/s")
            return summary(bursts)

        figure = await measured("throughput", rounds, bench.meter(), rerun_when_noisy=not options.no_rerun)
    sides = figure["sides"]
    rows = [
        [side, f"{sides[side]['per_second']:.1f}", " ".join(f"{r:.1f}" for r in sides[side]["rounds"]),
         sides[side]["worker_cpu_ms"], sides[side]["server_cpu_ms"]]
        for side in SIDES
    ]  # fmt: skip
    print(
        f"\nthroughput: {count} concurrent instances of K = {K} per round, median of {rounds_per_side} rounds"
    )
    print(table(["side", "instances/s", "rounds", "worker cpu ms", "server cpu ms"], rows))
    verdict = "met" if figure["ratio_bare"] >= TARGET else "NOT met"
    print(
        f"ours / sandboxed twin {figure['ratio_hand']:.2f}; ours / unsandboxed twin {figure['ratio_bare']:.2f}"
        f" (target >= {TARGET}: {verdict}); other CPU {figure['cpu']['other_share']:.0%}"
        + (" noisy" if figure["noisy"] else "")
    )
    results = {"k": K, "instances_per_round": count, "target_ratio_bare": TARGET, **figure}
    path = write_results(
        "throughput-dsl10" if options.dsl10 else "throughput", results, started=started, options=vars(options)
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    asyncio.run(main())
