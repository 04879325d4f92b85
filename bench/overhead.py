"""Overhead: K custom-function actions in sequence, ours against BOTH hand-written twins, start to result.

Run: ``.venv/bin/python bench/overhead.py [--quick] [--runs N]``. For K = 1, 5 and 20, runs N instances of each
side (50 unless told) one after the other (ours, the hand-written workflow in the SDK's sandbox, and the same
workflow unsandboxed as ours runs; the order rotated every round), each measured from the start request to the
result. Prints median and p95 latency, the ratios ours / sandboxed twin and ours / unsandboxed twin (target: the
median ratio against the unsandboxed twin at most 1.00), the median of the back-to-back ratios against the
unsandboxed twin with its 95 % interval (``common.paired_ratio``; more runs, a tighter interval), and the CPU one
run cost the worker and the server. Writes ``bench/overhead.json``; ``--dsl10`` measures the DSL 1.0 twin
(``twins.py``) into ``bench/overhead-dsl10.json``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from common import (
    SEQUENCE_INPUT,
    Bench,
    Side,
    alternating,
    arguments,
    bench_environment,
    compile_document,
    measured,
    paired_ratio,
    ratio,
    sequence_document,
    table,
    write_results,
)
from twins import sequence_document_10

KS = (1, 5, 20)
TARGET = 1.00
SIDES = ("ours", "hand", "bare")
"""ours; the hand-written twin sandboxed (as the SDK defaults); the same twin unsandboxed (the strict one)."""
WARMUP = 3


async def measure_k(bench: Bench, k: int, runs: int, document: Callable[[int], str]) -> dict[str, Any]:
    ir = compile_document(document(k))

    def ours_run() -> Any:
        return bench.run_ours(ir, SEQUENCE_INPUT)

    def hand_run() -> Any:
        return bench.run_hand("bench.HandSequence", [k, SEQUENCE_INPUT])

    def bare_run() -> Any:
        return bench.run_hand("bench.HandSequence", [k, SEQUENCE_INPUT], queue=bench.bare_queue)

    runners = {"ours": ours_run, "hand": hand_run, "bare": bare_run}
    for _ in range(WARMUP):
        for runner in runners.values():
            await runner()

    async def rounds() -> dict[str, Any]:
        sides = {name: Side() for name in SIDES}
        for order in alternating(runs, SIDES):
            for name in order:
                await sides[name].sample(bench, runners[name])
        ours, hand, bare = (sides[name].summary() for name in SIDES)
        return {
            "k": k,
            "ours": ours,
            "hand": hand,
            "bare": bare,
            "median_ratio": ratio(ours["median_ms"], hand["median_ms"]),
            "p95_ratio": ratio(ours["p95_ms"], hand["p95_ms"]),
            "median_ratio_bare": ratio(ours["median_ms"], bare["median_ms"]),
            "p95_ratio_bare": ratio(ours["p95_ms"], bare["p95_ms"]),
            "paired_ratio_bare": paired_ratio(sides["ours"].latency, sides["bare"].latency),
        }

    return await measured(f"K={k}", rounds, bench.meter())


async def main() -> None:
    options = arguments(__doc__ or "", extra=[("--dsl10", "measure the DSL 1.0 twin of the document")])
    document = sequence_document_10 if options.dsl10 else sequence_document
    runs = options.runs or (10 if options.quick else 50)
    started = time.time()
    figures = []
    async with bench_environment() as bench:
        for k in KS:
            figure = await measure_k(bench, k, runs, document)
            figures.append(figure)
            print(
                f"K={k}: median {figure['ours']['median_ms']:.1f} ms vs {figure['hand']['median_ms']:.1f} ms"
                f" sandboxed, {figure['bare']['median_ms']:.1f} ms unsandboxed"
            )
    rows = [
        [
            f["k"],
            f["ours"]["median_ms"],
            f["hand"]["median_ms"],
            f["bare"]["median_ms"],
            f["median_ratio"],
            f["median_ratio_bare"],
            "{median:.3f} [{low:.3f}, {high:.3f}]".format(**f["paired_ratio_bare"]),
            f["ours"]["p95_ms"],
            f["bare"]["p95_ms"],
            f["p95_ratio_bare"],
            f["ours"]["worker_cpu_ms_per_run"],
            f["hand"]["worker_cpu_ms_per_run"],
            f["bare"]["worker_cpu_ms_per_run"],
            f["ours"]["server_cpu_ms_per_run"],
            f["bare"]["server_cpu_ms_per_run"],
            "met" if f["median_ratio_bare"] <= TARGET else "NOT met",
            f"{f['cpu']['other_share']:.0%}" + (" noisy" if f["noisy"] else ""),
        ]
        for f in figures
    ]
    headers = ["K", "ours med ms", "sbx med ms", "bare med ms", "/sbx", "/bare", "paired /bare [95%]", "ours p95", "bare p95",
               "p95 /bare", "ours wrk cpu", "sbx wrk cpu", "bare wrk cpu", "ours srv cpu", "bare srv cpu",
               f"/bare <= {TARGET}", "other cpu"]  # fmt: skip
    print(f"\noverhead: {runs} runs per side and K, sequential, start to result")
    print(table(headers, rows))
    results = {
        "runs_per_side": runs,
        "warmup_per_side": WARMUP,
        "target_median_ratio": TARGET,
        "figures": figures,
    }
    path = write_results(
        "overhead-dsl10" if options.dsl10 else "overhead", results, started=started, options=vars(options)
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    asyncio.run(main())
