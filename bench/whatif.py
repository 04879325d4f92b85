"""What-if: configurations of our worker priced against each other on the same server in the same run.

Run: ``.venv/bin/python bench/whatif.py [--quick] [--server-only]``. Starts one worker process per
configuration (``CONFIGURATIONS``: the worker as shipped, and with the experiments of
``common.EXPERIMENTS``, which a worker process applies to itself; nothing in swengine/ changes). Rounds rotate
through the configurations; in each, ours and the hand-written twin run for the 20-state transforms chain
(against the floor), K = 5 and K = 20. Prints median latency, worker CPU per run and the ratios.
First, what our instances cost the dev server beyond hand-written ones (``server_costs``).
Writes ``bench/whatif.json`` (``bench/whatif-server.json`` with --server-only).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

from common import (
    SEQUENCE_INPUT,
    TRANSFORMS_INPUT,
    arguments,
    bench_environment,
    compile_document,
    cpu_seconds,
    measured,
    ratio,
    sequence_document,
    start_argument,
    table,
    transforms_document,
    write_results,
)

CONFIGURATIONS = {
    "as shipped": [],
    "sandboxed": ["sandbox"],
}
PAIRS = [("ours_transforms", "hand_floor"), ("ours_k5", "hand_k5"), ("ours_k20", "hand_k20")]


async def server_costs(bench: Any, runs: int) -> dict[str, Any]:
    """What our instances cost the dev server beyond the hand-written ones: the hand-written K = 5 with each
    extra thing ours carries added alone (search attributes at start, an activity summary, an input as large as
    the ``RunRequest`` with its IR), against ours. Server CPU per run (mean) and latency (median)."""
    import json

    from swengine.core.ir import RunRequest
    from swengine.interpreter.events import search_index  # what Service.start indexes an instance by

    ir = compile_document(sequence_document(5))
    request_bytes = len(json.dumps(start_argument(RunRequest(ir=ir, input={}))))
    padded = {**SEQUENCE_INPUT, "padding": "x" * max(request_bytes - len(json.dumps(SEQUENCE_INPUT)), 0)}
    hand = "bench.HandSequence"
    variants: dict[str, Callable[[], Awaitable[float]]] = {
        "hand_k5": lambda: bench.run_hand(hand, [5, SEQUENCE_INPUT]),
        "hand_k5+search_attributes": lambda: bench.run_hand(
            hand, [5, SEQUENCE_INPUT], search_attributes=search_index(ir)
        ),
        "hand_k5+summary": lambda: bench.run_hand(hand, [5, SEQUENCE_INPUT, "work"]),
        "hand_k5+input_as_large_as_ours": lambda: bench.run_hand(hand, [5, padded]),
        "ours_k5": lambda: bench.run_ours(ir, SEQUENCE_INPUT),
    }
    for run in variants.values():
        await run()
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in variants}
    names = list(variants)
    for index in range(runs):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            _, server = bench.cpu_now()
            took = await variants[name]()
            samples[name].append((took, bench.cpu_now()[1] - server))
    return {
        "request_bytes": request_bytes,
        "variants": {
            name: {
                "median_ms": statistics.median(t for t, _ in rows) * 1000,
                "server_cpu_ms": statistics.fmean(c for _, c in rows) * 1000,
            }
            for name, rows in samples.items()
        },
    }


async def main() -> None:
    from swengine.runtime.service import Service

    options = arguments(__doc__ or "", extra=[("--server-only", "only the server-cost attribution")])
    rounds_count = 8 if options.quick else 30
    started = time.time()
    chain = compile_document(transforms_document())
    k5, k20 = compile_document(sequence_document(5)), compile_document(sequence_document(20))
    async with bench_environment() as bench:
        servers = await measured(
            "server", lambda: server_costs(bench, 10 if options.quick else 40), bench.meter(),
            rerun_when_noisy=not options.no_rerun,
        )  # fmt: skip
        print(table(["variant", "median ms", "server cpu ms/run"],
                    [[n, v["median_ms"], v["server_cpu_ms"]] for n, v in servers["variants"].items()]))  # fmt: skip
        if options.server_only:
            path = write_results("whatif-server", servers, started=started, options=vars(options))
            print(f"wrote {path}")
            return
        workers = {
            name: await bench.spawn_worker(experiments=names) for name, names in CONFIGURATIONS.items()
        }
        try:
            plans: dict[str, dict[str, Callable[[], Awaitable[float]]]] = {}
            for name, worker in workers.items():
                service = Service(bench.client, task_queue=f"{worker.prefix}-ours")
                hand = f"{worker.prefix}-hand"
                plans[name] = {
                    "ours_transforms": lambda s=service: bench.run_ours(chain, TRANSFORMS_INPUT, service=s),
                    "hand_floor": lambda q=hand: bench.run_hand(
                        "bench.HandFloor", [TRANSFORMS_INPUT], queue=q
                    ),
                    "ours_k5": lambda s=service: bench.run_ours(k5, SEQUENCE_INPUT, service=s),
                    "hand_k5": lambda q=hand: bench.run_hand(
                        "bench.HandSequence", [5, SEQUENCE_INPUT], queue=q
                    ),
                    "ours_k20": lambda s=service: bench.run_ours(k20, SEQUENCE_INPUT, service=s),
                    "hand_k20": lambda q=hand: bench.run_hand(
                        "bench.HandSequence", [20, SEQUENCE_INPUT], queue=q
                    ),
                }
            for plan in plans.values():  # warm every worker
                for run in plan.values():
                    await run()

            async def rounds() -> dict[str, Any]:
                latency: dict[str, dict[str, list[float]]] = {n: {v: [] for v in plans[n]} for n in plans}
                cpu: dict[str, dict[str, list[float]]] = {n: {v: [] for v in plans[n]} for n in plans}
                names = list(plans)
                for index in range(rounds_count):
                    shift = index % len(names)
                    for name in names[shift:] + names[:shift]:
                        pid = workers[name].pid or 0
                        variants = list(plans[name])
                        if index % 2:
                            variants.reverse()
                        for variant in variants:
                            before = cpu_seconds(pid)
                            latency[name][variant].append(await plans[name][variant]())
                            cpu[name][variant].append(cpu_seconds(pid) - before)
                figures = {}
                for name in names:
                    medians = {v: statistics.median(s) * 1000 for v, s in latency[name].items()}
                    figures[name] = {
                        "median_ms": medians,
                        "worker_cpu_ms": {v: statistics.fmean(s) * 1000 for v, s in cpu[name].items()},
                        "ratios": {
                            f"{ours}/{hand}": ratio(medians[ours], medians[hand]) for ours, hand in PAIRS
                        },
                    }
                return {"configurations": figures}

            figure = await measured("whatif", rounds, bench.meter(), rerun_when_noisy=not options.no_rerun)
        finally:
            for worker in workers.values():
                await worker.stop()
    rows = []
    for name, f in figure["configurations"].items():
        for ours, hand in PAIRS:
            rows.append([name, f"{ours} vs {hand}", f["median_ms"][ours], f["median_ms"][hand],
                         f["ratios"][f"{ours}/{hand}"], f["worker_cpu_ms"][ours], f["worker_cpu_ms"][hand]])  # fmt: skip
    print(f"\nwhat-if: {rounds_count} rounds, configurations rotated; medians")
    print(
        table(
            ["configuration", "pair", "ours ms", "hand ms", "ratio", "ours wrk cpu ms", "hand wrk cpu ms"],
            rows,
        )
    )
    print(f"other processes used {figure['cpu']['other_share']:.0%} of the CPU")
    results = {"rounds": rounds_count, "experiments": dict(CONFIGURATIONS), "server_costs": servers, **figure}
    path = write_results("whatif", results, started=started, options=vars(options))
    print(f"wrote {path}")


if __name__ == "__main__":
    asyncio.run(main())
