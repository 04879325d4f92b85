"""Property: a program answered in Python (``expressions.native``) answers exactly what libjq answers.

Hypothesis builds programs from the native subset, with a sprinkling of what lies just outside it, and JSON
data holding the numbers jq treats specially (integral floats, integers past 2**53, negative zero). Each
program runs both ways: libjq through the binding, and the native program; a native answer must equal jq's
in value and in type (``2`` is not ``2.0``, ``1`` is not ``True``), and where jq fails or refuses the
program (``$missing`` is not defined) the native program must decline, never answer.
"""

from __future__ import annotations

import json
from typing import Any

import jq
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from swengine import expressions
from swengine.expressions import native, stats
from swengine.expressions.native import Decline, compile_native
from swengine.expressions.syntax import tokenize

LEAVES = [".", ".a", ".b", ".a.b", ".n", ".m", ".s", ".t", ".l", ".o", "$v", "$v.a", "$missing", "1", "0", "2.5",
          "-3", "1e2", "9007199254740993", '"x"', '"é"', '""', "true", "false", "null", "(.a).b",
          '"a\\nb\\t\\"q\\\\ \\u00e9\\ud83d\\ude00"', '"\\ud800"']  # fmt: skip
BUILTIN_NAMES = ["not", "length", "type", "keys", "ascii_downcase", "ascii_upcase", "add", "tostring"]
OPERATORS = ["+", "-", "*", "/", "==", "!=", "<", "<=", ">", ">=", "and", "or", "//"]
NUMBERS = st.one_of(
    st.integers(-5, 5),
    st.sampled_from([2**53, 2**53 + 1, -(2**53) - 1, 10**20, 0.0, -0.0, 1.0, 2.5, -1.5, 1e300, 0.1, 3.0]),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
)
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, st.sampled_from(["", "x", "y", "é", "a\u00e9", "Z"]))
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from("abnm"), inner, max_size=3)
    ),
    max_leaves=6,
)
DATA = (
    st.fixed_dictionaries(
        {},
        optional={
            **{key: VALUES for key in ("a", "b", "n", "m", "s", "t", "l", "o")},
            "x": st.lists(NUMBERS, max_size=6),  # what `add` and `map` usually meet
            "r": st.lists(st.fixed_dictionaries({}, optional={"a": NUMBERS, "b": VALUES}), max_size=4),
        },
    )
    | VALUES
)


def _programs() -> st.SearchStrategy[str]:
    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.builds(lambda a, op, b: f"{a} {op} {b}", inner, st.sampled_from(OPERATORS), inner),
            st.builds(lambda a: f"({a})", inner),
            st.builds(lambda a: f"({a}).a", inner),
            st.builds(lambda a, b: f'{{a: {a}, "b c": {b}, n, $v,}}', inner, inner),
            st.builds(lambda a, b: f"[{a}, {b}]", inner, inner),
            st.builds(lambda a: f"{{if: {a}}}.if", inner),
            st.builds(lambda a, name: f"({a} | {name})", inner, st.sampled_from(BUILTIN_NAMES)),
            st.builds(lambda a, b: f"{a} | {b}", inner, inner),
            # many outputs, collected: iteration, select, map, add, commas in a collector
            st.builds(lambda a: f"[({a})[]]", inner),
            st.builds(lambda a, b: f"[({a})[] | {b}]", inner, inner),
            st.builds(lambda b: f"[.x[] | {b}] | add", inner),
            st.builds(lambda b: f"[.r[] | select({b}) | .a]", inner),
            st.builds(lambda b: f".r | map({b})", inner),
            st.builds(lambda a, b: f"[{a}, .x[] | {b}]", inner, inner),
            st.builds(lambda a: f"[.x[], .r[].a | select({a})] | add", inner),
            st.builds(lambda a: f"[.l[][]] | {a}", inner),
            st.builds(lambda a, b, c: f"if {a} then {b} else {c} end", inner, inner, inner),
            st.builds(lambda a, b: f"({a})[{b}]", inner, inner),
            st.builds(lambda a, b: f'"v=\\({a}), w=\\({b})!"', inner, inner),
            st.builds(
                lambda a, i: f"({a})[{i}]",
                inner,
                st.sampled_from(["0", "1", "-1", "-3", "2.5", '"a"', "null"]),
            ),
            st.builds(lambda a, b, c: f"(if {a} then {b} elif {c} then {a} end)", inner, inner, inner),
        )

    return st.recursive(st.sampled_from(LEAVES), extend, max_leaves=5)


