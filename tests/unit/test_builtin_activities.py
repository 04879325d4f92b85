"""The built-in activities, run in an ActivityEnvironment (no server)."""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from temporalio import activity
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

import builtin_activities
from builtin_activities.clock import now
from builtin_activities.data import merge, omit, pick, set_value
from builtin_activities.diagnostics import echo, fail, log
from builtin_activities.encoding import base64_decode, base64_encode, hash_data, json_parse, json_stringify
from builtin_activities.ids import uuid
from builtin_activities.text import template

ONE_MIB = 1024 * 1024


async def run(fn: Callable[..., Any], arguments: Any) -> Any:
    return await ActivityEnvironment().run(fn, arguments)


async def refused(fn: Callable[..., Any], arguments: Any) -> str:
    """Run ``fn`` expecting an invalid_arguments refusal; return its message."""
    with pytest.raises(ApplicationError) as caught:
        await run(fn, arguments)
    assert caught.value.type == "invalid_arguments"
    assert caught.value.non_retryable is True
    return caught.value.message


def name_of(fn: Callable[..., Any]) -> str:
    name = activity._Definition.must_from_callable(fn).name
    assert name is not None
    return name


# --- registry -------------------------------------------------------------------------------------------


def test_every_activity_is_named_builtin_and_unique() -> None:
    names = [name_of(fn) for fn in builtin_activities.ACTIVITIES]
    assert all(name.startswith("builtin.") for name in names)
    assert len(names) == len(set(names))
    assert builtin_activities.LOCAL_SAFE <= set(names)


def test_the_documented_verbs_are_all_registered() -> None:
    names = {name_of(fn) for fn in builtin_activities.ACTIVITIES}
    documented = set(re.findall(r"^\| (builtin\.\w+)", builtin_activities.__doc__ or "", re.MULTILINE))
    assert documented == names


def test_every_activity_is_async_so_the_worker_needs_no_thread_pool() -> None:
    for fn in builtin_activities.ACTIVITIES:
        assert activity._Definition.must_from_callable(fn).is_async, name_of(fn)


@pytest.mark.parametrize("fn", [fn for fn in builtin_activities.ACTIVITIES if fn is not echo], ids=name_of)
async def test_arguments_that_are_not_an_object_are_refused(fn: Callable[..., Any]) -> None:
    assert "arguments must be an object" in await refused(fn, ["not", "an", "object"])


@pytest.mark.parametrize("fn", [fn for fn in builtin_activities.ACTIVITIES if fn is not echo], ids=name_of)
async def test_unknown_argument_names_are_refused(fn: Callable[..., Any]) -> None:
    assert "'surprise'" in await refused(fn, {"surprise": 1})


# --- merge ----------------------------------------------------------------------------------------------


async def test_merge_nested_objects_later_wins() -> None:
    earlier = {"customer": {"name": "John", "address": "1234 street", "zip": "12345"}, "age": 20}
    later = {"customer": {"name": "John", "zip": "54321"}, "age": 30}
    assert await run(merge, {"objects": [earlier, later]}) == {
        "customer": {"name": "John", "address": "1234 street", "zip": "54321"},
        "age": 30,
    }


async def test_merge_arrays_concatenate_keeping_unique_elements() -> None:
    michael = {"name": "Michael", "zip": "6789"}
    john = {"name": "John", "zip": "12345"}
    jane = {"name": "Jane", "zip": "54321"}
    result = await run(
        merge,
        {
            "objects": [
                {"customers": [michael, 1, "a"]},
                {"customers": [john, {"zip": "6789", "name": "Michael"}, 1.0, "a", jane]},
            ]
        },
    )
    assert result == {"customers": [michael, 1, "a", john, jane]}


async def test_merge_keeps_true_and_one_apart_and_later_type_wins_on_mismatch() -> None:
    assert await run(merge, {"objects": [{"a": [1]}, {"a": [True, 1]}]}) == {"a": [1, True]}
    assert await run(merge, {"objects": [{"a": {"x": 1}}, {"a": [1]}, {"b": None}, {"b": 2}]}) == {
        "a": [1],
        "b": 2,
    }
    assert await run(merge, {"objects": [{"a": {"x": 1}}, {"a": None}]}) == {"a": None}


async def test_merge_of_three_and_of_none_and_inputs_untouched() -> None:
    first, second, third = {"a": {"b": 1}}, {"a": {"c": 2}}, {"a": {"b": 3}, "d": 4}
    assert await run(merge, {"objects": [first, second, third]}) == {"a": {"b": 3, "c": 2}, "d": 4}
    assert first == {"a": {"b": 1}} and second == {"a": {"c": 2}}
    assert await run(merge, {"objects": []}) == {}


