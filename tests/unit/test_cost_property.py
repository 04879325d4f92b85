"""Property: the fast path's cost model never admits a program whose measured work is far above its bound.

Hypothesis builds programs from the fast-path subset (with the builtins that search: nth, indices, index,
rindex, contains, split...) and inputs that make them work hardest (long runs of equal small elements).
Each program the model bounds is timed in-process; it must stay within ``SLACK`` times its bound (plus a
floor for timer noise on a shared machine). This is not a timing assertion: the under-charges it guards
against were 15x to 150x at a few hundred bytes and grow with the input.
"""

from __future__ import annotations

import json
import time
from typing import Any

import jq
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from swengine import expressions

SLACK = 10.0
NOISE_NS = 5_000_000  # a scheduler hiccup on a loaded two-core runner
MAX_BOUND_NS = 50_000_000  # only bounds the fast path could admit are timed (the budget is 10 ms)

LEAVES = [".", ".a", ".[0]", ".[]", "keys", "length", "1", '"a"', "[1]", "[.[]]", "tostring", "reverse", "$x",
          '"\\(.)"', "@base64", "ascii_downcase", ".[1:]"]  # fmt: skip
UNARY = ["sort", "unique", "add", "flatten", "to_entries", "min", "max", "tojson", "explode", "first", "last",
         "keys_unsorted", "from_entries", "any", "all", "implode", "tostring"]  # fmt: skip
WITH_ARG = ["nth", "index", "rindex", "indices", "contains", "inside", "split", "join", "has",
            "startswith", "ltrimstr", "map", "select", "sort_by", "group_by", "unique_by", "any", "all",
            "first", "add", "IN", "del", "with_entries"]  # fmt: skip
BINARY = ["+", "-", "==", "<", "and", "//", "|", ","]


def _programs() -> st.SearchStrategy[str]:
    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.builds(lambda name, arg: f"{name}({arg})", st.sampled_from(WITH_ARG), inner),
            st.builds(lambda a, op, b: f"({a} {op} {b})", inner, st.sampled_from(BINARY), inner),
            st.builds(lambda a, name: f"({a} | {name})", inner, st.sampled_from(UNARY)),
            st.builds(lambda a: f".[{a}]", inner),
            st.builds(lambda a: f"[{a}]", inner),
            st.builds(lambda a, b: f"{{a: {a}, b: {b}}}", inner, inner),
            st.builds(lambda a: f"(try {a} catch .)", inner),
            st.builds(lambda a, b: f"(if {a} then {b} else . end)", inner, inner),
            st.builds(lambda a, b: f"({a} as $x | {b})", inner, inner),
        )

    return st.recursive(st.sampled_from(LEAVES), extend, max_leaves=4).map(lambda p: f". as $x | {p}")


def _inputs() -> st.SearchStrategy[Any]:
    runs = st.sampled_from([3, 60, 400, 1000])  # lengths the search builtins are slow at, not just tiny ones
    small = st.sampled_from([1, 0, "a", "", None, [1], {"a": 1}])
    return st.one_of(
        st.builds(lambda n, item: [item] * n, runs, small),
        st.builds(lambda n: list(range(n)), runs),
        st.builds(lambda n: "a" * (n * 4), runs),
        st.builds(lambda n: ["a" * n + "b", "a" * (n * 4)], runs),
        st.builds(lambda n, item: {"a": [item] * n}, runs, small),
        st.builds(lambda n: {f"k{i}": i for i in range(n)}, runs),
        st.builds(lambda n: [[1] * 8] * (n // 4 + 1), runs),
    )


def _measured_ns(program: Any, text: str) -> int:
    best = None
    for _ in range(2):  # the faster of two runs: the first may pay for a cold cache
        began = time.perf_counter_ns()
        try:
            for _output in program.input_text(text):
                pass
        except ValueError:
            pass
        took = time.perf_counter_ns() - began
        best = took if best is None else min(best, took)
    assert best is not None
    return best


def _bound_ns(coefficients: tuple[float, ...], size: int) -> float:
    return sum(c * size**i for i, c in enumerate(coefficients))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expr=_programs(), data=_inputs())
@example(expr="nth(.)", data=[1] * 1000)  # issue 11, item 3: each of these was 15x to 150x over
@example(expr="nth(keys)", data=list(range(1000)))
@example(expr=".[.]", data=[1] * 1000)
@example(expr="indices(.)", data=[1] * 1000)
@example(expr="index(.)", data=[1] * 1000)
@example(expr="rindex(.)", data=[1] * 1000)
def test_the_model_never_admits_far_more_work_than_it_bounds(expr: str, data: Any) -> None:
    analysis = expressions._analyse(expr)
    if analysis.bound is None:
        return  # sent to the guarded pool: nothing to check here
    try:
        program = jq.compile(expr)
    except ValueError:
        return
    text = json.dumps(data, separators=(",", ":"))
    bound = _bound_ns(analysis.bound, len(text))
    if bound > MAX_BOUND_NS:
        return
    measured = _measured_ns(program, text)
    assert measured <= SLACK * bound + NOISE_NS, (
        f"{expr} on {len(text)} bytes: measured {measured / 1e6:.1f} ms, bound {bound / 1e6:.2f} ms"
    )