def _jq(program: str, data: Any, variables: dict[str, Any]) -> tuple[str, Any]:
    try:
        compiled = jq.compile(program, args=variables)
    except ValueError:
        return "invalid", None
    try:
        return "value", compiled.input_text(json.dumps(data)).first()
    except (ValueError, StopIteration):
        return "error", None


def _typed(value: Any) -> Any:
    """The value with its JSON types spelled out, so 1, 1.0 and True differ."""
    if isinstance(value, dict):
        return {key: _typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_typed(item) for item in value]
    return (type(value).__name__, value)


@settings(max_examples=1500, deadline=None)
@given(program=_programs(), data=DATA, variable=VALUES)
@example(program=".count + 1", data={"count": 5}, variable=None)
@example(program=".a / .b", data={"a": 4, "b": 2}, variable=None)
@example(program=".a", data={"a": 1.0}, variable=None)
@example(program=".a", data={"a": {"x": 2.0}}, variable=None)
@example(program=".a + 1", data={"a": 2**53 + 1}, variable=None)
@example(program=".a < .b", data={"a": [1], "b": [1, 2]}, variable=None)
@example(program="-1 + 2", data={}, variable=None)
@example(program=".a.b // 3", data={"a": 7}, variable=None)
@example(program="$v + {a: 3, c: .n}", data={"n": 4}, variable={"b": 2, "a": 1.0})
@example(program="[.r[] | .a * .b] | add", data={"r": [{"a": 3, "b": 2}, {"a": 1.5, "b": 2}]}, variable=None)
@example(program=".x | add", data={"x": [1e16, 1, -1e16]}, variable=None)
@example(program="[.x[] | select(. > 1)]", data={"x": [1.0, 2.0, 3]}, variable=None)
@example(program="[.o[]]", data={"o": {"b": 1, "a": 2}}, variable=None)
@example(program="(.a | tostring) + (.b | tostring)", data={"a": 3.0, "b": 0.1}, variable=None)
@example(program="(.a * -1 | tostring)", data={"a": 0}, variable=None)
@example(program="(.a | tostring) + (-0 | tostring) + (0 / -2 | tostring)", data={"a": 0}, variable=None)
@example(program="(.a | tostring)", data={"a": 1e-05}, variable=None)
def test_native_answers_as_libjq_does_or_declines(program: str, data: Any, variable: Any) -> None:
    variables = {"v": variable}
    native = compile_native(tokenize(program))
    outcome, expected = _jq(program, data, variables)
    if native is None:
        return  # outside the subset: jq's alone
    try:
        answer = native(data, variables)
    except Decline:
        return
    assert outcome == "value", f"native answered {answer!r} where jq {outcome}: {program!r} on {data!r}"
    assert _typed(answer) == _typed(expected), f"{program!r} on {data!r}"


ELEMENT = st.recursive(
    st.sampled_from([".", ".a", ".b", "1", "2.5", "-3", "0", "null", '"x"', "true"]),
    lambda inner: st.builds(lambda a, op, b: f"({a} {op} {b})", inner, st.sampled_from(OPERATORS), inner),
    max_leaves=3,
)
"""What a collector applies to each member: arithmetic and comparisons on a number or a record's fields."""
COLLECTORS = ["[.x[] | {e}]", "[.x[] | {e}] | add", ".x | map({e})", "[.x[] | select({e})]",
              "[.r[] | select({e}) | {f}]", ".r | map({e}) | add", "[.r[].a, .x[] | {e}] | add",
              "[.r[] | {{a: {e}, b}}]", "[.x[] | [., {e}]] | map(add)", ".x | add", "[.r[] | .a * .b] | add",
              "[.x[], .x[] | select({e})] | length", "[.x[] | {e} | tostring]", "[.r[] | .b | tostring]",
              "[.x[] | if {e} then {f} else . end]", "[.r[] | if {e} then .x[] elif .b then {f} end]",
              ".x[{e}]", ".r[0].a", ".r[-1] | {e}", "[.r[].b[0]]"]  # fmt: skip
