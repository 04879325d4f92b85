"""Loops: time per state against the size of the state data, and a pure loop's states per second.

Run: ``.venv/bin/python bench/loops.py [--quick]``. One document bumps ``.count`` (an expression function)
and checks it against ``.target`` (a switch) until they meet: two states a turn, no activity. The state data
also carries a ``blob`` of 1 KB, 100 KB or 1 MB (records of about 100 bytes). For each size, instances of a
short and a long loop alternate; the time per state is the difference of their medians over the difference
of their state counts, so what Temporal itself serialises at start and result (the same for both) drops out.
Target: the 1 MB time per state within 1.5 times the 1 KB one. The pure loop (1,000 states, tiny data)
reports states per second, start to result (target: at least 5,000), beside the unsandboxed hand-written
twin doing the same turns in plain Python. Writes ``bench/loops.json`` (``--few``: loops of 5 and 25 turns, for
an engine whose states cost so much at 1 MB that 500 of them overrun the SDK's 2 s deadlock detector);
``--dsl10`` runs the DSL 1.0 twin of the document (two tasks a turn) into ``bench/loops-dsl10.json``.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from common import Side, arguments, bench_environment, compile_document, measured, ratio, table, write_results
from twins import LOOP_10

SIZES = {"1 KB": 1_000, "100 KB": 100_000, "1 MB": 1_000_000}
TURNS = (25, 250)
FEW_TURNS = (5, 25)
PURE_STATES = 1000
LONG_STATES = 10_000
"""A pure loop over several runs (the interpreter continues as new every 1,000 states)."""
SIZE_TARGET = 1.5
RATE_TARGET = 5000.0
WARMUP = 2

LOOP = """\
id: bench-loop
version: '1.0'
specVersion: '0.8'
name: Count to the target
start: Bump
functions:
  - name: bump
    type: expression
    operation: '.count + 1'
states:
  - {name: Bump, type: operation, transition: Check,
     actions: [{functionRef: bump, actionDataFilter: {toStateData: "${ .count }"}}]}
  - {name: Check, type: switch, defaultCondition: {transition: Bump},
     dataConditions: [{condition: "${ .count >= .target }", end: true}]}
