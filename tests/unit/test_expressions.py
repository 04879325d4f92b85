"""The jq facade: validation, guarded and in-process evaluation, limits, templates and data merging."""

from __future__ import annotations

import copy
import ctypes
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import jq
import pytest

from swengine import expressions
from swengine.core import json_merge
from swengine.core.errors import ExpressionError, ExpressionLimitExceeded
from swengine.core.settings import parse_bytes
from swengine.expressions import cost as jq_cost
from swengine.expressions import syntax as jq_syntax
from swengine.expressions import templates


@pytest.fixture(autouse=True)
def fresh_pool() -> Iterator[None]:
    """Default limits, and no evaluator process left behind by a test."""
    expressions.configure()
    yield
    expressions.configure()
    expressions.shutdown()


@pytest.fixture
def short_limits() -> None:
    expressions.configure(timeout_seconds=0.5, memory_bytes=64 * 2**20)


def forced_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(expressions, "IN_PROCESS_BUDGET", -1)


def codes(expr: str) -> list[str]:
    return [code for code, _ in expressions.find_problems(expr)]


# ---------------------------------------------------------------------------------------------------------
# ${ } wrapping


@pytest.mark.parametrize("value", ["${ .a }", "${.a}", "  ${ .a | .b }  ", "${\n  .a\n}", "${ {a: 1} }"])
def test_is_expression_accepts_whole_wrapped_strings(value: str) -> None:
    assert expressions.is_expression(value)


@pytest.mark.parametrize(
    "value", [".a", "x ${ .a }", "${ .a } x", "$ { .a }", "{ .a }", 5, None, ["${ .a }"]]
)
def test_is_expression_refuses_everything_else(value: Any) -> None:
    assert not expressions.is_expression(value)


def test_strip_unwraps_and_trims() -> None:
    unwrap = expressions.strip  # (a name ruff's B005 does not mistake for str.strip)
    assert unwrap("${ .a }") == ".a"
    assert unwrap("  ${ {a: .b} }\n") == "{a: .b}"
    assert unwrap("  .a | .b ") == ".a | .b"


# ---------------------------------------------------------------------------------------------------------
# find_problems


@pytest.mark.parametrize(
    "expr",
    [
        ".a.b",
        "${ .a.b }",
        '$CONST.greeting + ", " + $item.name',  # variables are bound at run time
        "{env: 1, now: .now, input: .env} | .env",  # keys and field names are not calls
        "{env} | {now}",
        '"env, now and $ENV in a string"',
        ". as {env: $x} | $x",
        "0 | gmtime | mktime | todate",  # pure time functions are allowed
        "def f: . + 1; f",
        ".a # env in a comment",
        ".a # a comment a trailing backslash continues \\\n | env",  # libjq 1.8: still the comment
        '"a" | ltrimstr("a") | [splits("x")] | @sh',
        "(\n.a\n),\n(\n.b\n)",  # how the validator checks many expressions at once
    ],
)
def test_valid_expressions_have_no_problem(expr: str) -> None:
    assert expressions.find_problems(expr) == []


@pytest.mark.parametrize(
    ("expr", "name"),
    [
        ("env", "env"),
        ("env.HOME", "env"),
        ("$ENV.SECRET", "$ENV"),
        ("{$ENV}", "$ENV"),
        ('"\\(env)"', "env"),
        ("{(env | keys[0]): 1}", "env"),
        ("{a: env}", "env"),
        ("now", "now"),
        ("now | localtime", "localtime"),
        ('strflocaltime("%H")', "strflocaltime"),
        ("input", "input"),
        ("[inputs]", "inputs"),
        ("input_filename", "input_filename"),
        ("input_line_number", "input_line_number"),
        ('import "m" as $m; .', "import"),
        ('include "m"; .', "include"),
        ('"m" | modulemeta', "modulemeta"),
        ("get_search_list", "get_search_list"),
        ("get_prog_origin", "get_prog_origin"),
        ("get_jq_origin", "get_jq_origin"),
        ("debug", "debug"),
        ('debug("x")', "debug"),
        ("stderr", "stderr"),
        ("halt", "halt"),
        ('"x" | halt_error(1)', "halt_error"),
        ("$__loc__.line", "$__loc__"),
        ("builtins", "builtins"),
        ("have_decnum", "have_decnum"),
        ("reduce env as $e (0; 1)", "env"),
        ("1 # two backslashes end the comment \\\\\n | env", "env"),
    ],
)
def test_forbidden_builtins_are_refused_by_name(expr: str, name: str) -> None:
    problems = expressions.find_problems(expr)
    assert ("forbidden_builtin", f"`{name}` ") in [
        (code, message[: len(name) + 3]) for code, message in problems
    ]
    assert all(code in ("forbidden_builtin", "invalid_expression") for code, _ in problems)