RECORDS = st.lists(
    st.fixed_dictionaries({}, optional={"a": NUMBERS, "b": st.one_of(NUMBERS, VALUES)}), max_size=5
)


@settings(max_examples=1500, deadline=None)
@given(
    shape=st.sampled_from(COLLECTORS),
    each=ELEMENT,
    then=ELEMENT,
    data=st.fixed_dictionaries({"x": st.lists(NUMBERS, max_size=6) | VALUES, "r": RECORDS | VALUES}),
)
@example(
    shape="[.r[] | .a * .b] | add",
    each=".",
    then=".",
    data={"x": [], "r": [{"a": 3, "b": 2}, {"a": 0.1, "b": 3}]},
)
@example(shape=".x | add", each=".", then=".", data={"x": [0.1, 0.2, 0.3, 1e16, 1, -1e16], "r": []})
def test_collectors_answer_as_libjq_does_or_decline(shape: str, each: str, then: str, data: Any) -> None:
    """Many outputs, collected (``[.items[] | .price * .qty] | add``), the usual shape of a sum over records."""
    program = shape.format(e=each, f=then)
    native = compile_native(tokenize(program))
    assert native is not None, program  # every shape here is inside the subset
    outcome, expected = _jq(program, data, {})
    try:
        answer = native(data, {})
    except Decline:
        return
    assert outcome == "value", f"native answered {answer!r} where jq {outcome}: {program!r} on {data!r}"
    assert _typed(answer) == _typed(expected), f"{program!r} on {data!r}"


def test_streams_that_fan_out_are_left_to_jq() -> None:
    """``[., .] | .[]`` doubles what passes at every stage: past MAX_STREAMED outputs (each charged the program's
    length) the program declines, and jq's cost model sends it to the bounded evaluator."""
    fanned = compile_native(tokenize("[1 | " + " | ".join(["[., .] | .[]"] * 24) + "] | length"))
    assert fanned is not None
    with pytest.raises(Decline):
        fanned(None, {})  # 2**24 outputs
    few = compile_native(tokenize("[1 | " + " | ".join(["[., .] | .[]"] * 8) + "] | length"))
    assert few is not None and few(None, {}) == 2**8
    summed = compile_native(tokenize("[.x[] | . * 2] | add"))
    assert summed is not None
    assert summed({"x": list(range(10_000))}, {}) == 10_000 * 9_999
    with pytest.raises(Decline):
        summed({"x": [1] * native.MAX_STREAMED}, {})
    joined = compile_native(tokenize(".x | add"))
    assert joined is not None
    assert joined({"x": ["a", "b", None, "c"]}, {}) == "abc"
    with pytest.raises(Decline):  # each addition copies what came before: the copies count as built
        joined({"x": ["a" * 1000] * 200}, {})


OUTSIDE = ['"\\(.x[])"', '"\\q"', ".[1:]", "1 < 2 < 3", ". as $x | $x", "@base64", ".a?", "1 +", "[1,]", "{(.k): 1}",
           "{a: .x | .y}", "{$v: 1}", '{"\\(.k)": 1}', "not(1)", "length(1)", ".x[]", ".a, .b", "select(.a)",
           "{a: .x[]}", "(.x[]) + 1", ".x[] == 1", "[.x[1:]]", "add(.x[])", "map(.a; .b)", "[.x[]?]",
           "1.0 | tostring", "(1e2 + .a) | tostring", "if .x[] then 1 else 2 end", "if .a then 1",
           "if .a then .x[] else 2 end", ".x[.r[]]", ".x[:2]"]  # fmt: skip


@pytest.mark.parametrize("program", OUTSIDE)
def test_what_lies_outside_the_subset_is_left_to_jq(program: str) -> None:
    assert compile_native(tokenize(program)) is None


