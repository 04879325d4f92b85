"""Cold start: ``swengine run`` of a one-state workflow in a fresh process, embedded Temporal included.

Run: ``.venv/bin/python bench/coldstart.py [--quick]``. Each run is a new ``python -m swengine.cli run
specs/hello.sw.yaml`` (no ``TEMPORAL_ADDRESS``: it starts and stops its own dev server), timed from spawn to
exit; N runs (15, or 5 with --quick) with the engine's byte code cached (as a pip install leaves it; kept
under a temporary prefix, so the tree stays clean) and N without (``PYTHONDONTWRITEBYTECODE``, as in this
repository's development environment), alternating. Target: median under 1.0 s with byte code cached.
With ``COLDSTART_AGAINST=<another checkout>``, that checkout's engine runs too (byte code cached), alternating
with this one: before and after under the same load. Writes ``bench/coldstart.json``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

from common import ROOT, CpuMeter, arguments, summarize, table, write_results

TARGET_S = 1.0
DOCUMENT = "specs/hello.sw.yaml"


CPU_USED: dict[str, list[float]] = {}
"""CPU seconds (user + system, the run and its Temporal) of each run: what other processes' load cannot
inflate the way it inflates the wall clock."""


def one_run(environment: dict[str, str], name: str = "", root: str | os.PathLike[str] = ROOT) -> float:
    before = os.times()
    began = time.perf_counter()
    subprocess.run([sys.executable, "-m", "swengine.cli", "run", DOCUMENT], cwd=root, env=environment,
                   check=True, capture_output=True)  # fmt: skip
    wall = time.perf_counter() - began
    after = os.times()
    used = after.children_user + after.children_system - before.children_user - before.children_system
    CPU_USED.setdefault(name, []).append(used)
    return wall


def main() -> None:
    options = arguments(__doc__ or "")
    runs = 5 if options.quick else 15
    started = time.time()
    base = {key: value for key, value in os.environ.items() if key != "TEMPORAL_ADDRESS"}
    with tempfile.TemporaryDirectory(prefix="swengine-pycache-") as prefix:
        cached = {
            **{k: v for k, v in base.items() if k != "PYTHONDONTWRITEBYTECODE"},
            "PYTHONPYCACHEPREFIX": prefix,
        }
        uncached = {**base, "PYTHONDONTWRITEBYTECODE": "1"}
        modes = [("byte code cached", cached, ROOT), ("no byte code", uncached, ROOT)]
        if os.environ.get("COLDSTART_AGAINST"):
            modes.append(("other checkout, byte code cached", cached, os.environ["COLDSTART_AGAINST"]))
        for _, environment, root in modes:
            one_run(environment, "warm-up", root)  # writes the byte code
        samples: dict[str, list[float]] = {name: [] for name, _, _ in modes}
        meter = CpuMeter()
        children = os.times()
        meter.start()
        for index in range(runs):
            for name, environment, root in modes[index % len(modes) :] + modes[: index % len(modes)]:
                samples[name].append(one_run(environment, name, root))
        cpu = meter.stop()
        # the runs and their servers exit between the meter's samples: count them as ours, not as others'
        after = os.times()
        ours = after.children_user + after.children_system - children.children_user - children.children_system
        cpu["other_cpu_s"] = max(cpu["other_cpu_s"] - ours, 0.0)
        cpu["other_share"] = cpu["other_cpu_s"] / (cpu["wall_s"] * (os.cpu_count() or 1))
    figures: dict[str, Any] = {name: summarize(values) for name, values in samples.items()}
    for name, figure in figures.items():
        figure["cpu_s_median"] = statistics.median(CPU_USED[name])
    rows = [
        [name, f["median_ms"], f["p95_ms"], f["min_ms"], f["cpu_s_median"]] for name, f in figures.items()
    ]
    print(f"\ncold start of `swengine run {DOCUMENT}`: {runs} runs each, alternating")
    print(table(["mode", "median ms", "p95 ms", "min ms", "cpu s (run + server)"], rows))
    median = statistics.median(samples["byte code cached"])
    verdict = "met" if median < TARGET_S else "NOT met"
    print(f"byte code cached: median {median:.2f} s (target < {TARGET_S} s: {verdict});"
          f" other processes used {cpu['other_share']:.0%} of the CPU")  # fmt: skip
    results = {"runs": runs, "document": DOCUMENT, "figures": figures, "cpu": cpu, "samples_s": samples}
    print(f"wrote {write_results('coldstart', results, started=started, options=vars(options))}")


if __name__ == "__main__":
    main()
