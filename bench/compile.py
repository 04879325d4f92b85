"""Compile time: load, validate and compile generated documents of 10 to 10,000 states (no server needed).

Run: ``.venv/bin/python bench/compile.py [--quick]``. Documents come from ``bench/generate.py`` (a chain
cycling inject, operation, switch and sleep states, about two distinct jq expressions per state). Every
repeat starts cold for expressions (the per-process expression caches are cleared), as for a document never
seen before; the JSON Schema is compiled once per process, so it is warmed first. Prints each stage's time,
the time per state and the growth exponent between sizes (1.0 is linear; target: 1,000 states in under
0.5 s and near-linear growth). Also the size of the IR that travels in every instance's history and the
time to encode it and to decode it (the worker decodes a definition once, then hits its cache).
Writes ``bench/compile.json``.
"""

from __future__ import annotations

import json
import math
import statistics
import time
from collections.abc import Callable
from typing import Any

from common import arguments, table, write_results
from generate import generate_document

from swengine.compiler import compile_workflow
from swengine.dsl.loader import load_text
from swengine.dsl.validator import validate

SIZES = (10, 100, 1_000, 10_000)
TARGET_1000_S = 0.5
CACHED_MODULES = (
    "swengine.expressions",
    "swengine.dsl.expression_batch",
    "swengine.expressions.syntax",
    "swengine.expressions.cost",
)


def clear_expression_caches() -> int:
    """Clear the per-process caches of expression analysis and compiled programs; how many were cleared."""
    import importlib

    cleared = 0
    for name in CACHED_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        for value in vars(module).values():
            if callable(getattr(value, "cache_clear", None)):
                value.cache_clear()
                cleared += 1
    return cleared


def stages(text: str) -> tuple[dict[str, float], Any]:
    """Seconds of load, validate and compile for one document, and its IR."""
    began = time.perf_counter()
    document = load_text(text, source="generated.sw.yaml")
    loaded = time.perf_counter()
    problems = [p for p in validate(document) if p.severity == "error"]
    validated = time.perf_counter()
    if problems:
        raise RuntimeError(f"the generated document is refused: {problems[:3]}")
    ir = compile_workflow(document.data, content_hash=document.content_hash)
    compiled = time.perf_counter()
    times = {"load_s": loaded - began, "validate_s": validated - loaded, "compile_s": compiled - validated}
    times["total_s"] = compiled - began
    return times, ir


def converter_costs(ir: Any, repeats: int) -> dict[str, Any]:
    """Bytes a start sends for ``RunRequest(ir)`` and the time to encode it and to decode it the first time a
    worker sees the definition (median): the engine's ``ir_codec`` when it has one, else the SDK's converter."""
    from swengine.core.ir import RunRequest, WorkflowIR

    request = RunRequest(ir=ir, input={})

    def median_time(action: Callable[[], Any]) -> float:
        samples = []
        for _ in range(repeats):
            began = time.perf_counter()
            action()
            samples.append(time.perf_counter() - began)
        return statistics.median(samples)

    try:
        from swengine.core import ir_codec
    except ImportError:
        from temporalio.converter import DataConverter

        converter = DataConverter.default.payload_converter
        payloads = converter.to_payloads([request])
        return {
            "codec": "temporalio default converter",
            "ir_payload_bytes": len(payloads[0].data),
            "encode_ms": median_time(lambda: converter.to_payloads([request])) * 1000,
            "decode_ms": median_time(lambda: converter.from_payloads(payloads, [RunRequest])) * 1000,
        }
    sent = ir_codec.encode(request)
    text = json.dumps(sent, separators=(",", ":"))
    return {
        "codec": "swengine.core.ir_codec (decoded once per definition per worker)",
        "ir_payload_bytes": len(text.encode()),
        "encode_ms": median_time(lambda: json.dumps(ir_codec.encode(request), separators=(",", ":"))) * 1000,
        "decode_ms": median_time(lambda: ir_codec.decoder_for(WorkflowIR)(json.loads(text)["ir"])) * 1000,
        "decode_cached_ms": median_time(lambda: ir_codec.decode_run_request(json.loads(text))) * 1000,
    }


def measure(sizes: tuple[int, ...], repeats: dict[int, int]) -> list[dict[str, Any]]:
    stages(generate_document(10))  # imports, the JSON Schema, jq's builtins: once per process
    figures = []
    for size in sizes:
        text = generate_document(size)
        samples: dict[str, list[float]] = {}
        ir = None
        for _ in range(repeats[size]):
            clear_expression_caches()
            times, ir = stages(text)
            for key, value in times.items():
                samples.setdefault(key, []).append(value)
        warm, _ = stages(text)  # same document again: what the expression caches save
        figure: dict[str, Any] = {
            "states": size,
            "document_bytes": len(text.encode()),
            "repeats": repeats[size],
        }
        figure.update({key: statistics.median(values) for key, values in samples.items()})
        figure["total_min_s"] = min(samples["total_s"])
        figure["per_state_us"] = figure["total_s"] / size * 1e6
        figure["warm_total_s"] = warm["total_s"]
        figure.update(converter_costs(ir, 5 if size >= 10_000 else 20))
        figures.append(figure)
        print(f"{size} states: {figure['total_s'] * 1000:.1f} ms")
    for previous, current in zip(figures, figures[1:], strict=False):
        current["growth_exponent"] = math.log(current["total_s"] / previous["total_s"]) / math.log(
            current["states"] / previous["states"]
        )
    return figures


def verdict(figures: list[dict[str, Any]]) -> dict[str, Any]:
    at_1000 = next((f for f in figures if f["states"] == 1_000), None)
    exponents = [f["growth_exponent"] for f in figures if "growth_exponent" in f and f["states"] >= 1_000]
    return {
        "target_1000_states_s": TARGET_1000_S,
        "seconds_1000_states": at_1000["total_s"] if at_1000 else None,
        "met_1000": bool(at_1000 and at_1000["total_s"] < TARGET_1000_S),
        "growth_exponents_from_1000": exponents,
        "near_linear": bool(exponents) and max(exponents) <= 1.2,
    }


def main() -> None:
    options = arguments(__doc__ or "")
    started = time.time()
    repeats = (
        {10: 20, 100: 10, 1_000: 5, 10_000: 2} if not options.quick else {10: 5, 100: 3, 1_000: 2, 10_000: 1}
    )
    figures = measure(SIZES, repeats)
    rows = [
        [f["states"], f["load_s"] * 1000, f["validate_s"] * 1000, f["compile_s"] * 1000, f["total_s"] * 1000,
         f["per_state_us"], f.get("growth_exponent", ""), f["warm_total_s"] * 1000,
         f["ir_payload_bytes"] / 1024, f["decode_ms"], f.get("decode_cached_ms", "")]
        for f in figures
    ]  # fmt: skip
    headers = ["states", "load ms", "validate ms", "compile ms", "total ms", "us/state", "growth exp",
               "warm total ms", "IR KiB", "IR decode ms", "cached decode ms"]  # fmt: skip
    print("\ncompile: load + validate + compile, expression caches cleared before each repeat (median)")
    print(table(headers, rows))
    summary = verdict(figures)
    print(
        f"1,000 states: {summary['seconds_1000_states']:.3f} s (target < {TARGET_1000_S} s:"
        f" {'met' if summary['met_1000'] else 'NOT met'}); near-linear: {summary['near_linear']}"
    )
    path = write_results("compile", {"figures": figures, **summary}, started=started, options=vars(options))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
