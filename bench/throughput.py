"""Throughput: many concurrent instances of the K = 5 workflow, ours against the hand-written one.

Run: ``.venv/bin/python bench/throughput.py [--quick]``. Each round starts N instances at once (500, or 100
with --quick) of one side and waits for all their results; instances per second = N / (time from the first
start request to the last result). Rounds alternate between the sides, the order flipped every pair, and the
median of the rounds is reported with the ratio ours / hand-written (target: at least 0.90).
Writes ``bench/throughput.json``.
"""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
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

K = 5
TARGET = 0.90


async def burst(bench: Bench, side: str, ir: Any, count: int) -> dict[str, Any]:
    """Start ``count`` instances of one side at once; instances per second and CPU per instance."""
    worker_cpu, server_cpu = bench.cpu_now()
    began = time.perf_counter()
    if side == "ours":
        started = await asyncio.gather(*(bench.ours.start(ir, SEQUENCE_INPUT) for _ in range(count)))
        waits = [bench.ours.result(s.instance_id) for s in started]
    else:
        handles = await asyncio.gather(
            *(
                bench.client.start_workflow(
                    "bench.HandSequence",
                    args=[K, SEQUENCE_INPUT],
                    id=f"hand-{uuid.uuid4()}",
                    task_queue=bench.hand_queue,
                )
                for _ in range(count)
            )
        )
        waits = [handle.result() for handle in handles]
    all_started = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*waits), RUN_TIMEOUT * 5)
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


async def main() -> None:
    options = arguments(__doc__ or "")
    count = 100 if options.quick else 500
    pairs = 1 if options.quick else 3
    started = time.time()
    ir = compile_document(sequence_document(K))
    async with bench_environment() as bench:
        for side in ("ours", "hand"):  # warm both paths (sandbox, caches, task queue pollers)
            await burst(bench, side, ir, 20)

        async def rounds() -> dict[str, Any]:
            bursts: list[dict[str, Any]] = []
            for order in alternating(pairs):
                for side in order:
                    bursts.append(await burst(bench, side, ir, count))
                    await asyncio.sleep(1.0)  # let the server finish its follow-up work (timers, visibility)
                    print(f"  {side}: {bursts[-1]['per_second']:.1f} instances/s")
            ours = [b["per_second"] for b in bursts if b["side"] == "ours"]
            hand = [b["per_second"] for b in bursts if b["side"] == "hand"]
            return {
                "bursts": bursts,
                "ours_per_second": statistics.median(ours),
                "hand_per_second": statistics.median(hand),
                "ratio": ratio(statistics.median(ours), statistics.median(hand)),
                "ours_worker_cpu_ms": statistics.fmean(b["worker_cpu_ms_per_instance"] for b in bursts if b["side"] == "ours"),
                "hand_worker_cpu_ms": statistics.fmean(b["worker_cpu_ms_per_instance"] for b in bursts if b["side"] == "hand"),
                "ours_server_cpu_ms": statistics.fmean(b["server_cpu_ms_per_instance"] for b in bursts if b["side"] == "ours"),
                "hand_server_cpu_ms": statistics.fmean(b["server_cpu_ms_per_instance"] for b in bursts if b["side"] == "hand"),
            }  # fmt: skip

        figure = await measured("throughput", rounds, bench.meter(), rerun_when_noisy=not options.no_rerun)
    rows = [[K, count, len(figure["bursts"]) // 2, figure["ours_per_second"], figure["hand_per_second"], figure["ratio"],
             figure["ours_worker_cpu_ms"], figure["hand_worker_cpu_ms"], figure["ours_server_cpu_ms"],
             figure["hand_server_cpu_ms"], "met" if figure["ratio"] >= TARGET else "NOT met",
             f"{figure['cpu']['other_share']:.0%}" + (" noisy" if figure["noisy"] else "")]]  # fmt: skip
    headers = ["K", "instances", "rounds/side", "ours /s", "hand /s", "ratio", "ours wrk cpu ms", "hand wrk cpu ms",
               "ours srv cpu ms", "hand srv cpu ms", f">= {TARGET}", "other cpu"]  # fmt: skip
    print(f"\nthroughput: {count} concurrent instances per round, median of the rounds")
    print(table(headers, rows))
    results = {"k": K, "instances_per_round": count, "target_ratio": TARGET, **figure}
    path = write_results("throughput", results, started=started, options=vars(options))
    print(f"wrote {path}")


if __name__ == "__main__":
    asyncio.run(main())