def test_an_import_is_reported_once_as_forbidden() -> None:
    assert codes('import "x" as $d {search: "/etc"}; $d') == ["forbidden_builtin"]


def test_the_forbidden_list_names_real_libjq_builtins() -> None:
    builtins = {entry.split("/")[0] for entry in jq.compile("builtins").input_value(None).first()}
    for name, reason in expressions.FORBIDDEN_BUILTINS:
        assert reason
        if not name.startswith("$") and name not in ("import", "include"):
            assert name in builtins, name


@pytest.mark.parametrize(
    ("expr", "fragment"),
    [
        (".a |", "end of expression"),
        ("foo", "foo/0 is not defined at line 1, column 1"),
        (".a\n| bar(1)", "bar/1 is not defined at line 2, column 3"),
        ("(.a", "unclosed '('"),
        (".a)", "unmatched ')'"),
        ("[.a}", "closed by '}'"),
        ('"abc', "unterminated string"),
        ("", "empty expression"),
        ("${ }", "empty expression"),
        ("$undefined_but_fine | foo", "foo/0 is not defined"),
    ],
)
def test_invalid_expressions_report_jq_errors_in_user_coordinates(expr: str, fragment: str) -> None:
    problems = expressions.find_problems(expr)
    assert [code for code, _ in problems] == ["invalid_expression"]
    assert fragment in problems[0][1]
    assert "<top-level>" not in problems[0][1] and "def env" not in problems[0][1]


def test_programs_outside_the_fast_path_are_compiled_in_the_pool() -> None:
    # libjq folds constants while compiling: this one would allocate a gigabyte in the validating process.
    assert expressions._analyse('"x" * 1e9').bound is None
    problems = expressions.find_problems('"x" * 1e9')
    assert [code for code, _ in problems] == ["invalid_expression"]
    assert "memory limit while compiling" in problems[0][1]
    assert codes("[range(3)] | foo") == ["invalid_expression"]
    assert codes("[range(3)] | add") == []


# ---------------------------------------------------------------------------------------------------------
# Evaluation


ORDER = {
    "customer": {"name": "Ada", "tier": "gold"},
    "items": [{"sku": "A", "price": 12, "qty": 1}, {"sku": "B", "price": 5, "qty": 3}],
    "note": None,
}


def test_evaluate_returns_the_first_output() -> None:
    assert expressions.evaluate(".customer.name", ORDER) == "Ada"
    assert expressions.evaluate("${ .items[].sku }", ORDER) == "A"
    assert expressions.evaluate("empty", ORDER) is None
    assert expressions.evaluate("[.items[] | select(.price > 10) | .sku]", ORDER) == ["A"]


def test_evaluate_all_returns_every_output() -> None:
    assert expressions.evaluate_all(".items[].sku", ORDER) == ["A", "B"]
    assert expressions.evaluate_all("empty", ORDER) == []
    assert expressions.evaluate_all(".customer.name, .note", ORDER) == ["Ada", None]


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("true", True),
        ("0", True),  # jq truthiness: only null and false are false
        ('""', True),
        ("[]", True),
        ("false", False),
        ("null", False),
        ("empty", False),
        (".note", False),
        ('.customer.tier == "gold"', True),
        ("false, true", False),  # the first output decides
    ],
)
def test_evaluate_bool_uses_jq_truthiness(expr: str, expected: bool) -> None:
    assert expressions.evaluate_bool(expr, ORDER) is expected


