"""The benchmark scripts import, their documents compile, and their pure parts run (nothing is timed here)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
MODULES = [
    "common",
    "handwritten",
    "overhead",
    "throughput",
    "transforms",
    "compile",
    "memory",
    "events",
    "hotspots",
    "whatif",
    "run_all",
    "twins",
    "loops",
    "coldstart",
    "eager",
    "routing",
]


@pytest.fixture(scope="module", autouse=True)
def bench_on_path():
    sys.path.insert(0, str(BENCH))
    yield
    sys.path.remove(str(BENCH))


@pytest.mark.parametrize("name", MODULES)
def test_module_imports(name: str) -> None:
    importlib.import_module(name)


def test_percentile_and_summary() -> None:
    common = importlib.import_module("common")
    assert common.percentile([], 50) != common.percentile([], 50)  # NaN
    assert common.percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert common.percentile([5.0], 95) == 5.0
    assert common.percentile(list(map(float, range(101))), 95) == 95.0
    summary = common.summarize([0.010, 0.020, 0.030])
    assert summary["n"] == 3 and summary["median_ms"] == pytest.approx(20.0)
    assert common.summarize([]) == {"n": 0}
    assert common.ratio(1.0, 0.0) != common.ratio(1.0, 0.0)
    assert common.alternating(3) == [("ours", "hand"), ("hand", "ours"), ("ours", "hand")]
    assert "a" in common.table(["a", "b"], [[1, 2.5]])


def test_documents_compile_and_match_their_hand_written_twins() -> None:
    common = importlib.import_module("common")
    for k in (1, 5):
        ir = common.compile_document(common.sequence_document(k))
        assert len(ir.states[0].actions) == k
    assert len(common.compile_document(common.transforms_document()).states) == 20
    assert common.compile_document(common.ticks_document()).start == "Wait"
    events = importlib.import_module("events")
    assert common.compile_document(events.api_document()).start == "Init"
    memory = importlib.import_module("memory")
    assert common.compile_document(memory.WAITING).states[0].kind == "event"
    transforms = importlib.import_module("transforms")
    assert common.compile_document(transforms.ONE_STATE).states[0].kind == "inject"


def test_compile_bench_on_tiny_documents() -> None:
    compile_bench = importlib.import_module("compile")
    figures = compile_bench.measure((3, 6), {3: 1, 6: 1})
    assert [f["states"] for f in figures] == [3, 6]
    assert all(f["total_s"] > 0 and f["ir_payload_bytes"] > 0 for f in figures)
    assert "growth_exponent" in figures[1]
    assert compile_bench.verdict(figures)["seconds_1000_states"] is None


def test_hand_written_transforms_match_the_interpreter_result_shape() -> None:
    """The plain-Python chain computes what the document's expressions compute (run outside Temporal)."""
    common = importlib.import_module("common")
    handwritten = importlib.import_module("handwritten")
    from swengine import expressions

    data = common.TRANSFORMS_INPUT
    subtotal = expressions.evaluate("[.order.items[] | .price * .qty] | add", data)
    assert subtotal == sum(i["price"] * i["qty"] for i in data["order"]["items"])
    assert handwritten.TRANSFORM_STATES == 20


def test_machine_info_and_cpu_meter() -> None:
    common = importlib.import_module("common")
    info = common.machine_info()
    assert info["cpu_count"] and info["python"] and info["engine_sources_sha256"]
    meter = common.CpuMeter()
    meter.start()
    sample = meter.stop()
    assert sample["wall_s"] >= 0 and 0 <= sample["other_share"]


def test_the_1_0_twins_compile() -> None:
    from swengine.compiler.pipeline import compile_text

    twins = importlib.import_module("twins")
    for k in (1, 5, 20):
        assert len(compile_text(twins.sequence_document_10(k)).states[0].tasks) == k  # type: ignore[union-attr]
    assert compile_text(twins.transforms_document_10()).id == "bench/bench-transforms"