async def test_merge_matches_a_pairwise_left_fold() -> None:
    objects = [{"a": {"x": 1}}, {"a": 5}, {"a": {"y": 2}}, {"b": [1, 1]}]
    assert await run(merge, {"objects": objects}) == {"a": {"y": 2}, "b": [1, 1]}
    assert await run(merge, {"objects": [{"b": [1, 1]}, {"b": [2]}]}) == {"b": [1, 2]}
    assert await run(merge, {"objects": [{"b": [1]}, {"b": {"c": 1}}, {"b": [2]}]}) == {"b": [2]}


async def test_merge_and_pick_and_omit_stay_linear_on_large_inputs() -> None:
    count = 10_000
    started = time.perf_counter()
    merged = await run(merge, {"objects": [{"a": [i % 100], f"k{i}": {"v": i}} for i in range(count)]})
    assert merged["a"] == list(range(100)) and len(merged) == count + 1
    keys = [f"k{i}.v" for i in range(count)]
    assert len(await run(pick, {"object": merged, "keys": keys})) == count
    assert len(await run(omit, {"object": merged, "keys": [f"k{i}" for i in range(count)]})) == 1
    assert time.perf_counter() - started < 2


async def test_merge_refusals() -> None:
    assert "missing argument 'objects': expected an array of objects" in await refused(merge, {})
    assert "'objects' must be an array, got object" in await refused(merge, {"objects": {"a": 1}})
    assert "objects[1] must be an object, got number" in await refused(merge, {"objects": [{}, 3]})
    deep: dict[str, Any] = {}
    for _ in range(150):
        deep = {"x": deep}
    assert "deeper than 100" in await refused(merge, {"objects": [deep, deep]})
    assert "at most 10000" in await refused(merge, {"objects": [{}] * 10_001})


# --- pick / omit / set ----------------------------------------------------------------------------------

SOURCE = {"a": {"b": 1, "c": 2}, "d": 3, "e.f": 4, "g": "text"}


async def test_pick_keys_and_dotted_paths() -> None:
    assert await run(pick, {"object": SOURCE, "keys": ["d", "a.b", "missing", "g.h"]}) == {
        "a": {"b": 1},
        "d": 3,
    }
    assert await run(pick, {"object": SOURCE, "keys": [["e.f"]]}) == {"e.f": 4}
    assert await run(pick, {"object": SOURCE, "keys": ["a", "a.b"]}) == {"a": {"b": 1, "c": 2}}
    assert await run(pick, {"object": SOURCE, "keys": []}) == {}
    assert SOURCE["a"] == {"b": 1, "c": 2}


async def test_omit_keys_and_dotted_paths() -> None:
    assert await run(omit, {"object": SOURCE, "keys": ["d", "a.b", "missing", "g.h", ["e.f"]]}) == {
        "a": {"c": 2},
        "g": "text",
    }
    assert SOURCE["a"] == {"b": 1, "c": 2}


async def test_pick_and_omit_refusals() -> None:
    for fn in (pick, omit):
        assert "'object' must be an object, got array" in await refused(fn, {"object": [], "keys": []})
        assert "'keys' must be an array" in await refused(fn, {"object": {}, "keys": "a"})
        assert "keys[0]" in await refused(fn, {"object": {}, "keys": ["a..b"]})
        assert "keys[1]" in await refused(fn, {"object": {}, "keys": ["a", 7]})
        assert "missing argument 'keys'" in await refused(fn, {"object": {}})


async def test_set_creates_objects_and_copies() -> None:
    source = {"a": {"keep": True}, "n": None}
    assert await run(set_value, {"object": source, "path": "a.b.c", "value": [1]}) == {
        "a": {"keep": True, "b": {"c": [1]}},
        "n": None,
    }
    assert await run(set_value, {"object": source, "path": ["n", "x.y"], "value": None}) == {
        "a": {"keep": True},
        "n": {"x.y": None},
    }
    assert await run(set_value, {"path": "top", "value": "v"}) == {"top": "v"}
    assert source == {"a": {"keep": True}, "n": None}


async def test_set_refusals() -> None:
    message = await refused(set_value, {"object": {"a": {"b": "text"}}, "path": "a.b.c", "value": 1})
    assert "'a.b' holds string, not an object" in message
    assert "missing argument 'value'" in await refused(set_value, {"path": "a"})
    assert "path" in await refused(set_value, {"path": "", "value": 1})
    assert "path" in await refused(set_value, {"path": [], "value": 1})
    assert "path" in await refused(set_value, {"path": 3, "value": 1})
    assert "at most 100" in await refused(set_value, {"path": ".".join(["k"] * 101), "value": 1})


