"""The jq facade: ``${ }`` handling, the forbidden-builtin check, cached and guarded evaluation, data merging.

Expressions are untrusted code. Validation refuses builtins that read the host or the clock
(:data:`FORBIDDEN_BUILTINS`). The simplest programs are answered in Python exactly as libjq would answer them
(:mod:`swengine.expressions.native`). Every other program is compiled behind a prelude that shadows the
forbidden builtins again, and it runs either in-process (when a static cost bound, evaluated for the actual
input size, is within :data:`IN_PROCESS_BUDGET`) or in a pool of evaluator processes bounded in time and memory
(:mod:`swengine.expressions.pool`). Results depend only on the expression, the data and the variables.
"""

from __future__ import annotations

import atexit
import json
import math
import os
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jq

from swengine.core.errors import ExpressionError, ExpressionLimitExceeded
from swengine.core.settings import expression_limits_from_env
from swengine.expressions import cost as jq_cost
from swengine.expressions import stats
from swengine.expressions import syntax as jq_syntax
from swengine.expressions.native import Checked, Decline, Program, checked_containers, compile_native
from swengine.expressions.pool import EvaluatorPool

# Builtins an expression may not use, checked at validation. libjq 1.8's own list (`builtins`) was the
# starting point; pure ones stay allowed, including gmtime, mktime, strftime, strptime, todate, fromdate
# (measured: they ignore TZ), getpath, splits, ltrimstr, @sh and error.
FORBIDDEN_BUILTINS: tuple[tuple[str, str], ...] = (
    # the host environment, secrets included
    ("env", "reads the host environment"),
    ("$ENV", "reads the host environment"),
    # the clock and the host's time zone: results would differ on replay
    ("now", "reads the clock"),
    ("localtime", "depends on the host's time zone"),
    ("strflocaltime", "depends on the host's time zone"),
    # input streams, modules and files on the host
    ("input", "reads the evaluator's input stream"),
    ("inputs", "reads the evaluator's input stream"),
    ("input_filename", "reads the evaluator's input stream"),
    ("input_line_number", "reads the evaluator's input stream"),
    ("import", "loads modules from the host's files"),
    ("include", "loads modules from the host's files"),
    ("modulemeta", "loads modules from the host's files"),
    ("get_search_list", "reads the host's module search path"),
    ("get_prog_origin", "reads the host's file system layout"),
    ("get_jq_origin", "reads the host's file system layout"),
    # writing to the process's streams and stopping it
    ("debug", "writes to the worker's error stream"),
    ("stderr", "writes to the worker's error stream"),
    ("halt", "stops the evaluator"),
    ("halt_error", "stops the evaluator"),
    # the program's own location and the jq build: they differ between versions and workers
    ("$__loc__", "reveals the program's location"),
    ("$__prog_args", "reveals the evaluator's arguments"),
    ("$JQ_BUILD_CONFIGURATION", "depends on the jq build"),
    ("builtins", "depends on the jq build"),
    ("have_decnum", "depends on the jq build"),
    ("have_literal_numbers", "depends on the jq build"),
)
_FORBIDDEN = dict(FORBIDDEN_BUILTINS)

# The second wall: every compiled program starts with these definitions, so a forbidden builtin that reached
# evaluation anyway (validation skipped) reads nothing. It stays on one line so user line numbers shift by one.
_PRELUDE = " ".join(
    (
        "def env: {};",
        'def now: error("now is not allowed in workflow expressions");',
        'def localtime: error("localtime is not allowed in workflow expressions");',
        'def strflocaltime($f): error("strflocaltime is not allowed in workflow expressions");',
        'def input: error("input is not allowed in workflow expressions");',
        'def inputs: error("inputs is not allowed in workflow expressions");',
        "def input_filename: null;",
        'def input_line_number: error("input_line_number is not allowed in workflow expressions");',
        'def modulemeta: error("modulemeta is not allowed in workflow expressions");',
        "def get_search_list: []; def get_prog_origin: null; def get_jq_origin: null;",
        "def debug: .; def debug($m): .; def stderr: .;",
        'def halt: error("halt is not allowed in workflow expressions");',
        'def halt_error: error("halt_error is not allowed in workflow expressions");',
        'def halt_error($c): error("halt_error is not allowed in workflow expressions");',
        "{} as $ENV |",
    )
)
# (opening, closing) around the user's program; "pool" forms collect the outputs in one array. (The child
# converts it with the same binding as the in-process path: numbers come out identical either way.)
_FRAMES = {
    ("local", "first"): ("(", ")"),
    ("local", "all"): ("(", ")"),
    ("local", "path"): ("path(", ")"),
    ("pool", "first"): ("[first(", ")]"),
    ("pool", "all"): ("[(", ")]"),
    ("pool", "path"): ("[first(path(", "))]"),
}