"""


def blob(size: int) -> list[dict[str, Any]]:
    """Records of about 100 bytes of JSON each, ``size`` bytes in all."""
    return [
        {"id": index, "name": f"item-{index:08d}", "tags": ["alpha", "beta"], "text": "x" * 40}
        for index in range(max(1, size // 100))
    ]


async def main() -> None:
    options = arguments(
        __doc__ or "",
        extra=[("--few", "loops of 5 and 25 turns instead of 25 and 250"), ("--dsl10", "the DSL 1.0 twin")],
    )
    short_turns, long_turns = FEW_TURNS if options.few else TURNS
    runs = 3 if options.quick else 9
    started = time.time()
    loop = compile_document(LOOP_10 if options.dsl10 else LOOP)
    figures: dict[str, Any] = {}
    async with bench_environment() as bench:

        def ours(turns: int, payload: Any) -> Any:
            return bench.run_ours(loop, {"count": 0, "target": turns, "blob": payload})

        for label, size in SIZES.items():
            payload = blob(size)
            for _ in range(WARMUP):
                await ours(short_turns, payload)
                await ours(long_turns, payload)

            async def rounds(payload: Any = payload) -> dict[str, Any]:
                short, long = Side(), Side()
                for index in range(runs):
                    pair = [(short, short_turns), (long, long_turns)]
                    for side, turns in pair if index % 2 == 0 else pair[::-1]:
                        await side.sample(bench, lambda turns=turns: ours(turns, payload))
                a, b = short.summary(), long.summary()
                states = 2 * (long_turns - short_turns)
                return {
                    "short": a,
                    "long": b,
                    "ms_per_state": (b["median_ms"] - a["median_ms"]) / states,
                    "worker_cpu_ms_per_state": (b["worker_cpu_ms_per_run"] - a["worker_cpu_ms_per_run"])
                    / states,
                }

            figures[label] = await measured(
                label, rounds, bench.meter(), rerun_when_noisy=not options.no_rerun
            )
            print(f"{label}: {figures[label]['ms_per_state'] * 1000:.0f} µs per state")

        tiny = {"count": 0, "target": PURE_STATES // 2}

        async def pure() -> dict[str, Any]:
            sides = {"ours": Side(), "bare": Side()}
            for index in range(runs):
                order = ["ours", "bare"] if index % 2 == 0 else ["bare", "ours"]
                for name in order:
                    if name == "ours":
                        await sides[name].sample(bench, lambda: bench.run_ours(loop, tiny))
                    else:
                        await sides[name].sample(
                            bench, lambda: bench.run_hand("bench.HandLoop", [tiny], queue=bench.bare_queue)
                        )
            summary = {name: side.summary() for name, side in sides.items()}
            return {
                **summary,
                "ours_states_per_s": PURE_STATES / summary["ours"]["median_ms"] * 1000,
                "bare_states_per_s": PURE_STATES / summary["bare"]["median_ms"] * 1000,
            }

        await bench.run_ours(loop, tiny)
        figures["pure"] = await measured("pure", pure, bench.meter(), rerun_when_noisy=not options.no_rerun)

        async def long_pure() -> dict[str, Any]:
            side = Side()
            for _ in range(3):
                await side.sample(
                    bench, lambda: bench.run_ours(loop, {"count": 0, "target": LONG_STATES // 2})
                )
            summary = side.summary()
            return {"ours": summary, "ours_states_per_s": LONG_STATES / summary["median_ms"] * 1000}

        figures["long_pure"] = await measured("long pure", long_pure, bench.meter(), rerun_when_noisy=False)
    rows = [
        [label, f["ms_per_state"] * 1000, f["worker_cpu_ms_per_state"] * 1000, f["short"]["median_ms"],
         f["long"]["median_ms"], f"{f['cpu']['other_share']:.0%}" + (" noisy" if f["noisy"] else "")]
        for label, f in figures.items() if label in SIZES
    ]  # fmt: skip
    print(f"\nloops: {runs} runs of {short_turns} and {long_turns} turns per size, alternating")
    print(
        table(
            ["state data", "µs/state", "worker cpu µs/state", "short med ms", "long med ms", "other cpu"],
            rows,
        )
    )
    growth = ratio(figures["1 MB"]["ms_per_state"], figures["1 KB"]["ms_per_state"])
    print(
        f"1 MB / 1 KB: {growth:.2f} (target <= {SIZE_TARGET}: {'met' if growth <= SIZE_TARGET else 'NOT met'})"
    )
    pure_figure = figures["pure"]
    rate = pure_figure["ours_states_per_s"]
    print(
        f"pure loop of {PURE_STATES} states: {rate:.0f} states/s (median {pure_figure['ours']['median_ms']:.1f} ms;"
        f" target >= {RATE_TARGET:.0f}: {'met' if rate >= RATE_TARGET else 'NOT met'}); unsandboxed hand twin"
        f" {pure_figure['bare']['median_ms']:.1f} ms; {pure_figure['cpu']['other_share']:.0%} other CPU"
    )
    long_figure = figures["long_pure"]
    print(f"pure loop of {LONG_STATES} states (continuing as new every 1,000): {long_figure['ours_states_per_s']:.0f}"
          f" states/s (median {long_figure['ours']['median_ms']:.0f} ms)")  # fmt: skip
    results = {"runs": runs, "turns": [short_turns, long_turns], "size_growth": growth, "figures": figures}
    name = "loops-dsl10" if options.dsl10 else "loops"
    print(f"wrote {write_results(name, results, started=started, options=vars(options))}")


if __name__ == "__main__":
    asyncio.run(main())