# --- template -------------------------------------------------------------------------------------------


async def test_template_renders_names_paths_and_json() -> None:
    values = {"name": "Ada", "order": {"id": 7, "items": [1, 2], "paid": True, "note": None}}
    text = "Hello {name}! #{order.id} {order.items} {order.paid} {order.note} {{literal}} {order}"
    assert await run(template, {"template": text, "values": values}) == (
        'Hello Ada! #7 [1,2] true null {literal} {"id":7,"items":[1,2],"paid":true,"note":null}'
    )
    assert await run(template, {"template": "no placeholders"}) == "no placeholders"
    assert await run(template, {"template": "{my-key_2}", "values": {"my-key_2": "ok"}}) == "ok"


@pytest.mark.parametrize(
    "text",
    [
        "{0.__class__}",
        "{name.__class__}",
        "{name.__class__.__init__.__globals__}",
        "{name[0]}",
        "{name!r}",
        "{name:>10}",
        "{ name }",
        "{}",
        "{0}",
        "{missing}",
    ],
)
async def test_template_refuses_anything_but_plain_lookups(text: str) -> None:
    assert "placeholder" in await refused(template, {"template": text, "values": {"name": "Ada"}})


async def test_template_refuses_stray_braces_and_oversized_output() -> None:
    assert "unmatched '{'" in await refused(template, {"template": "Hello {name", "values": {"name": "x"}})
    assert "unmatched '}'" in await refused(template, {"template": "Hello }", "values": {}})
    assert "unmatched '{'" in await refused(template, {"template": "{a{b}", "values": {}})
    big = "x" * (ONE_MIB // 4)
    assert "exceed the limit" in await refused(template, {"template": "{v}" * 5, "values": {"v": big}})
    assert "'template' is" in await refused(template, {"template": "x" * (ONE_MIB + 1)})
    assert "'values' must be an object" in await refused(template, {"template": "", "values": []})


# --- encodings ------------------------------------------------------------------------------------------


async def test_base64_round_trip_and_urlsafe() -> None:
    encoded = await run(base64_encode, {"data": "héllo ✓ ~~??"})
    assert encoded == {"data": base64.b64encode("héllo ✓ ~~??".encode()).decode()}
    assert await run(base64_decode, encoded) == {"data": "héllo ✓ ~~??"}
    urlsafe = await run(base64_encode, {"data": "~~??", "urlsafe": True})
    assert urlsafe == {"data": "fn4_Pw=="}
    assert await run(base64_decode, {"data": "fn4_Pw", "urlsafe": True}) == {"data": "~~??"}
    assert await run(base64_decode, {"data": "aGVs\nbG8="}) == {"data": "hello"}


@pytest.mark.parametrize("data", ["not base64!", "abcde", "é", "//79"])
async def test_base64_decode_refuses_bad_input(data: str) -> None:
    assert "argument 'data'" in await refused(base64_decode, {"data": data})


async def test_base64_refusals() -> None:
    assert "'data' must be a string, got number" in await refused(base64_encode, {"data": 1})
    assert "'urlsafe' must be a boolean" in await refused(base64_encode, {"data": "", "urlsafe": "yes"})
    assert "limit" in await refused(base64_encode, {"data": "x" * ONE_MIB})


async def test_hash_is_stable_and_canonical() -> None:
    assert await run(hash_data, {"data": "abc"}) == {"hash": hashlib.sha256(b"abc").hexdigest()}
    first = await run(hash_data, {"data": {"b": [1, {"y": 2, "x": "é"}], "a": None}})
    second = await run(hash_data, {"data": {"a": None, "b": [1, {"x": "é", "y": 2}]}})
    canonical = '{"a":null,"b":[1,{"x":"é","y":2}]}'.encode()
    assert first == second == {"hash": hashlib.sha256(canonical).hexdigest()}
    # pinned, so a change of canonical form is noticed: hashes stored elsewhere would stop matching
    assert first["hash"] == "f2b6e6ae2669a2d216e8710e90194823f84965bda5afc10c8ff0c59f68378678"
    assert await run(hash_data, {"data": [1, 2], "algorithm": "md5"}) == {
        "hash": hashlib.md5(b"[1,2]").hexdigest()
    }
    for algorithm in ("sha1", "sha512"):
        expected = hashlib.new(algorithm, b"42").hexdigest()
        assert await run(hash_data, {"data": 42, "algorithm": algorithm}) == {"hash": expected}


async def test_hash_refusals() -> None:
    assert "'algorithm' must be one of sha256, sha1, md5, sha512" in await refused(
        hash_data, {"data": "x", "algorithm": "crc32"}
    )
    assert "missing argument 'data'" in await refused(hash_data, {})
    assert "NaN" in await refused(hash_data, {"data": [float("nan")]})


async def test_json_parse_and_stringify() -> None:
    assert await run(json_parse, {"text": '{"a": [1, 2.5, "x", null, true]}'}) == {
        "value": {"a": [1, 2.5, "x", None, True]}
    }
    assert await run(json_stringify, {"value": {"b": 1, "a": "é"}}) == {"text": '{"b":1,"a":"é"}'}
    assert await run(json_stringify, {"value": {"b": 1, "a": 2}, "sort_keys": True, "indent": 2}) == {
        "text": '{\n  "a": 2,\n  "b": 1\n}'
    }
    assert await run(json_stringify, {"value": None}) == {"text": "null"}


async def test_json_refusals() -> None:
    assert "not valid JSON" in await refused(json_parse, {"text": "{nope"})
    assert "NaN" in await refused(json_parse, {"text": "[NaN]"})
    assert "nests" in await refused(json_parse, {"text": "[" * 200 + "]" * 200})
    assert "nests" in await refused(json_parse, {"text": "[" * 100_000 + "]" * 100_000})
    assert "'indent'" in await refused(json_stringify, {"value": 1, "indent": 9})
    assert "'indent'" in await refused(json_stringify, {"value": 1, "indent": True})
    assert "'sort_keys'" in await refused(json_stringify, {"value": 1, "sort_keys": 1})
    assert "limit" in await refused(json_stringify, {"value": ["x" * 600_000, "y" * 600_000]})


# --- ids, clock, log, echo, fail ------------------------------------------------------------------------


async def test_uuid_is_a_fresh_v4() -> None:
    first, second = await run(uuid, {}), await run(uuid, None)
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", first["uuid"])
    assert first != second


async def test_now_formats() -> None:
    before = int(time.time())
    iso = (await run(now, {}))["now"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", iso)
    parsed = datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()
    assert before <= parsed <= time.time()
    epoch = (await run(now, {"format": "epoch"}))["now"]
    assert isinstance(epoch, int) and before <= epoch <= time.time()
    epoch_ms = (await run(now, {"format": "epoch_ms"}))["now"]
    assert isinstance(epoch_ms, int) and before * 1000 <= epoch_ms <= time.time() * 1000
    assert "'format' must be one of iso, epoch, epoch_ms" in await refused(now, {"format": "rfc2822"})


async def test_log_writes_through_the_activity_logger(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger=activity.logger.base_logger.name):
        assert await run(log, {"message": "order %s placed", "level": "warning", "data": {"id": 7}}) == {
            "logged": True
        }
        assert await run(log, {"message": "x" * 20_000}) == {"logged": True}
    first, second = caplog.records[-2:]
    assert first.levelno == logging.WARNING
    assert first.getMessage().startswith('order %s placed data={"id":7}')
    assert first.log_data == {"id": 7}  # type: ignore[attr-defined]
    assert second.levelno == logging.INFO and "more characters" in second.getMessage()


async def test_log_refusals() -> None:
    assert "missing argument 'message'" in await refused(log, {})
    assert "'level' must be one of" in await refused(log, {"message": "m", "level": "loud"})
    assert "'message' must be a string" in await refused(log, {"message": 5})


async def test_echo_returns_its_arguments() -> None:
    arguments = {"a": [1, {"b": None}], "c": "d"}
    assert await run(echo, arguments) == arguments
    assert await run(echo, {}) == {}
    assert await run(echo, None) == {}


async def test_fail_raises_what_it_is_told() -> None:
    with pytest.raises(ApplicationError) as caught:
        await run(fail, {})
    assert caught.value.type == "builtin_fail" and caught.value.non_retryable is True
    with pytest.raises(ApplicationError) as caught:
        await run(
            fail,
            {"type": "payment_declined", "message": "card declined", "retryable": True, "details": {"n": 1}},
        )
    assert caught.value.type == "payment_declined" and caught.value.message == "card declined"
    assert caught.value.non_retryable is False and caught.value.details == ({"n": 1},)


async def test_fail_refusals() -> None:
    assert "'retryable' must be a boolean" in await refused(fail, {"retryable": "yes"})
    assert "'type' must be a non-empty string" in await refused(fail, {"type": ""})
    assert "'type' must be a string" in await refused(fail, {"type": 3})
