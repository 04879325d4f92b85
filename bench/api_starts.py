"""Instance starts through the REST API of ``swengine serve`` on its embedded Temporal.

``python bench/api_starts.py [--count 500] [--concurrency 1,32]``: starts a fresh ``swengine serve`` (temporary
data directory, free ports), deploys specs/hello.sw.yaml, then for each concurrency POSTs ``count`` starts with
that many requests in flight. Reports starts per second and the start latency (request sent to 201
received), then waits for every instance to complete and reports completions per second (from the first
start to the last completion). Concurrency 1 shows the latency of one start on an idle server; 32 shows
throughput. Writes bench/api_starts.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).with_name("api_starts.json")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def launch(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    specs = workdir / "specs"
    specs.mkdir()
    shutil.copy(REPO / "specs" / "hello.sw.yaml", specs)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEMPORAL_", "SWENGINE_"))}
    env["PYTHONPATH"] = str(REPO)
    command = [sys.executable, "-m", "swengine.cli", "serve", "--specs", str(specs), "--data-dir",
               str(workdir / "data"), "--port", str(port), "--temporal-port", str(free_port())]  # fmt: skip
    log = (workdir / "serve.log").open("wb")
    process = subprocess.Popen(command, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(400):
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.25)
    process.kill()
    raise SystemExit(f"swengine serve did not become ready:\n{(workdir / 'serve.log').read_text()}")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def start_all(url: str, count: int, concurrency: int) -> tuple[list[str], list[float], float]:
    """(instance ids, latency of each start in seconds, wall seconds for all starts)."""
    gate = asyncio.Semaphore(concurrency)
    latencies: list[float] = []
    ids: list[str] = []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as http:

        async def one(index: int) -> None:
            async with gate:
                began = time.perf_counter()
                response = await http.post("/instances", json={"definition": "hello", "input": {"n": index}})
                latencies.append(time.perf_counter() - began)
                response.raise_for_status()
                ids.append(response.json()["instance_id"])

        began = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(count)))
        return ids, latencies, time.perf_counter() - began


async def wait_all(url: str, ids: list[str], concurrency: int) -> None:
    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=120) as http:

        async def one(instance_id: str) -> None:
            async with gate:
                response = await http.get(
                    f"/instances/{instance_id}/result", params={"wait": "true", "timeout": 100}
                )
                assert response.json()["status"] == "completed", response.text

        await asyncio.gather(*(one(i) for i in ids))


async def measure(url: str, count: int, concurrency: int) -> dict[str, Any]:
    await start_all(url, 20, concurrency)  # warm up: connections, caches, sticky workflow queues
    began = time.perf_counter()
    ids, latencies, wall = await start_all(url, count, concurrency)
    await wait_all(url, ids, concurrency)
    completed = time.perf_counter() - began
    return {
        "count": count,
        "concurrency": concurrency,
        "starts_per_second": round(count / wall, 1),
        "start_latency_ms": {
            "median": round(statistics.median(latencies) * 1000, 1),
            "p95": round(percentile(latencies, 0.95) * 1000, 1),
            "max": round(max(latencies) * 1000, 1),
        },
        "completed_per_second": round(count / completed, 1),
        "wall_seconds": {"starts": round(wall, 2), "until_all_completed": round(completed, 2)},
    }


def table(runs: list[dict[str, Any]]) -> str:
    rows = [
        ("requests in flight", [str(r["concurrency"]) for r in runs]),
        ("instances started", [str(r["count"]) for r in runs]),
        ("starts per second", [f"{r['starts_per_second']:.1f}" for r in runs]),
        ("start latency median", [f"{r['start_latency_ms']['median']:.1f} ms" for r in runs]),
        ("start latency p95", [f"{r['start_latency_ms']['p95']:.1f} ms" for r in runs]),
        ("start latency max", [f"{r['start_latency_ms']['max']:.1f} ms" for r in runs]),
        ("completed per second", [f"{r['completed_per_second']:.1f}" for r in runs]),
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}" + "".join(f"  {v:>10}" for v in values) for name, values in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument(
        "--concurrency", default="1,32", help="comma-separated requests in flight, one run each"
    )
    args = parser.parse_args()
    levels = [int(level) for level in args.concurrency.split(",")]
    with tempfile.TemporaryDirectory(prefix="swengine-bench-") as workdir:
        process, url = launch(Path(workdir))
        try:
            runs = [asyncio.run(measure(url, args.count, level)) for level in levels]
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)
    result = {
        "workflow": "specs/hello.sw.yaml (one inject state)",
        "server": "swengine serve: embedded Temporal dev server, worker and API in one process",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "system": platform.system()},
        "runs": runs,
    }
    print(table(runs), flush=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {RESULTS.relative_to(REPO)}", file=sys.stderr)


if __name__ == "__main__":
    main()