def test_variables_are_bound_by_name() -> None:
    variables = {"CONST": {"greeting": "Hello"}, "item": {"sku": "B"}, "unused": object()}
    assert expressions.evaluate('$CONST.greeting + " " + .customer.name', ORDER, variables) == "Hello Ada"
    assert expressions.evaluate(".items[] | select(.sku == $item.sku) | .qty", ORDER, variables) == 3
    # a variable the caller does not supply is a jq compile error, not a silent null
    with pytest.raises(ExpressionError, match=r"\$missing is not defined"):
        expressions.evaluate("$missing", ORDER, variables)


def test_runtime_errors_carry_jq_messages() -> None:
    with pytest.raises(ExpressionError, match="Cannot index number") as caught:
        expressions.evaluate(".a.b", {"a": 5})
    assert not isinstance(caught.value, ExpressionLimitExceeded)
    assert caught.value.code == "expression_error"
    with pytest.raises(ExpressionError, match="boom"):
        expressions.evaluate('error("boom")', {})


def test_evaluating_an_invalid_expression_is_an_expression_error() -> None:
    with pytest.raises(ExpressionError, match="invalid expression: foo/0 is not defined"):
        expressions.evaluate(".a | foo", {})
    with pytest.raises(ExpressionError, match="unmatched"):
        expressions.evaluate(".a) | (env", {})  # cannot close the wrapper's own brackets


def test_input_must_be_json() -> None:
    with pytest.raises(ExpressionError, match="not JSON"):
        expressions.evaluate(".", {"when": object()})
    assert expressions.evaluate(".", float("nan")) is None  # as jq reads NaN


def test_simple_expressions_run_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_pool() -> None:
        raise AssertionError("the evaluator pool was used")

    monkeypatch.setattr(expressions, "_pool", no_pool)
    assert expressions.evaluate(".customer.name", ORDER) == "Ada"
    assert expressions.evaluate('{n: (.items | length), t: "\\(.customer.tier)!"}', ORDER) == {
        "n": 2,
        "t": "gold!",
    }
    assert expressions.evaluate_bool(".items | any(.price > 10)", ORDER)
    assert expressions.evaluate_path(".items[0].sku", ORDER) == ["items", 0, "sku"]


@pytest.mark.parametrize(
    "expr",
    [
        "until(false; .)",
        "[range(10)]",
        '"x" * 3',
        "def f: 1; f",
        ".. | numbers",
        "env",
        "reduce .[] as $x (0; 1)",
    ],
)
def test_unbounded_or_unmodelled_programs_never_run_in_process(expr: str) -> None:
    assert expressions._analyse(expr).bound is None


def test_in_process_evaluation_depends_on_the_input_size() -> None:
    bound = expressions._analyse("[{a: .[], b: .[]}] | length").bound  # quadratic
    assert bound is not None and len(bound) == 3
    assert expressions._within_budget(bound, 20)
    assert not expressions._within_budget(bound, 10_000)
    assert expressions.evaluate("[{a: .[], b: .[]}] | length", list(range(300))) == 90_000  # (in the pool)


EQUIVALENCE = [
    (".customer.name", ORDER),
    ("{a: .customer, n: (.items | length)}", ORDER),
    ("keys", ORDER),  # reads the whole input: nothing may be left out
    ("to_entries | map(.key)", ORDER),
    (". as $o | $o.items | map(.sku)", ORDER),
    ("[.[]] | length", ORDER),
    ("tojson | length", ORDER),
    ('.items | map("\\(.sku)x\\(.qty)") | join(",")', ORDER),
    ("[.items[] | .price * .qty] | add", ORDER),
    ("[.items[].price] | sort | reverse", ORDER),
    ("if .note then 1 elif .customer then 2 else 3 end", ORDER),
    ("try error({a: 1}) catch .a", ORDER),
    (".missing // .customer.tier", ORDER),
    (".customer | with_entries(.value |= ascii_upcase) | del(.tier)", ORDER),
    ("[.[] | numbers] | min_by(.)", [3, "x", 1]),
    (".x - .y", {"x": [1, 2, 3, 2], "y": [2]}),
    ('.s | split(", ") | map(ascii_downcase)', {"s": "A, B, C"}),
    ("[paths]", {"a": [1, {"b": 2}]}),
    ('@base64 "\\(.)" | @base64d', "héllo ✓"),
    ("[.[] | tostring]", [1, 1.5, True, None, "s", [1], {"k": 1}]),
    ("[1e100, 1e17, 0.1 + 0.2, .big, .big + 1, infinite, nan]", {"big": 2**64}),
]