def test_the_facade_answers_simple_programs_in_python_and_the_rest_with_jq() -> None:
    before = (stats.COUNTS.native, stats.COUNTS.local)
    assert expressions.evaluate("${ .count + 1 }", {"count": 41}) == 42
    assert expressions.evaluate_bool("${ .count >= .target }", {"count": 2, "target": 2}) is True
    assert expressions.evaluate_all(".a * 2", {"a": 1.5}) == [3]
    assert expressions.evaluate("${ {step: 0, value: .value, n: (.n + 1)} }", {"value": "v", "n": 1}) == {
        "step": 0, "value": "v", "n": 2,
    }  # fmt: skip
    assert (stats.COUNTS.native - before[0], stats.COUNTS.local - before[1]) == (4, 0)
    assert expressions.evaluate(".a + 1", {"a": 2**53 + 1}) == 2**53  # declined: jq's doubles decide
    assert stats.COUNTS.local - before[1] == 1
    with pytest.raises(expressions.ExpressionError):
        expressions.evaluate(".a.b", {"a": 3})  # declined, and jq words the error


def test_what_grows_is_left_to_the_bounds_of_jq() -> None:
    """Forty doublings of "ab" would build a terabyte: past MAX_BUILT the program declines, and jq's cost model
    sends it to the bounded evaluator (``test_exponential_growth_is_not_run_in_process``)."""
    doubling = compile_native(tokenize(" | ".join(["(. + .)"] * 40)))
    assert doubling is not None
    with pytest.raises(Decline):
        doubling("ab", {})
    assert compile_native(tokenize(" + ".join(["1"] * 200))) is None  # longer than MAX_TOKENS
    copies = compile_native(tokenize("[" + ", ".join(["."] * 50) + "]"))
    assert copies is not None
    assert len(copies(list(range(1000)), {})) == 50  # 50,000 members: walked
    with pytest.raises(Decline):
        copies(list(range(5000)), {})  # 250,000 members: jq's to judge


def test_a_container_that_came_back_unchanged_is_not_walked_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """``$input + {x: .}`` on every task: an instance's state data is checked once, not on every task (a 1 MB
    state was walked whole by each task, past the deadlock detector in a loop)."""
    merge = compile_native(tokenize(". + {count: (.count + 1)}"))
    assert merge is not None
    checked = native.checked_containers()  # one instance's memory
    data = {"count": 0, "blob": [{"id": i, "tags": ["a", "b"]} for i in range(1000)]}
    data = merge(data, {}, checked)
    walks: list[Any] = []
    real = native._walk
    monkeypatch.setattr(native, "_walk", lambda *args: walks.append(args) or real(*args))
    for _ in range(3):
        data = merge(data, {}, checked)
    assert data["count"] == 4 and walks == []
    merge(data, {})  # another instance (or none) remembers nothing of it
    assert len(walks) == 1


def test_remembered_containers_still_count_toward_depth_and_size() -> None:
    checked = native.checked_containers()
    wrap = compile_native(tokenize("{a: ., b: 1, c: 2, d: 3}"))  # wide enough to be remembered
    assert wrap is not None
    value: Any = {}
    for _ in range(native._DEEPEST - 1):
        value = wrap(value, {}, checked)  # one level deeper each time, the rest remembered
    with pytest.raises(Decline):
        wrap(value, {}, checked)  # 101 levels: jq's to judge, as when nothing was remembered
    copies = compile_native(tokenize("[., ., .]"))
    assert copies is not None
    with pytest.raises(Decline):
        copies(list(range(40_000)), {}, checked)  # 120,000 members, 80,000 of them in a remembered list


def test_a_number_jq_would_change_is_never_remembered_as_unchanged() -> None:
    checked = native.checked_containers()
    merge = compile_native(tokenize(". + {x: 1}"))
    assert merge is not None
    data = {"kept": {"big": 2**53 + 1}}
    for _ in range(2):
        with pytest.raises(Decline):
            merge(data, {}, checked)
