"""Micro benchmark of jq evaluation: in-process cached evaluation against the guarded evaluator pool.

Run: ``.venv/bin/python bench/expressions.py``. Prints tables and writes ``bench/expressions.json``:

- per expression, the microseconds of one ``expressions.evaluate`` on the fast path (in-process, cached
  program), through the pool (forced), and of compiling the program;
- the latency of a time-limit breach (how long past the limit the caller waits) and of the respawn after it;
- calibration of the static cost bound: measured nanoseconds per bound unit must stay below 1, so that an
  in-process evaluation allowed by the budget holds the GIL for at most about ``IN_PROCESS_BUDGET`` ns.
"""

from __future__ import annotations

import json
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import jq  # noqa: E402

from swengine import expressions  # noqa: E402
from swengine.core.errors import ExpressionLimitExceeded  # noqa: E402

ORDER = {
    "customer": {"name": "Ada", "email": "ada@example.com", "tier": "gold"},
    "items": [{"sku": f"SKU-{i}", "price": 3 + i % 17, "qty": 1 + i % 3} for i in range(8)],
    "shipping": {"country": "FR", "express": True},
}
CASES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("field", ".customer.name", None),
    ("condition", '.shipping.country == "FR" and .shipping.express', None),
    ("arguments", '{name: .customer.name, email: .customer.email, n: (.items | length), tag: "vip"}', None),
    ("variable", '$CONST.greeting + ", " + .customer.name', {"CONST": {"greeting": "Hello"}}),
    ("filter", "[.items[] | select(.price > 10) | .sku]", None),
    ("interpolation", '"\\(.customer.name) <\\(.customer.email)>"', None),
]


def per_call(function: Any, *, seconds: float = 0.3, at_least: int = 50) -> float:
    """Median seconds per call over a few rounds."""
    rounds = []
    for _ in range(5):
        count, start = 0, time.perf_counter()
        while count < at_least or time.perf_counter() - start < seconds / 5:
            function()
            count += 1
        rounds.append((time.perf_counter() - start) / count)
    return statistics.median(rounds)


def bench_cases() -> list[dict[str, Any]]:
    rows = []
    for name, expr, variables in CASES:
        analysis = expressions._analyse(expr)
        names = tuple(n for n in analysis.variables if variables and n in variables)
        payload = {"d": ORDER, "v": {n: variables[n] for n in names}} if names and variables else ORDER
        text = json.dumps(payload, separators=(",", ":"))
        expected = expressions.evaluate(expr, ORDER, variables)
        assert expressions._run_pooled(analysis.text, names, text, "first", expr) == expected
        fast = analysis.bound is not None and expressions._within_budget(analysis.bound, len(text))
        rows.append(
            {
                "case": name,
                "expression": expr,
                "fast_path": fast,
                "evaluate_us": per_call(lambda e=expr, v=variables: expressions.evaluate(e, ORDER, v)) * 1e6,
                "pooled_us": per_call(
                    lambda a=analysis, n=names, t=text, e=expr: expressions._run_pooled(
                        a.text, n, t, "first", e
                    )
                )
                * 1e6,
                "compile_ms": per_call(
                    lambda a=analysis, n=names: jq.compile(
                        expressions._program_text(a.text, n, "local", "first")
                    ),
                    at_least=20,
                )
                * 1e3,
            }
        )
    return rows


def bench_breach(timeout: float = 0.25) -> dict[str, float]:
    expressions.configure(timeout_seconds=timeout)
    expressions.evaluate("env", {})  # start the evaluator
    overruns, respawns = [], []
    for _ in range(3):
        start = time.perf_counter()
        try:
            expressions.evaluate("until(false; .)", {})
        except ExpressionLimitExceeded:
            pass
        overruns.append(time.perf_counter() - start - timeout)
        start = time.perf_counter()
        expressions.evaluate("[range(3)] | add", {})  # goes to the pool: pays the respawn
        respawns.append(time.perf_counter() - start)
    expressions.configure()
    return {
        "time_limit_s": timeout,
        "detection_overrun_ms": statistics.median(overruns) * 1e3,
        "respawn_ms": statistics.median(respawns) * 1e3,
    }