IN_PROCESS_BUDGET = 10_000_000
"""Most work an in-process evaluation may do: about 10 ms of holding the GIL (see :mod:`swengine.expressions.cost`)."""
MAX_FAST_PROGRAM = 16_384
"""Longer programs are compiled and run in the evaluator pool."""

_EXPRESSION = re.compile(r"\s*\$\{(.*)\}\s*", re.DOTALL)
_LOCATION = re.compile(r" at <top-level>, line (\d+), column (\d+)")
_UNEXPECTED = re.compile(r"unexpected [^,]+")


# ---------------------------------------------------------------------------------------------------------
# ${ } wrapping


def is_expression(value: Any) -> bool:
    """True for a string of the form ``${ ... }`` (surrounding whitespace tolerated)."""
    return isinstance(value, str) and _EXPRESSION.fullmatch(value) is not None


def strip(value: str) -> str:
    """``"${ .a }"`` -> ``".a"``; a string that is not wrapped comes back stripped of whitespace."""
    match = _EXPRESSION.fullmatch(value)
    return (match.group(1) if match else value).strip()


# ---------------------------------------------------------------------------------------------------------
# Static analysis, cached per process


@dataclass(frozen=True, slots=True)
class _Analysis:
    text: str
    """The bare program."""
    variables: tuple[str, ...]
    """``$names`` it reads that a caller may bind, sorted."""
    findings: tuple[tuple[str, str], ...]
    """Forbidden builtins used, as ``(code, message)``."""
    imports: bool
    """Uses ``import`` or ``include`` (a syntax error behind the prelude, reported as forbidden only)."""
    lex_error: str | None
    """Why the text is not balanced jq tokens (it is then neither checked nor run), if it is not."""
    fields: frozenset[str] | None
    """The only top-level keys it reads from object data (the rest need not be sent), if it reads no more."""
    bound: tuple[float, ...] | None
    """Work bound as polynomial coefficients in the input size; None when it must run in the pool."""
    path_bound: tuple[float, ...] | None
    native: Program | None = None
    """The program in Python, when it is simple enough (:mod:`swengine.expressions.native`)."""


@lru_cache(maxsize=4096)
def _analyse(expr: str) -> _Analysis:
    text = strip(expr)
    try:
        tokens = jq_syntax.tokenize(text)
    except jq_syntax.LexError as exc:
        return _Analysis(text, (), (), False, str(exc), None, None, None)
    if not tokens:
        return _Analysis(text, (), (), False, "empty expression", None, None, None)
    calls, variables = jq_syntax.names_used(tokens)
    used = sorted(calls | {"$" + name for name in variables})
    findings = tuple(
        ("forbidden_builtin", f"`{name}` is not allowed in workflow expressions: it {_FORBIDDEN[name]}")
        for name in used
        if name in _FORBIDDEN
    )
    bindable = tuple(sorted(name for name in variables if "::" not in name and "$" + name not in _FORBIDDEN))
    fields = bound = path_bound = None
    if len(text) <= MAX_FAST_PROGRAM:
        try:
            tree = jq_syntax.parse(tokens)
            fields = jq_syntax.top_fields(tree)
            bound = _affordable(jq_cost.bound(tree, len(text)))
            path_bound = _affordable(jq_cost.path_bound(tree, len(text)))
        except (jq_syntax.Unsupported, RecursionError):
            fields = bound = path_bound = None
    imports = bool(calls & {"import", "include"})
    native = compile_native(tokens) if not findings and len(text) <= MAX_FAST_PROGRAM else None
    return _Analysis(text, bindable, findings, imports, None, fields, bound, path_bound, native)