@pytest.mark.parametrize(("expr", "data"), EQUIVALENCE)
def test_in_process_and_pooled_evaluation_agree(
    expr: str, data: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    local = expressions.evaluate_all(expr, data)
    forced_pool(monkeypatch)
    assert expressions.evaluate_all(expr, data) == local
    assert expressions.evaluate(expr, data) == (local[0] if local else None)


@pytest.mark.parametrize("name", ["e1", "E5", "e", "e1x"])
def test_a_field_named_like_an_exponent_is_a_field_as_in_jq(name: str) -> None:
    data = {name: 41}
    assert expressions._analyse(f".{name} + 1").fields == {name}
    assert (
        expressions.evaluate(f"${{ .{name} + 1 }}", data)
        == jq.compile(f".{name} + 1").input_value(data).first()
    )


def test_numbers_lex_as_in_jq() -> None:
    assert [(t.kind, t.text) for t in jq_syntax.tokenize("1.2.3 .5 3.e2 .e1")] == [
        ("number", "1.2"), ("number", ".3"), ("number", ".5"), ("number", "3.e2"), ("field", "e1")]  # fmt: skip


def test_unread_fields_are_left_out_of_the_input() -> None:
    assert expressions._analyse(".a.b + .c[0]").fields == {"a", "c"}
    assert expressions._analyse("{x: .a} | keys").fields == {"a"}
    assert expressions._analyse(".a | length, .b").fields == {"a"}  # (.b reads .a)
    assert expressions._analyse("(.a | length), .b").fields == {"a", "b"}
    assert expressions._analyse('.["a-b"] | .').fields == {"a-b"}
    for expr in (
        "keys",
        ".",
        ".[0]",
        ".[.k]",
        "length",
        ". as $d | $d",
        "map(.a)",
        ".[] | .a",
        "tojson",
    ):
        assert expressions._analyse(expr).fields is None, expr


# ---------------------------------------------------------------------------------------------------------
# Limits: no expression can freeze or crash the worker


def assert_still_working() -> None:
    assert expressions.evaluate("[range(3)] | add", {}) == 3  # pooled
    assert expressions.evaluate(".a", {"a": 1}) == 1  # in-process


def test_an_endless_loop_is_stopped_at_the_time_limit(short_limits: None) -> None:
    start = time.monotonic()
    with pytest.raises(ExpressionLimitExceeded, match=r"exceeded its 0\.5 s time limit") as caught:
        expressions.evaluate("until(false; .)", {})
    elapsed = time.monotonic() - start
    assert 0.45 <= elapsed < 1.5
    assert caught.value.code == "expression_limit_exceeded"
    assert_still_working()


@pytest.mark.parametrize("expr", ["[range(1e9)]", '"x" * 1e9', '"x" * (1e9 + length)'])
def test_huge_allocations_hit_the_memory_limit(short_limits: None, expr: str) -> None:
    expressions.configure(timeout_seconds=10, memory_bytes=64 * 2**20)
    with pytest.raises(ExpressionLimitExceeded, match="exceeded its 64 MiB memory limit"):
        expressions.evaluate(expr, "ab")
    assert_still_working()


def test_endless_recursion_cannot_crash_the_worker(short_limits: None) -> None:
    with pytest.raises(ExpressionLimitExceeded, match="memory limit|crashed|time limit"):
        expressions.evaluate("def f: 1 + f; f", {})
    assert_still_working()


def test_exponential_growth_is_not_run_in_process() -> None:
    doubling = " | ".join(["(. + .)"] * 40)
    assert expressions._analyse(doubling).bound is None
    expressions.configure(memory_bytes=64 * 2**20)
    with pytest.raises(ExpressionLimitExceeded, match="memory limit"):
        expressions.evaluate(doubling, "ab")
    assert_still_working()


@pytest.mark.parametrize(
    ("expr", "variables"), [("${ .a | nth(.) }", None), ("${ $CONST.a | nth(.) }", "CONST")]
)
def test_a_quadratic_search_never_freezes_the_process(expr: str, variables: str | None) -> None:
    """Issue 11, item 3: it held the interpreter lock for ~10 s in the fast path (measured 167 ms at 1,000
    elements, quadratic); now the model charges the search and the pool bounds it."""
    data = {"a": [1] * 9979}
    ticks: list[float] = []
    done = threading.Event()

    def tick() -> None:  # stands in for /healthz and the SDK's own threads
        while not done.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.01)

    ticker = threading.Thread(target=tick)
    ticker.start()
    began = time.monotonic()
    try:
        if variables:
            expressions.evaluate(expr, {}, {variables: data})
        else:
            expressions.evaluate(expr, data)
    except ExpressionLimitExceeded:
        pass
    finally:
        done.set()
        ticker.join()
    assert time.monotonic() - began < 5  # the 1 s bound, with room for a loaded machine
    assert max(b - a for a, b in zip(ticks, ticks[1:], strict=False)) < 0.5


