"""Transforms: a 20-state chain of inject, switch and expression-function states against the bare floor.

Run: ``.venv/bin/python bench/transforms.py [--quick]``. No activity is involved: the whole chain runs in
the instance's first workflow task. Four variants run in rotation, N each (50, or 10 with --quick), start
to result: our 20-state document, our 1-state document (one inject: the interpreter's fixed cost), the
hand-written floor (a workflow that returns its input) and the hand-written twin of the chain in plain
Python. Target: our 20-state median within 1.5 times the floor's. Writes ``bench/transforms.json``
(``--dsl10``: the DSL 1.0 twin of the chain, from ``twins.py``, into ``bench/transforms-dsl10.json``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from common import (
    TRANSFORMS_INPUT,
    Side,
    arguments,
    bench_environment,
    compile_document,
    measured,
    ratio,
    table,
    transforms_document,
    write_results,
)
from twins import transforms_document_10

TARGET = 1.5
WARMUP = 3
ONE_STATE = """\
id: bench-one-state
version: '1.0'
specVersion: '0.8'
name: One inject state
start: only
states:
  - name: only
    type: inject
    data:
      stage: 0
    end: true
"""


async def main() -> None:
    options = arguments(__doc__ or "", extra=[("--dsl10", "measure the DSL 1.0 twin of the chain")])
    runs = 10 if options.quick else 50
    started = time.time()
    chain = compile_document(transforms_document_10() if options.dsl10 else transforms_document())
    single = compile_document(ONE_STATE)
    async with bench_environment() as bench:
        variants: dict[str, Callable[[], Awaitable[float]]] = {
            "ours_20_states": lambda: bench.run_ours(chain, TRANSFORMS_INPUT),
            "ours_1_state": lambda: bench.run_ours(single, TRANSFORMS_INPUT),
            "hand_floor": lambda: bench.run_hand("bench.HandFloor", [TRANSFORMS_INPUT]),
            "hand_transforms": lambda: bench.run_hand("bench.HandTransforms", [TRANSFORMS_INPUT]),
        }
        names = list(variants)
        for _ in range(WARMUP):
            for name in names:
                await variants[name]()

        async def rounds() -> dict[str, Any]:
            sides = {name: Side() for name in names}
            for index in range(runs):
                shift = index % len(names)  # rotate who goes first
                for name in names[shift:] + names[:shift]:
                    await sides[name].sample(bench, variants[name])
            summaries = {name: side.summary() for name, side in sides.items()}
            floor = summaries["hand_floor"]["median_ms"]
            return {
                "variants": summaries,
                "ratio_to_floor": ratio(summaries["ours_20_states"]["median_ms"], floor),
                "ratio_to_hand_transforms": ratio(
                    summaries["ours_20_states"]["median_ms"], summaries["hand_transforms"]["median_ms"]
                ),
                "ours_1_state_ratio_to_floor": ratio(summaries["ours_1_state"]["median_ms"], floor),
            }

        figure = await measured("transforms", rounds, bench.meter(), rerun_when_noisy=not options.no_rerun)
    rows = [
        [name, s["median_ms"], s["p95_ms"], ratio(s["median_ms"], figure["variants"]["hand_floor"]["median_ms"]),
         s["worker_cpu_ms_per_run"], s["server_cpu_ms_per_run"]]
        for name, s in figure["variants"].items()
    ]  # fmt: skip
    print(f"\ntransforms: {runs} runs per variant, rotated, start to result")
    print(table(["variant", "median ms", "p95 ms", "/ floor", "worker cpu ms", "server cpu ms"], rows))
    verdict = "met" if figure["ratio_to_floor"] <= TARGET else "NOT met"
    noise = f"{figure['cpu']['other_share']:.0%} of the CPU used by others" + (
        " (noisy)" if figure["noisy"] else ""
    )
    print(f"20 states / floor: {figure['ratio_to_floor']:.2f} (target <= {TARGET}: {verdict}); {noise}")
    results = {"runs_per_variant": runs, "target_ratio_to_floor": TARGET, **figure}
    path = write_results(
        "transforms-dsl10" if options.dsl10 else "transforms", results, started=started, options=vars(options)
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    asyncio.run(main())