def _affordable(coefficients: tuple[float, ...]) -> tuple[float, ...] | None:
    # Even a one-byte input would exceed the budget: never in-process (this also keeps constant folding
    # at compile time small, since compiling happens in-process only for these programs).
    return coefficients if sum(coefficients) <= IN_PROCESS_BUDGET else None


def _within_budget(coefficients: tuple[float, ...], size: int) -> bool:
    total, power = 0.0, 1
    for coefficient in coefficients:
        total += coefficient * power
        power *= size
    return total <= IN_PROCESS_BUDGET


# ---------------------------------------------------------------------------------------------------------
# Validation


def find_problems(expr: str, known: frozenset[str] | None = None) -> list[tuple[str, str]]:
    """``(code, message)`` for each problem: ``invalid_expression`` (jq's compile error), ``forbidden_builtin``.

    ``known``: the variables the caller will bind; any other ``$name`` the program does not bind itself is
    then jq's "not defined" error (None: every variable counts as bound).
    """
    analysis = _analyse(expr)
    if analysis.lex_error is not None:
        return [("invalid_expression", analysis.lex_error)]
    problems = list(analysis.findings)
    if analysis.imports:
        return problems  # behind the prelude an import is also a syntax error: saying so twice would confuse
    error = _compile_error(analysis, known)
    if error is not None:
        problems.insert(0, ("invalid_expression", error))
    return problems


def _compile_error(analysis: _Analysis, known: frozenset[str] | None) -> str | None:
    names = tuple(name for name in analysis.variables if known is None or name in known)
    if analysis.bound is not None:
        try:
            _local_program(analysis.text, names, "first")
        except ExpressionError as exc:
            return exc.message.removeprefix("invalid expression: ")
        return None
    program = _program_text(analysis.text, names, "pool", "all")
    try:
        tag, payload = _pool().run(program, "null", compile_only=True)
    except ExpressionLimitExceeded as exc:  # libjq folds constants while compiling: "x" * 1e9
        return f"{exc.message} while compiling"
    return _clean_compile_error(payload, analysis.text) if tag == "C" else None


# ---------------------------------------------------------------------------------------------------------
# Evaluation


def evaluate(
    expr: str, data: Any, variables: Mapping[str, Any] | None = None, *, checked: Checked | None = None
) -> Any:
    """The first output of ``expr`` on ``data`` (None when it has none); ``variables`` are bound as ``$name``;
    ``checked``: the running instance's memory of containers its answers showed unchanged (``native``)."""
    return _evaluate(expr, data, variables, "first", checked)


def evaluate_all(expr: str, data: Any, variables: Mapping[str, Any] | None = None) -> list[Any]:
    """Every output of ``expr`` on ``data``."""
    result: list[Any] = _evaluate(expr, data, variables, "all")
    return result


def evaluate_bool(expr: str, data: Any, variables: Mapping[str, Any] | None = None) -> bool:
    """jq truthiness of the first output: null, false and no output are False."""
    result = _evaluate(expr, data, variables, "first")
    return result is not None and result is not False


def evaluate_path(expr: str, data: Any, variables: Mapping[str, Any] | None = None) -> list[str | int]:
    """The path ``expr`` designates in ``data`` (jq ``path(expr)``), e.g. ``.a.b`` -> ``["a", "b"]``."""
    keys = _plain_keys(expr)
    if keys is not None and _objects_along(data, keys):
        return list(keys)  # what jq would answer, without serialising anything
    path = _evaluate(expr, data, variables, "path")
    if path is None:
        raise ExpressionError(f"expression {strip(expr)!r} designates no path", detail={"expression": expr})
    result: list[str | int] = []
    for part in path:
        if isinstance(part, float) and part.is_integer():
            part = int(part)
        if isinstance(part, bool) or not isinstance(part, str | int):
            message = f"expression {strip(expr)!r} must designate keys and indices, not {json.dumps(part)}"
            raise ExpressionError(message, detail={"expression": expr})
        result.append(part)
    return result


_PLAIN_PATH = re.compile(r"\.[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_KEYWORDS = frozenset(
    "and or not if then elif else end as def reduce foreach try catch label import include __loc__".split()
)