def test_an_evaluator_killed_from_outside_is_replaced() -> None:
    assert expressions.evaluate("[range(2)]", {}) == [0, 1]
    pool = expressions._pool()
    evaluators = list(pool._all)
    for evaluator in evaluators:
        if evaluator.process is not None:
            evaluator.process.kill()
            evaluator.process.wait()
    assert expressions.evaluate("[range(2)]", {}) == [0, 1]


class Interrupted(BaseException):
    """What Temporal's deadlock detector raises into a workflow thread that held on too long."""


def _raise_in(thread: threading.Thread, exc: type[BaseException]) -> None:
    assert thread.ident is not None
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident), ctypes.py_object(exc))


@pytest.fixture
def one_evaluator() -> Iterator[None]:
    expressions.configure(timeout_seconds=10, pool_size=1)  # every request meets the same evaluator
    yield
    expressions.configure()


@pytest.mark.parametrize("warm", [True, False], ids=["mid-request", "while-starting-or-mid-request"])
def test_an_interrupted_evaluation_never_answers_the_next_one(one_evaluator: None, warm: bool) -> None:
    """Issue 11, item 1: the interrupted caller's reply stayed in the pipe and the next caller read it.
    A cold evaluator may be interrupted before its "ready" line is read: that line is a pending reply too."""
    slow = "(reduce range(700000) as $i (0; .+1)) as $x | .secret"
    outcome: list[object] = []
    if warm:
        assert expressions.evaluate("[range(1)]", {}) == [0]

    def interrupted() -> None:
        try:
            outcome.append(expressions.evaluate(slow, {"secret": "S0"}))
        except Interrupted:
            outcome.append("interrupted")

    thread = threading.Thread(target=interrupted)
    thread.start()
    time.sleep(0.1)  # it waits for the evaluator's reply; the exception lands when the reply is ready
    _raise_in(thread, Interrupted)
    thread.join(timeout=30)
    assert outcome == ["interrupted"]
    for n in range(1, 4):
        assert expressions.evaluate('.secret | test("x") as $t | .', {"secret": f"S{n}"}) == f"S{n}"


def test_a_reply_to_another_request_is_refused(one_evaluator: None) -> None:
    assert expressions.evaluate("[range(2)]", {}) == [0, 1]
    (evaluator,) = expressions._pool()._all
    assert evaluator.process is not None and evaluator.process.stdin is not None
    evaluator.process.stdin.write(b'999 {"p": "\\"stale\\"", "c": false}\n{}\n')  # a reply left pending
    evaluator.process.stdin.flush()
    with pytest.raises(ExpressionLimitExceeded, match="another request"):
        expressions.evaluate('[range(3)] | map(tostring) | join("")', {})
    assert expressions.evaluate('[range(4)] | map(tostring) | join("")', {}) == "0123"


def test_an_evaluator_held_by_a_thread_that_is_gone_is_taken_back(one_evaluator: None) -> None:
    """A thread interrupted while giving its evaluator back, that then ended, does not shrink the pool."""
    assert expressions.evaluate("[range(2)]", {}) == [0, 1]
    gone = threading.Thread(target=lambda: None)
    gone.start()
    gone.join()
    (evaluator,) = expressions._pool()._all
    evaluator.owner, evaluator.pending = gone.ident, True
    assert expressions.evaluate("[range(3)]", {}) == [0, 1, 2]