CALIBRATION: list[tuple[str, str, Any]] = [
    ("fields", "{name: .person.name, n: 5}", lambda n: {"person": {"name": "x" * n}}),
    ("select", "[.items[] | select(.price > 10) | .name]", lambda n: {"items": _items(n)}),
    ("map", 'map({a: .price, b: .name, c: "constant"})', lambda n: _items(n)),
    ("join", '.s | split(",") | join(";")', lambda n: {"s": ",".join(["ab"] * n)}),
    ("sort_by", "sort_by(.price) | .[0]", lambda n: _items(n)),
    ("to_entries", "to_entries | map(.key) | length", lambda n: {f"k{i}": i for i in range(n)}),
    ("tojson", "tojson | tojson | tojson | length", lambda n: ['"\\'] * n),
    ("minus", ".x - .y", lambda n: {"x": list(range(n)), "y": list(range(0, n, 2))}),
    ("cartesian", "[{a: .[], b: .[]}] | length", lambda n: list(range(n))),
    ("any", "any(.[]; . == -1)", lambda n: list(range(n))),
]


def _items(n: int) -> list[dict[str, Any]]:
    return [{"price": i % 20, "name": f"item{i}"} for i in range(n)]


def calibrate() -> list[dict[str, Any]]:
    rows = []
    for name, expr, make in CALIBRATION:
        analysis = expressions._analyse(expr)
        assert analysis.bound is not None, expr
        program = expressions._local_program(analysis.text, (), "first")
        for n in (10, 100, 1000):
            text = json.dumps(make(n), separators=(",", ":"))
            bound = sum(c * len(text) ** i for i, c in enumerate(analysis.bound))
            if bound > 20 * expressions.IN_PROCESS_BUDGET:
                continue  # far outside the fast path: do not spend seconds measuring it
            seconds = per_call(
                lambda p=program, t=text: next(iter(p.input_text(t)), None), seconds=0.2, at_least=3
            )
            rows.append(
                {
                    "case": name,
                    "elements": n,
                    "input_bytes": len(text),
                    "bound": bound,
                    "measured_us": seconds * 1e6,
                    "ns_per_unit": seconds * 1e9 / bound,
                    "in_process": bound <= expressions.IN_PROCESS_BUDGET,
                }
            )
    return rows


def main() -> None:
    cases = bench_cases()
    breach = bench_breach()
    calibration = calibrate()
    expressions.shutdown()
    print(f"{'case':14} {'fast':>5} {'evaluate µs':>12} {'pooled µs':>10} {'compile ms':>11}")
    for row in cases:
        print(
            f"{row['case']:14} {'yes' if row['fast_path'] else 'no':>5} {row['evaluate_us']:12.1f} "
            f"{row['pooled_us']:10.1f} {row['compile_ms']:11.2f}"
        )
    print(
        f"\ntime limit {breach['time_limit_s']} s: breach detected {breach['detection_overrun_ms']:.1f} ms "
        f"after the limit; next evaluation (respawn) {breach['respawn_ms']:.1f} ms"
    )
    print(
        f"\n{'calibration':12} {'n':>6} {'bytes':>8} {'bound':>12} {'measured µs':>12} {'ns/unit':>8} {'in-proc':>8}"
    )
    for row in calibration:
        print(
            f"{row['case']:12} {row['elements']:6} {row['input_bytes']:8} {row['bound']:12.0f} "
            f"{row['measured_us']:12.1f} {row['ns_per_unit']:8.3f} {'yes' if row['in_process'] else 'no':>8}"
        )
    worst = max(row["ns_per_unit"] for row in calibration)
    print(f"\nworst measured ns per bound unit: {worst:.3f} (must stay below 1)")
    result = {
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "in_process_budget": expressions.IN_PROCESS_BUDGET,
        "cases": cases,
        "breach": breach,
        "calibration": calibration,
        "worst_ns_per_unit": worst,
    }
    Path(__file__).with_name("expressions.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