@lru_cache(maxsize=4096)
def _plain_keys(expr: str) -> tuple[str, ...] | None:
    """``.a.b`` -> ``("a", "b")``: the keys of a path made only of plain field names (else None)."""
    text = strip(expr)
    if _PLAIN_PATH.fullmatch(text) is None:
        return None
    keys = tuple(text[1:].split("."))
    return None if _KEYWORDS.intersection(keys) else keys


def _objects_along(data: Any, keys: tuple[str, ...]) -> bool:
    """Whether every node before the last key is an object or null: then ``path(.a.b)`` is just the keys
    (anything else is jq's error, left to jq to word)."""
    node = data
    for key in keys:
        if node is None:
            return True
        if type(node) is not dict:
            return False
        node = node.get(key)
    return True


_NO_VARIABLES: Mapping[str, Any] = {}


def _evaluate(
    expr: str, data: Any, variables: Mapping[str, Any] | None, mode: str, checked: Checked | None = None
) -> Any:
    analysis = _analyse(expr)
    if analysis.lex_error is not None:
        raise ExpressionError(f"invalid expression: {analysis.lex_error}", detail={"expression": expr})
    if analysis.native is not None and mode != "path":
        try:
            value = analysis.native(data, variables or _NO_VARIABLES, checked)
        except Decline:
            pass
        else:
            stats.COUNTS.native += 1
            return [value] if mode == "all" else value
    names: tuple[str, ...] = ()
    if analysis.fields is not None and type(data) is dict:
        # Only what the program reads is serialized and parsed (libjq parses ~100 ns a byte).
        data = {key: data[key] for key in analysis.fields if key in data}
    payload = data
    if analysis.variables and variables:
        names = tuple(name for name in analysis.variables if name in variables)
        if names:
            payload = {"d": data, "v": {name: variables[name] for name in names}}
    try:
        text = json.dumps(payload, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError) as exc:
        raise ExpressionError(f"expression input is not JSON: {exc}", detail={"expression": expr}) from None
    bound = analysis.path_bound if mode == "path" else analysis.bound
    if bound is not None and _within_budget(bound, len(text)):
        stats.COUNTS.local += 1
        return _run_local(_local_program(analysis.text, names, mode), text, mode, expr)
    stats.COUNTS.pooled += 1
    try:
        return _run_pooled(analysis.text, names, text, mode, expr)
    except ExpressionLimitExceeded:
        stats.COUNTS.limit_hits += 1
        raise


def _run_local(program: Any, text: str, mode: str, expr: str) -> Any:
    # A jq iterator that failed must be freed here, on this thread: kept alive by the traceback's frame, it
    # was freed by the garbage collector on whatever thread ran it, and libjq crashed the process there.
    outputs = iter(program.input_text(text))
    try:
        return list(outputs) if mode == "all" else next(outputs, None)
    except ValueError as exc:
        message = str(exc)
    finally:
        del outputs
    raise ExpressionError(message, detail={"expression": expr})


def _run_pooled(body: str, names: tuple[str, ...], text: str, mode: str, expr: str) -> Any:
    tag, payload = _pool().run(_program_text(body, names, "pool", mode), text)
    if tag == "R":
        outputs = json.loads(payload)
        return outputs if mode == "all" else (outputs[0] if outputs else None)
    if tag == "C":
        message = f"invalid expression: {_clean_compile_error(payload, body)}"
        raise ExpressionError(message, detail={"expression": expr})
    raise ExpressionError(str(payload), detail={"expression": expr})


@lru_cache(maxsize=4096)
def _local_program(body: str, names: tuple[str, ...], mode: str) -> Any:
    try:
        return jq.compile(_program_text(body, names, "local", mode))
    except ValueError as exc:
        message = f"invalid expression: {_clean_compile_error(str(exc), body)}"
        raise ExpressionError(message, detail={"expression": body}) from None


def _program_text(body: str, names: tuple[str, ...], where: str, mode: str) -> str:
    opening, closing = _FRAMES[where, mode]
    bindings = "".join(f" .v.{name} as ${name} |" for name in names) + " .d |" if names else ""
    # The body starts on line 2; the blank line ends a comment the body may finish with (even one that a
    # trailing backslash continues).
    return f"{_PRELUDE}{bindings} {opening}\n{body}\n\n{closing}"


