"""What keeps a state's cost independent of the size of its data gives exactly the answers of the slow way:
remembered JSON sizes, the plain-path shortcut of ``path()``, and the digest a run request carries."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from swengine import expressions
from swengine.compiler.pipeline import compile_path, compile_text, referenced_workflows
from swengine.core import ir_codec, json_merge, json_size
from swengine.core.ir import RunRequest
from swengine.core.json_size import JsonSizer
from swengine.core.limits import payload_size
from swengine.runtime.service import prepared_inline

SPECS = sorted((Path(__file__).resolve().parents[2] / "specs").glob("*.sw.yaml"))

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=30,
)
keys = st.lists(st.sampled_from(["a", "b", "c", "é"]), min_size=1, max_size=4)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(start=st.dictionaries(st.text(max_size=5), json_values, max_size=5),
       steps=st.lists(st.tuples(keys, json_values), max_size=6))  # fmt: skip
def test_remembered_sizes_equal_serialising_every_time(start: dict[str, Any], steps: list[Any]) -> None:
    sizer, data = JsonSizer(small=0), start  # always walks and remembers, however small the data
    assert sizer.size(data) == payload_size(data)
    for path, value in steps:
        try:
            data = json_merge.merge_at(data, path, value)
        except expressions.ExpressionError:
            continue
        assert sizer.size(data) == payload_size(data)


def test_a_container_that_grew_in_place_is_measured_again() -> None:
    sizer, rows = JsonSizer(small=0), [1, 2]
    data = {"rows": rows}
    assert sizer.size(data) == payload_size(data)
    rows.append(3)  # never done to state data; a changed length is still noticed
    assert sizer.size({"rows": rows}) == payload_size({"rows": rows})


def test_data_growing_past_the_small_size_is_measured_exactly() -> None:
    sizer, data = JsonSizer(), {"rows": [], "count": 0}
    for step in range(60):
        rows = [*data["rows"], {"id": step, "text": "é" * 200}]
        data = json_merge.merge_at(json_merge.merge_at(data, ["count"], step), [], {"rows": rows})
        assert sizer.size(data) == payload_size(data)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(data=json_values, path=keys)
def test_plain_paths_answer_what_jq_answers(data: Any, path: list[str]) -> None:
    expr = "${ ." + ".".join(path) + " }"
    framed = f"path({expressions.strip(expr)})"  # the same question put to jq itself, bypassing the shortcut
    try:
        expected = expressions.evaluate_all(framed, data)[0]
    except expressions.ExpressionError:
        try:
            expressions.evaluate_path(expr, data)
        except expressions.ExpressionError:
            return
        raise AssertionError("the shortcut answered where jq fails") from None
    assert expressions.evaluate_path(expr, data) == expected


def test_a_keyword_or_an_index_is_left_to_jq() -> None:
    assert expressions.evaluate_path(".a[1]", {"a": [0, 1]}) == ["a", 1]
    assert expressions.evaluate_path('."and"', {}) == ["and"]


def test_a_run_request_carries_the_digest_and_a_worker_finds_the_definition_by_it(monkeypatch) -> None:
    ir = compile_path(SPECS[0])
    encoded = json.loads(json.dumps(ir_codec.encode(RunRequest(ir=ir, input={}))))
    first = ir_codec.decode_run_request(encoded).ir
    serialised = []
    monkeypatch.setattr(ir_codec, "_digest", lambda value: serialised.append(value) or b"")
    again = ir_codec.decode_run_request(json.loads(json.dumps(encoded)))
    assert again.ir is first and not serialised  # found without re-serialising the definition


def test_a_wrong_digest_never_makes_another_instance_run_its_definition() -> None:
    one, other = (compile_path(path) for path in SPECS[2:4])
    honest = json.loads(json.dumps(ir_codec.encode(RunRequest(ir=one, input={}))))
    forged = json.loads(json.dumps(ir_codec.encode(RunRequest(ir=other, input={}))))
    forged["ir"][ir_codec.DIGEST_KEY] = honest["ir"][ir_codec.DIGEST_KEY]  # claims to be `one`
    ir_codec._decoded_ir.clear()
    assert ir_codec.decode_run_request(forged).ir == other  # decoded from what it carries
    assert ir_codec.decode_run_request(honest).ir == one  # the claim filled no cache entry


def test_stored_and_served_definitions_carry_no_digest() -> None:
    ir = compile_path(SPECS[0])
    assert ir_codec.DIGEST_KEY not in ir_codec.encode(ir)
    assert ir_codec.DIGEST_KEY not in json.loads(ir_codec.ir_to_json(ir))


def test_what_a_state_left_unchanged_is_not_serialised_again(monkeypatch) -> None:
    rows = [{"id": index, "text": "x" * 100} for index in range(500)]
    data = {"count": 0, "deep": {"rows": rows, "more": {"rows": rows[:100]}}}
    sizer = JsonSizer(small=0)
    sizer.size(data)
    encoded: list[int] = []
    real = json_size._ENCODE
    monkeypatch.setattr(json_size, "_ENCODE", lambda value: encoded.append(len(t := real(value))) or t)
    sizes = []
    for step in range(1, 6):  # a state changes the count only, then one passes the data on unchanged
        data = json_merge.merge_at(data, ["count"], step)
        sizes.append(sizer.size(data))
        sizes.append(sizer.size(data))
    assert encoded and max(encoded) < 100  # only the new top-level object's small members were serialised
    monkeypatch.undo()
    assert sizes[-1] == payload_size(data)


ascii_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126, exclude_characters='"\\'), max_size=20),
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text("abcdef", max_size=5), inner, max_size=6),
    max_leaves=40,
)  # fmt: skip


@settings(max_examples=300)
@given(value=ascii_values, limit=st.integers(0, 400))
@example(value={"": -(10**25), "aa": [""], "a": []}, limit=48)  # an integer wider than a float's widest text
@example(value=[2**4000], limit=400)
def test_small_means_small(value: Any, limit: int) -> None:
    """``at_most`` may call small data large, never large data small (strings without escapes)."""
    if json_size.at_most(value, limit):
        assert payload_size(value) <= limit


def test_large_data_is_called_large_however_it_is_shaped() -> None:
    assert json_size.at_most({"a": [1, 2, 3], "b": "x" * 100}, 16384)
    assert not json_size.at_most(list(range(100_000)), 16384)
    assert not json_size.at_most({str(n): None for n in range(100_000)}, 16384)
    assert not json_size.at_most({"a": "x" * 20_000}, 16384)


CALLER = """
id: caller
specVersion: "0.8"
start: Call
states:
  - {name: Call, type: operation, actions: [{subFlowRef: callee}], end: true}
"""


def test_a_start_is_prepared_inline_only_when_it_is_small_and_needs_no_lookup_or_schema() -> None:
    hello = compile_path(next(path for path in SPECS if path.name == "hello.sw.yaml"))
    assert prepared_inline(hello, {"name": "a"})
    assert not prepared_inline(hello, {"blob": "x" * 20_000})  # a large input: sized off the loop
    calling = compile_text(CALLER)
    assert referenced_workflows(calling) == [("callee", None)]
    assert not prepared_inline(calling, {})  # a subflow to look up in the store
    checked = compile_text(
        CALLER.replace("start: Call", "start: Call\ndataInputSchema: {schema: {type: object}}")
    )
    assert not prepared_inline(checked, {})
