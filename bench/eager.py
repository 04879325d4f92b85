"""Eager start: K = 1 latency when the starter and the worker share a process (as ``run`` and ``serve`` do).

Run: ``.venv/bin/python bench/eager.py [--quick]``. One dev server (fast flags), our worker in this process
on the starter's client, the K = 1 sequence document started through ``Service`` with and without
``eager_start``, alternating (N = 50, or 10 with --quick), start request to result. Eager activity execution
is on in both (a server flag). Writes ``bench/eager.json``.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from common import (
    SEQUENCE_INPUT,
    Side,
    alternating,
    arguments,
    compile_document,
    measured,
    ratio,
    sequence_document,
    table,
    write_results,
)
from handwritten import ACTIVITIES

from swengine.runtime.devserver import start_dev_server
from swengine.runtime.service import Service
from swengine.runtime.worker import build_worker


async def main() -> None:
    options = arguments(__doc__ or "")
    runs = 10 if options.quick else 50
    started = time.time()
    ir = compile_document(sequence_document(1))
    env = await start_dev_server()
    try:
        queue = f"bench-eager-{uuid.uuid4().hex[:8]}"
        services = {
            name: Service(env.client, task_queue=queue, eager_start=name == "eager")
            for name in ("eager", "plain")
        }
        async with build_worker(env.client, task_queue=queue, extra_activities=ACTIVITIES):

            async def once(service: Service) -> float:
                began = time.perf_counter()
                instance = await service.start(ir, SEQUENCE_INPUT)
                await service.result(instance.instance_id)
                return time.perf_counter() - began

            for service in services.values():
                for _ in range(3):
                    await once(service)

            async def rounds() -> dict[str, Any]:
                samples: dict[str, list[float]] = {name: [] for name in services}
                for order in alternating(runs, tuple(services)):
                    for name in order:
                        samples[name].append(await once(services[name]))
                side = {name: Side(latency=values).summary() for name, values in samples.items()}
                return {**side, "median_ratio": ratio(side["eager"]["median_ms"], side["plain"]["median_ms"])}

            figure = await measured("eager", rounds, _meter(), rerun_when_noisy=not options.no_rerun)
    finally:
        await env.shutdown()
    rows = [[name, figure[name]["median_ms"], figure[name]["p95_ms"]] for name in ("eager", "plain")]
    print(f"\nK = 1 in one process: {runs} runs each, alternating")
    print(table(["start", "median ms", "p95 ms"], rows))
    print(
        f"eager / plain: {figure['median_ratio']:.2f}; other processes used {figure['cpu']['other_share']:.0%}"
    )
    print(f"wrote {write_results('eager', {'runs': runs, **figure}, started=started, options=vars(options))}")


def _meter() -> Any:
    from common import CpuMeter, dev_server_pid

    return CpuMeter(server_pid=dev_server_pid())


if __name__ == "__main__":
    asyncio.run(main())