def _clean_compile_error(message: str, body: str) -> str:
    """jq's compile messages in the user's coordinates, without the echoed source and the error count."""
    last_line = body.count("\n") + 1
    inside, after = [], []  # errors located in the user's text, and at the wrapper's closing bracket
    for line in message.splitlines():
        if not line.startswith("jq: error: "):
            continue  # the echoed source line, the caret, the error count
        error = line[len("jq: error: ") :].replace(" (Unix shell quoting issues?)", "").rstrip(":")
        where = _LOCATION.search(error)
        if where is None:
            inside.append(error)
            continue
        user_line = int(where.group(1)) - 1  # the prelude is line 1
        if user_line > last_line:  # the expression ended too early
            after.append(_UNEXPECTED.sub("unexpected end of expression", error[: where.start()], count=1))
        else:
            inside.append(f"{error[: where.start()]} at line {max(user_line, 1)}, column {where.group(2)}")
    # After a syntax error jq recovers and goes on; its later syntax errors (about the wrapper) are noise.
    syntax = [index for index, error in enumerate(inside) if error.startswith("syntax error")]
    errors = [error for index, error in enumerate(inside) if index not in syntax[1:]] or after[:1]
    return "; ".join(errors) or message.strip()


# ---------------------------------------------------------------------------------------------------------
# The evaluator pool and its settings


@dataclass(frozen=True, slots=True)
class _Settings:
    timeout_seconds: float = 1.0
    memory_bytes: int = 512 * 2**20
    pool_size: int = 2


_settings = _Settings()
_current_pool: EvaluatorPool | None = None
_pool_lock = threading.Lock()


def configure(*, timeout_seconds: float = 1.0, memory_bytes: int = 512 * 2**20, pool_size: int = 2) -> None:
    """Process-wide evaluation limits; running evaluators are replaced (lazily) by ones with the new limits."""
    global _settings
    if not (timeout_seconds > 0 and math.isfinite(timeout_seconds)):
        raise ValueError(f"timeout_seconds must be a positive number, not {timeout_seconds!r}")
    if memory_bytes < 32 * 2**20:
        raise ValueError(
            f"memory_bytes must be at least 32 MiB (the evaluator needs ~15 MiB), not {memory_bytes}"
        )
    if pool_size < 1:
        raise ValueError(f"pool_size must be at least 1, not {pool_size}")
    with _pool_lock:
        _settings = _Settings(float(timeout_seconds), int(memory_bytes), int(pool_size))
    shutdown()


def shutdown() -> None:
    """Stop the evaluator processes; the pool starts again on next use."""
    global _current_pool
    with _pool_lock:
        pool, _current_pool = _current_pool, None
    if pool is not None:
        pool.close()


def _pool() -> EvaluatorPool:
    global _current_pool
    pool = _current_pool
    if pool is None:
        with _pool_lock:
            if _current_pool is None:
                _current_pool = EvaluatorPool(
                    size=_settings.pool_size,
                    timeout=_settings.timeout_seconds,
                    memory_bytes=_settings.memory_bytes,
                )
            pool = _current_pool
    return pool


def _forget_pool_after_fork() -> None:
    global _current_pool, _pool_lock
    _pool_lock = threading.Lock()  # another thread may have held it at the fork
    if _current_pool is not None:
        _current_pool.forget()
    _current_pool = None


def _configure_from_environment() -> None:
    timeout, memory = expression_limits_from_env()
    configure(
        timeout_seconds=timeout or _settings.timeout_seconds, memory_bytes=memory or _settings.memory_bytes
    )


_configure_from_environment()
atexit.register(shutdown)
os.register_at_fork(after_in_child=_forget_pool_after_fork)


__all__ = [
    "FORBIDDEN_BUILTINS",
    "Checked",
    "ExpressionError",
    "ExpressionLimitExceeded",
    "checked_containers",
    "configure",
    "evaluate",
    "evaluate_all",
    "evaluate_bool",
    "evaluate_path",
    "find_problems",
    "is_expression",
    "shutdown",
    "strip",
]