def test_concurrent_evaluations_give_correct_results(short_limits: None) -> None:
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for i in range(25):
                data = {"n": worker * 100 + i, "items": list(range(i % 5))}
                assert expressions.evaluate(".n + 1", data) == data["n"] + 1
                assert expressions.evaluate("[range(.n % 7)] | length", data) == data["n"] % 7
                assert expressions.evaluate_all(".items[]", data) == data["items"]
                assert expressions.evaluate("$w * 2", data, {"w": worker}) == worker * 2
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    def breach() -> None:
        with pytest.raises(ExpressionLimitExceeded):
            expressions.evaluate("until(false; .)", {})

    threads = [threading.Thread(target=work, args=(worker,)) for worker in range(8)]
    threads.append(threading.Thread(target=breach))  # a runaway expression does not disturb the others
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors[0]


def test_the_host_environment_is_invisible(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET", "hunter2")
    assert codes("$ENV.SECRET") == ["forbidden_builtin"]
    assert codes("env.SECRET") == ["forbidden_builtin"]
    # evaluated anyway (validation skipped): the prelude and the evaluator's empty environment reveal nothing
    assert expressions.evaluate("$ENV", {}) == {}
    assert expressions.evaluate("env", {}) == {}
    assert expressions.evaluate("[$ENV.SECRET, env.SECRET]", {}) == [None, None]
    assert "hunter2" not in json.dumps(expressions.evaluate_all("env, $ENV, ($ENV | tostring)", {}))
    for expr in ("now", "input", "[inputs]", "0 | localtime", "halt", '"x" | halt_error'):
        with pytest.raises(ExpressionError, match="not allowed"):
            expressions.evaluate(expr, {})
    assert expressions.evaluate("debug | . + 1", 1) == 2  # debug writes nowhere


def test_configure_validates_and_applies_limits() -> None:
    with pytest.raises(ValueError):
        expressions.configure(timeout_seconds=0)
    with pytest.raises(ValueError):
        expressions.configure(memory_bytes=1024)
    with pytest.raises(ValueError):
        expressions.configure(pool_size=0)
    expressions.configure(timeout_seconds=0.3, pool_size=1)
    assert expressions._pool().timeout == 0.3
    assert parse_bytes("512M") == 512 * 2**20
    assert parse_bytes("1GiB") == 2**30
    assert parse_bytes("1000") == 1000
    with pytest.raises(ValueError):
        parse_bytes("lots")


# ---------------------------------------------------------------------------------------------------------
# evaluate_path


@pytest.mark.parametrize(
    ("expr", "path"),
    [
        (".a.b", ["a", "b"]),
        ("${ .a[0].b }", ["a", 0, "b"]),
        (".", []),
        ('.["x y"]', ["x y"]),
        (".a | .b", ["a", "b"]),
        ("if .flag then .yes else .no end", ["no"]),
        (".items[$i]", ["items", 1]),
    ],
)
def test_evaluate_path(expr: str, path: list[str | int]) -> None:
    assert expressions.evaluate_path(expr, {"flag": False}, {"i": 1}) == path


@pytest.mark.parametrize("expr", ["1 + 1", "$x", ".a[1:2]", "empty", '"a"'])
def test_evaluate_path_refuses_what_is_not_a_path(expr: str) -> None:
    with pytest.raises(ExpressionError):
        expressions.evaluate_path(expr, {"a": [1, 2, 3]}, {"x": 1})


# ---------------------------------------------------------------------------------------------------------
# template_to_jq


def test_template_example() -> None:
    program = templates.template_to_jq({"name": "${ .person.name }", "n": 5})
    assert program == '{"name": (.person.name), "n": 5}'
    assert expressions.evaluate(program, {"person": {"name": "Ada"}}) == {"name": "Ada", "n": 5}


@pytest.mark.parametrize(
    "tree", [{"a": 1, "b": ["x", {"c": None}]}, "plain", 5, None, [], {}, {"s": "id-${ .x }"}]
)
def test_template_without_expressions_is_none(tree: Any) -> None:
    assert templates.template_to_jq(tree) is None


def test_template_builds_the_tree_with_literals_kept_exactly() -> None:
    literals = {
        "a b": "spaces",
        "if": "keyword",
        "$x": "dollar",
        'q"uo\\te': 'a "quoted" \\ back\\slash',
        "é✓": "unicode ✓ 😀",
        "mid": "id-${ .x }",  # 0.8 expressions are whole strings: this is text
        "end": "${ .x } and more",
        "interp": "\\(not code)",
        "lines": "a\nb\tc",
        "numbers": [0, -1, 2.5, -0.25, 1e100, 2**53, True, False, None],
        "empty": [[], {}],
    }
    tree = {**literals, "value": "${ .x }", "nested": [1, ["${ .y }", [True, None]], {"k": ["${ .x + .y }"]}]}
    program = templates.template_to_jq(tree)
    assert program is not None
    assert expressions.find_problems(program) == []
    assert expressions.evaluate(program, {"x": 1, "y": 2}) == {
        **literals,
        "value": 1,
        "nested": [1, [2, [True, None]], {"k": [3]}],
    }


def test_template_expressions_may_end_with_a_comment() -> None:
    program = templates.template_to_jq({"a": "${ .x # the x }", "b": "${ .y }"})
    assert program is not None
    assert expressions.evaluate(program, {"x": 1, "y": 2}) == {"a": 1, "b": 2}


def test_template_of_a_single_expression() -> None:
    assert templates.template_to_jq("${ .a }") == "(.a)"
    assert templates.template_to_jq(["${ .a }", "b"]) == '[(.a), "b"]'


# ---------------------------------------------------------------------------------------------------------
# merge (spec 0.8, "Data Merging")


def test_merge_objects_deeply_with_the_source_winning() -> None:
    state = {"customer": {"name": "John", "address": "1234 street", "zip": "12345"}}
    event = {"customer": {"name": "John", "zip": "54321"}}
    assert json_merge.merge(state, event) == {
        "customer": {"name": "John", "address": "1234 street", "zip": "54321"}
    }


def test_merge_arrays_concatenates_unique_elements() -> None:
    michael = {"name": "Michael", "address": "6789 street", "zip": "6789"}
    john = {"name": "John", "address": "1234 street", "zip": "12345"}
    jane = {"name": "Jane", "address": "4321 street", "zip": "54321"}
    merged = json_merge.merge({"customers": [michael]}, {"customers": [john, jane]})
    assert merged == {"customers": [michael, john, jane]}
    assert json_merge.merge([1, 2], [2, 3, 3]) == [1, 2, 3]
    assert json_merge.merge([{"a": 1, "b": 2}], [{"b": 2, "a": 1}]) == [{"a": 1, "b": 2}]  # key order ignored
    assert json_merge.merge([1], [1.0, True]) == [1, True]  # JSON equality: 1 == 1.0, true != 1


def test_merge_overwrites_numbers_strings_and_mismatched_types() -> None:
    assert json_merge.merge({"age": 20}, {"age": 30}) == {"age": 30}
    assert json_merge.merge({"name": "a"}, {"name": "b"}) == {"name": "b"}
    assert json_merge.merge({"a": [1]}, {"a": {"x": 1}}) == {"a": {"x": 1}}
    assert json_merge.merge({"a": 1}, [1]) == [1]
    assert json_merge.merge({"a": 1, "b": 2}, {"b": None}) == {"a": 1, "b": None}


def test_merge_never_mutates_copies_the_source_and_shares_what_the_target_keeps() -> None:
    target = {"a": {"b": [1, {"c": 1}]}, "keep": {"deep": [1]}}
    source = {"a": {"b": [2], "d": {"e": 1}}, "new": [{"x": 1}]}
    before = copy.deepcopy((target, source))
    merged = json_merge.merge(target, source)
    assert (target, source) == before
    # state data is never mutated in place: what the target keeps is shared, so a merge costs what changes
    assert merged["keep"] is target["keep"]
    assert merged["a"]["b"][1] is target["a"]["b"][1]
    assert merged["a"] is not target["a"] and merged["a"]["b"] is not target["a"]["b"]
    # the source may belong to the definition (inject data): the merged data never aliases it
    merged["a"]["d"]["e"] = 99
    merged["new"][0]["x"] = 99
    assert source == before[1]


def test_merge_at_shares_the_siblings_of_the_path() -> None:
    data = {"big": {"rows": [1, 2, 3]}, "count": 1, "deep": {"x": {"y": 1}, "z": [1]}}
    merged = json_merge.merge_at(data, ["deep", "x", "y"], 2)
    assert merged == {"big": {"rows": [1, 2, 3]}, "count": 1, "deep": {"x": {"y": 2}, "z": [1]}}
    assert merged["big"] is data["big"] and merged["deep"]["z"] is data["deep"]["z"]
    assert data["deep"]["x"] == {"y": 1}


def test_merge_at_a_path() -> None:
    data = {"a": {"x": 1}, "list": [{"k": 1}]}
    assert json_merge.merge_at(data, None, {"b": 2}) == {"a": {"x": 1}, "list": [{"k": 1}], "b": 2}
    assert json_merge.merge_at(data, [], {"b": 2}) == json_merge.merge(data, {"b": 2})
    assert json_merge.merge_at(data, ["a"], {"y": 2})["a"] == {"x": 1, "y": 2}
    assert json_merge.merge_at(data, ["new", "deep"], [1]) == {**data, "new": {"deep": [1]}}
    assert json_merge.merge_at(data, ["list", 0], {"v": 2})["list"] == [{"k": 1, "v": 2}]
    assert json_merge.merge_at(data, ["list", 2], "z")["list"] == [{"k": 1}, None, "z"]
    assert json_merge.merge_at(data, ["list", -1, "k"], 5)["list"] == [{"k": 5}]
    assert json_merge.merge_at(None, ["a"], 1) == {"a": 1}
    assert data == {"a": {"x": 1}, "list": [{"k": 1}]}
    assert list(json_merge.merge_at({"p": 1, "q": 2}, ["p"], 3)) == ["p", "q"]  # key order kept


@pytest.mark.parametrize(("data", "path"), [({"a": 5}, ["a", "b"]), ({"a": {}}, ["a", 0]), ([1], [-3])])
def test_merge_at_refuses_paths_through_other_types(data: Any, path: list[str | int]) -> None:
    with pytest.raises(ExpressionError, match="cannot merge"):
        json_merge.merge_at(data, path, 1)


# ---------------------------------------------------------------------------------------------------------
# The static analysis behind the fast path


def analyse(expr: str) -> tuple[float, ...]:
    return jq_cost.bound(jq_syntax.parse(jq_syntax.tokenize(expr)), len(expr))


def test_cost_bounds_follow_the_shape_of_the_program() -> None:
    assert len(analyse(".a.b")) == 2  # linear in the input
    assert len(analyse("map(.a)")) == 2
    assert len(analyse("{a: .[], b: .[]}")) == 3  # every pair of elements
    assert len(analyse(". as $x | map($x)")) == 3  # the whole input once per element
    doubling = [" | ".join(["(. + .)"] * stages) for stages in (5, 10)]
    assert analyse(doubling[1])[1] > 2**4 * analyse(doubling[0])[1]  # grows exponentially with the stages


@pytest.mark.parametrize(
    "expr", ["try " * 3000 + ".a", ".a // " * 3000 + ".b", "-" * 3000 + "1", "(" * 2000 + "1" + ")" * 2000]
)
def test_deeply_nested_programs_are_analysed_without_recursion_errors(expr: str) -> None:
    analysis = expressions._analyse(expr)
    assert analysis.bound is None  # deeper than the fast path allows: compiled and run in a child only
    assert analysis.lex_error is None


def test_deeply_nested_data_is_an_expression_error() -> None:
    data: Any = []
    for _ in range(5000):
        data = [data]
    with pytest.raises(ExpressionError, match="not JSON"):
        expressions.evaluate(".", data)


def test_tokens_and_names_used() -> None:
    tokens = jq_syntax.tokenize('{env: 1, a: now, "b": $ENV, (input): 1, c: "\\(inputs)"} | .env | {halt}')
    calls, variables = jq_syntax.names_used(tokens)
    assert calls >= {"now", "input", "inputs"}
    assert "env" not in calls and "halt" not in calls
    assert variables == {"ENV"}
    assert [t.kind for t in jq_syntax.tokenize(".5 .. .a $__loc__ @base64 a::b")] == [
        "number",
        "op",
        "field",
        "var",
        "format",
        "ident",
    ]
