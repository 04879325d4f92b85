"""Python answers for the simplest jq programs, so ``.count + 1`` costs a microsecond instead of a JSON round
trip through libjq (about 25 µs with its serialisation, on every state that evaluates one).

The subset: ``.``, field paths and indexes (``.a.b``, ``$var.a``, ``(...).a``, ``.a[0]``, ``.a[.i]``), number,
string, ``true``/``false``/``null`` literals (strings with their escapes and ``\\(f)`` interpolation),
``+ - * /``, comparisons, ``and``, ``or``, ``//``, ``|`` and ``if``/``elif``/``else`` with jq's precedence, the
builtins ``not``, ``length``, ``type``, ``keys``, ``ascii_downcase``, ``ascii_upcase`` and ``tostring``, and
the objects and arrays built of them (``{a: .x, "b": 1, c, $v}``, ``[.a, .b]``), the usual shape of a
function's arguments; and, inside a collector, many outputs: ``.[]`` over arrays, ``,``, ``select(f)``, pipes
through them, collected by ``[...]`` or ``map(f)``, with ``add`` to sum an array (``[.items[] | .price * .qty]
| add``). A program's own answer is one value (a program of many outputs is jq's). A compiled program either
answers exactly what libjq (through the ``jq`` binding) answers, or raises :class:`Decline` and the caller runs
jq, which then also words any error. What it must match, measured on the binding:

- jq computes with doubles, and the binding returns every integral double as an ``int`` (``4 / 2`` is ``2``,
  a ``1.0`` in the data comes back as ``1``); an integer beyond 2**53 has lost precision in jq, so it is
  declined, and so is any value that would not come back unchanged (a container holding one of those).
- values of different kinds order ``null < false < true < numbers < strings < arrays < objects``; strings
  order by code point (jq compares UTF-8 bytes, the same order).
- ``null + x`` is ``x``; strings and arrays concatenate, objects merge (the right one wins); everything else
  outside numbers is declined.

Bounded like any evaluation of untrusted code: a program of at most :data:`MAX_TOKENS` tokens, no string,
array or object it builds by ``+`` past :data:`MAX_BUILT` characters or members (``. + . | . + . | ...`` doubles
at every stage), and no answer holding more than :data:`MAX_WALKED` members (``[., ., ., ...]``): past any of
them, jq's cost model and its bounded evaluator decide. The outputs an evaluation's streams pass along are
counted too, against :data:`MAX_STREAMED`: ``[., .] | .[]`` doubles them at every stage.

Data never holds NaN, infinities or lone surrogates (they are refused where data enters), so those are not
handled. ``tests/unit/test_native_jq.py`` holds the module to libjq's answers on generated programs and data.
"""

from __future__ import annotations

import json
import math
import operator
import re
import threading
from collections.abc import Callable, Mapping
from typing import Any

from swengine.core.remembered import RememberedFor
from swengine.expressions.syntax import Token

Checked = RememberedFor[Any, tuple[int, int]]
"""Containers that came back unchanged, with their (height, members): one per running instance, whose state data
is never mutated in place (merges and answers share what they leave alone), so a container that passed once
passes again and ``$input + {step: .}`` checks what is new rather than the whole state on every task. It lives
and dies with the instance."""
Program = Callable[[Any, Mapping[str, Any], "Checked | None"], Any]
"""(data, variables, what this instance's answers already showed unchanged) -> the program's one output."""
CHECKED_KEPT = 1024
"""Containers one instance remembers as unchanged (``checked``)."""

MAX_TOKENS = 256
"""Longer programs are jq's: the work of a native program grows with its length times what ``+`` builds."""
MAX_BUILT = 65_536
"""Most characters or members a ``+`` may build here."""
MAX_WALKED = 100_000
"""Most members of the containers an answer may hold (each is checked on its way out)."""
MAX_STREAMED = 1_000_000
"""Most outputs the streams of one evaluation may pass along, all stages counted (``.[]`` over a long array,
or fanned out by ``[., .] | .[]``), each charged the program's length in tokens (the most work one output can
take): at most a few hundred milliseconds of Python, inside a workflow task's time."""
EXACT = 2.0**53
"""Integers up to this size are the same number in jq's doubles."""
_INTEGRAL = 2.0**63
"""The largest integral double we hand back as an ``int`` (the binding does so beyond it too; unmeasured)."""
_DEEPEST = 100
"""Containers nested deeper than this are left to jq (state data from outside is at most this deep)."""
_DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")
_COMPARISONS = frozenset(("==", "!=", "<", "<=", ">", ">="))
_LITERALS: dict[str, Any] = {"true": True, "false": False, "null": None}


class Decline(Exception):
    """This program, on this data, is jq's to answer."""


class _Unsupported(Exception):
    """The program is outside the subset (compile time)."""


def compile_native(tokens: list[Token]) -> Program | None:
    """A Python program answering as jq does, or None when ``tokens`` are outside the subset."""
    if len(tokens) > MAX_TOKENS:
        return None
    parser = _Parser(tokens)
    try:
        node = parser.pipe()
    except (_Unsupported, RecursionError):
        return None
    if parser.i != len(tokens) or isinstance(node, _Stream):
        return None  # a program of many outputs: what "first" and "all" make of them is jq's
    if parser.spelled and parser.prints:
        return None  # ``1.0 | tostring`` is "1.0" in jq
    names = tuple(sorted(parser.variables))
    streams = parser.streams
    outputs = MAX_STREAMED // len(tokens)

    def program(data: Any, variables: Mapping[str, Any], checked: Checked | None = None) -> Any:
        for name in names:
            if name not in variables:
                raise Decline  # jq refuses the whole program: "$name is not defined"
        if streams:
            _streamed.left = outputs
        return _out(node(data, variables), checked)

    return program


# ---------------------------------------------------------------------------------------------------------
# Values as jq hands them back


def _as_jq_number(value: float) -> float | int:
    """A computed double as the binding hands it back: integral ones as ints. A computed ``-0`` is jq's (an int
    cannot carry its sign, and ``tostring`` prints it ``-0``), so every native ``0`` is a plain zero."""
    if not math.isfinite(value) or (value == 0 and math.copysign(1.0, value) < 0):
        raise Decline
    if value.is_integer():
        if abs(value) >= _INTEGRAL:
            raise Decline
        return int(value)
    return value


def checked_containers() -> Checked:
    """An instance's memory of containers its answers showed unchanged."""
    return RememberedFor(CHECKED_KEPT)


def _out(value: Any, checked: Checked | None) -> Any:
    """``value`` as the binding would return it: integral numbers as ints; anything it would change declined."""
    kind = type(value)
    if kind is float:
        return _as_jq_number(value)
    if kind is int and abs(value) > EXACT:
        raise Decline
    if kind is dict or kind is list:
        _checked(value, 1, [MAX_WALKED], checked or checked_containers())
    elif kind not in _SCALARS:
        raise Decline  # not JSON: jq's error
    return value


_SCALARS = frozenset((type(None), bool, int, float, str))


_REMEMBERED_DEPTH = 3
"""Containers this close to the top are remembered; deeper ones are walked as part of their ancestor."""
_REMEMBERED_WIDTH = 256
"""Containers with more members are walked whole (remembering each member would cost more than it saves)."""
_REMEMBERED_MEMBERS = 64
"""Containers holding fewer members in all cost less to check again than to remember (a call's arguments)."""
_LOOKED_UP = 4
"""Containers with fewer members of their own are not looked up (their members still may be)."""


def _checked(container: Any, depth: int, budget: list[int], checked: Checked) -> tuple[int, int]:
    """(height, members) of ``container`` at ``depth``, every number in it unchanged; else ``Decline``.

    Containers come back as they are only when no number in them would change on the way through jq (deep or
    huge ones, which may not serialise at all or cost more to walk than is fair, are jq's to judge).
    ``budget``: the members the whole answer may still hold; ``checked``: what earlier answers showed."""
    known = checked.get(container) if len(container) >= _LOOKED_UP else None
    if known is None:
        if depth < _REMEMBERED_DEPTH and len(container) <= _REMEMBERED_WIDTH:
            known = _inspect(container, depth, budget, checked)
        else:
            known = _walk(container, depth, budget)
        if known[1] >= _REMEMBERED_MEMBERS:
            checked.put(container, known)
    else:
        budget[0] -= known[1]
    if budget[0] < 0 or depth + known[0] - 1 > _DEEPEST:
        raise Decline
    return known


def _inspect(container: Any, depth: int, budget: list[int], checked: Checked) -> tuple[int, int]:
    """Checks the scalars of ``container`` and each of its containers through ``_checked``."""
    budget[0] -= len(container)
    if budget[0] < 0:
        raise Decline
    height, members = 1, len(container)
    for item in container.values() if type(container) is dict else container:
        kind = type(item)
        if kind is dict or kind is list:
            below, held = _checked(item, depth + 1, budget, checked)
            height, members = max(height, below + 1), members + held
        elif not _unchanged(kind, item):
            raise Decline
    return height, members


def _walk(container: Any, depth: int, budget: list[int]) -> tuple[int, int]:
    """Checks everything in ``container`` without recursion (any depth, past which it declines)."""
    stack = [(container, depth)]
    deepest, members = depth, 0
    while stack:
        node, at = stack.pop()
        if at > _DEEPEST or len(node) > budget[0]:
            raise Decline
        budget[0] -= len(node)
        members += len(node)
        deepest = max(deepest, at)
        for item in node.values() if type(node) is dict else node:
            kind = type(item)
            if kind is dict or kind is list:
                stack.append((item, at + 1))
            elif not _unchanged(kind, item):
                raise Decline
    return deepest - depth + 1, members


def _unchanged(kind: type, item: Any) -> bool:
    """Whether a scalar comes back from jq as it went in."""
    if kind is float:
        return not item.is_integer() and math.isfinite(item)
    if kind is int:
        return abs(item) <= EXACT
    return kind in _SCALARS


def _number(value: Any) -> float:
    kind = type(value)
    if kind is float:
        return value  # type: ignore[no-any-return]
    if kind is int and abs(value) <= EXACT:
        return float(value)
    raise Decline


def _truthy(value: Any) -> bool:
    return value is not None and value is not False


_RANKS = {type(None): 0, bool: 1, int: 3, float: 3, str: 4, list: 5, dict: 6}


def _rank(value: Any) -> int:
    rank = _RANKS.get(type(value))
    if rank is None:
        raise Decline  # not JSON: jq's error
    return rank + 1 if value is True else rank


def _order(left: Any, right: Any) -> int:
    """jq's total order, for the values it compares without walking containers (-1, 0 or 1)."""
    left_rank, right_rank = _rank(left), _rank(right)
    if left_rank != right_rank:
        return -1 if left_rank < right_rank else 1
    if left_rank == 3:
        a, b = _number(left), _number(right)
    elif left_rank == 4:
        a, b = left, right
    elif left_rank >= 5:
        raise Decline  # arrays and objects compare member by member: jq's
    else:
        return 0
    return -1 if a < b else (1 if a > b else 0)


# ---------------------------------------------------------------------------------------------------------
# Operators


_JOINED: dict[type, Callable[[Any, Any], Any]] = {
    str: operator.add,
    list: operator.add,
    dict: lambda left, right: {**left, **right},  # the right one wins; keys keep their first place, as in jq
}


def _add(left: Any, right: Any) -> Any:
    if left is None:
        return right
    if right is None:
        return left
    kind = type(left)
    if kind in _JOINED and type(right) is kind:
        if len(left) + len(right) > MAX_BUILT:
            raise Decline  # growing data is for jq's cost model and its bounded evaluator
        return _JOINED[kind](left, right)
    return _as_jq_number(_number(left) + _number(right))


def _divide(left: Any, right: Any) -> Any:
    divisor = _number(right)
    if divisor == 0:
        raise Decline  # jq's error
    return _as_jq_number(_number(left) / divisor)


_ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": _add,
    "-": lambda left, right: _as_jq_number(_number(left) - _number(right)),
    "*": lambda left, right: _as_jq_number(_number(left) * _number(right)),
    "/": _divide,
}


def _length(value: Any) -> Any:
    kind = type(value)
    if value is None:
        return 0
    if kind is str or kind is list or kind is dict:
        return len(value)  # a string's length counts code points, as jq's does
    return _as_jq_number(abs(_number(value)))  # a boolean is jq's error


def _type(value: Any) -> str:
    rank = _rank(value)
    return ("null", "boolean", "boolean", "number", "string", "array", "object")[rank]


def _keys(value: Any) -> list[Any]:
    if type(value) is dict:
        return sorted(value)  # by code point, as jq sorts them
    if type(value) is list:
        return list(range(len(value)))
    raise Decline


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _ascii(table: dict[int, int]) -> Callable[[Any], str]:
    def convert(value: Any) -> str:
        if type(value) is not str:
            raise Decline
        return value.translate(table)  # only A-Z and a-z: other letters stay as they are

    return convert


def _sum(value: Any) -> Any:
    """``add``: jq's ``reduce .[] as $x (null; . + $x)`` over an array (an object's values, and null, are
    jq's); what the additions build counts toward :data:`MAX_BUILT` as a whole, since each one copies."""
    if type(value) is not list:
        raise Decline
    total, built = None, 0
    for item in value:
        total = _add(total, item)
        if type(total) in _BUILT:
            built += len(total)
            if built > MAX_BUILT:
                raise Decline
    return total


_BUILT = frozenset((str, list, dict))


def _tostring(value: Any) -> str:
    """``tostring`` of a string or a scalar. jq prints a number from the data as it was written (its JSON text,
    here Python's own), a computed one as its shortest double; the two agree but for exponents (``1e-05``
    prints ``0.00001`` from the data) and containers (jq's JSON text), both declined (a computed ``-0`` never
    gets here: :func:`_as_jq_number`)."""
    kind = type(value)
    if kind is str:
        return value  # type: ignore[no-any-return]
    if kind is int and abs(value) <= EXACT:
        return str(value)
    if kind is float:
        text = repr(value)
        if "e" not in text and "n" not in text:
            return text
    if value is None or kind is bool:
        return "null" if value is None else ("true" if value else "false")
    raise Decline


BUILTINS: dict[str, Callable[[Any], Any]] = {
    "add": _sum,
    "not": lambda value: not _truthy(value),
    "length": _length,
    "type": _type,
    "keys": _keys,
    "ascii_downcase": _ascii(_ASCII_LOWER),
    "ascii_upcase": _ascii(_ASCII_UPPER),
    "tostring": _tostring,
}
"""The argument-free builtins answered here, each a function of its input."""

_ORDERINGS: dict[str, Callable[[int], bool]] = {
    "==": lambda order: order == 0,
    "!=": lambda order: order != 0,
    "<": lambda order: order < 0,
    "<=": lambda order: order <= 0,
    ">": lambda order: order > 0,
    ">=": lambda order: order >= 0,
}


# ---------------------------------------------------------------------------------------------------------
# Parser: tokens to closures, jq's precedence (lowest first: //, or, and, comparisons, + -, * /)

Node = Callable[[Any, Mapping[str, Any]], Any]


class _Stream:
    """A node of any number of outputs (``.[]``, ``,``, ``select``, a pipe through one of them). A collector or
    a pipe takes one; an operator, an object's value or a program's answer does not (how jq combines the outputs
    of both operands, or builds one object per output, is jq's)."""

    __slots__ = ("run",)

    def __init__(self, run: Callable[[Any, Mapping[str, Any]], list[Any]]) -> None:
        self.run = run
        """Every output, in jq's order, as a fresh list."""


Part = Node | _Stream


def _single(node: Part) -> Node:
    if isinstance(node, _Stream):
        raise _Unsupported
    return node


def _outputs(node: Part, data: Any, variables: Mapping[str, Any]) -> list[Any]:
    return node.run(data, variables) if isinstance(node, _Stream) else [node(data, variables)]


def _through(left: Part, right: Part) -> Callable[[Any, Mapping[str, Any]], list[Any]]:
    """``left | right`` where either has many outputs: ``right`` on each output of ``left``, in order."""

    def run(data: Any, variables: Mapping[str, Any]) -> list[Any]:
        return _passed(
            [out for value in _outputs(left, data, variables) for out in _outputs(right, value, variables)]
        )

    return run


_streamed = threading.local()
"""What the evaluation running on this thread may still pass along (workflow activations run on several)."""


def _passed(values: list[Any]) -> list[Any]:
    _streamed.left -= len(values)
    if _streamed.left < 0:
        raise Decline  # fanned out past MAX_STREAMED: jq's cost model decides
    return values


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0
        self.variables: set[str] = set()
        self.streams = False
        """Whether the program has a stream in it (its evaluations then count what streams pass along)."""
        self.spelled = False
        """Whether a number literal is written otherwise than its value prints (``1.0``, ``1e2``): jq keeps the
        spelling, and ``tostring`` shows it."""
        self.prints = False
        """Whether the program uses ``tostring``."""

    def number(self, text: str, negative: bool = False) -> Node:
        value = _literal_number(text)
        if negative and value == 0:
            raise _Unsupported  # jq's ``-0`` is a computed negative zero
        self.spelled |= text != (repr(value) if type(value) is float else str(value))
        return _constant(-value if negative else value)

    def stream(self, run: Callable[[Any, Mapping[str, Any]], list[Any]]) -> _Stream:
        self.streams = True
        return _Stream(run)

    def peek(self, offset: int = 0) -> Token | None:
        at = self.i + offset
        return self.tokens[at] if at < len(self.tokens) else None

    def at(self, kind: str, *texts: str, offset: int = 0) -> bool:
        token = self.peek(offset)
        return token is not None and token.kind == kind and (not texts or token.text in texts)

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise _Unsupported
        self.i += 1
        return token

    def pipe(self) -> Part:
        left = self.comma()
        if not self.at("op", "|"):
            return left
        self.take()
        right = self.pipe()
        if isinstance(left, _Stream) or isinstance(right, _Stream):
            return self.stream(_through(left, right))
        return lambda data, variables: right(left(data, variables), variables)

    def comma(self) -> Part:
        parts = [self.alternative()]
        while self.at("op", ","):
            self.take()
            parts.append(self.alternative())
        if len(parts) == 1:
            return parts[0]
        if any(isinstance(part, _Stream) for part in parts):
            return self.stream(
                lambda data, variables: [out for part in parts for out in _outputs(part, data, variables)]
            )
        singles = [_single(part) for part in parts]  # as many outputs as the program has parts: not counted
        return self.stream(lambda data, variables: [part(data, variables) for part in singles])

    def alternative(self) -> Part:
        left = self.logical("or")
        if not self.at("op", "//"):
            return left
        self.take()
        left = _single(left)
        right = _single(self.alternative())  # right-associative

        def alternative(data: Any, variables: Mapping[str, Any]) -> Any:
            value = left(data, variables)
            return value if _truthy(value) else right(data, variables)

        return alternative

    def logical(self, word: str) -> Part:
        operand = (lambda: self.logical("and")) if word == "or" else self.comparison
        left = operand()
        while self.at("keyword", word):
            self.take()
            left = _logical(word, _single(left), _single(operand()))
        return left

    def comparison(self) -> Part:
        left = self.additive()
        if not self.at("op", *_COMPARISONS):
            return left
        left = _single(left)
        test = _ORDERINGS[self.take().text]
        right = _single(self.additive())
        if self.at("op", *_COMPARISONS):
            raise _Unsupported  # jq: comparisons do not chain

        def comparison(data: Any, variables: Mapping[str, Any]) -> bool:
            return test(_order(left(data, variables), right(data, variables)))

        return comparison

    def additive(self) -> Part:
        left = self.multiplicative()
        while self.at("op", "+", "-"):
            operation = _ARITHMETIC[self.take().text]
            left = _binary(operation, _single(left), _single(self.multiplicative()))
        return left

    def multiplicative(self) -> Part:
        left = self.term()
        while self.at("op", "*", "/"):
            operation = _ARITHMETIC[self.take().text]
            left = _binary(operation, _single(left), _single(self.term()))
        return left

    def term(self) -> Part:
        node: Part
        token = self.take()
        if token.kind == "op" and token.text == "-" and self.at("number"):
            node = self.number(self.take().text, negative=True)
        elif token.kind == "op" and token.text == ".":
            node = _identity
        elif token.kind == "field":
            node = _field(_identity, token.text)
        elif token.kind == "number":
            node = self.number(token.text)
        elif token.kind == "ident" and token.text in _LITERALS:
            node = _constant(_LITERALS[token.text])
        elif token.kind == "str_start":
            node = self.interpolated()
        elif token.kind == "var":
            self.variables.add(token.text)
            node = _variable(token.text)
        elif token.kind == "op" and token.text == "(":
            node = self.pipe()
            self.expect(")")
        elif token.kind == "ident" and token.text in BUILTINS and not self.at("op", "("):
            self.prints |= token.text == "tostring"
            node = _builtin(BUILTINS[token.text])
        elif token.kind == "ident" and token.text in ("map", "select") and self.at("op", "("):
            node = self.map() if token.text == "map" else self.select()
        elif token.kind == "keyword" and token.text == "if":
            node = self.conditional()
        elif token.kind == "op" and token.text == "{":
            node = self.object()
        elif token.kind == "op" and token.text == "[":
            node = self.array()
        else:
            raise _Unsupported
        while True:
            if self.at("field"):
                node = _field(node, self.take().text)
            elif self.at("op", "[") and self.at("op", "]", offset=1):
                self.i += 2
                node = self.iterate(node)
            elif self.at("op", "["):
                self.take()
                index = _single(self.pipe())  # of the term's own input: ``.a[.i]`` reads ``.i``
                self.expect("]")  # a slice (``.[1:]``) is jq's
                node = _indexed(node, index)
            else:
                return node

    def iterate(self, node: Part) -> _Stream:
        """``E[]``: the members of each array ``E`` outputs (an object's values, in jq's order, are jq's)."""

        def run(data: Any, variables: Mapping[str, Any]) -> list[Any]:
            members: list[Any] = []
            for value in _outputs(node, data, variables):
                if type(value) is not list:
                    raise Decline  # an object, or jq's "Cannot iterate over ..."
                members.extend(value)
            return _passed(members)

        return self.stream(run)

    def map(self) -> Node:
        """``map(f)`` after its name: jq's ``[.[] | f]``."""
        self.expect("(")
        body = self.pipe()
        self.expect(")")
        return _through(self.iterate(_identity), body)  # its list is the answer

    def conditional(self) -> Part:
        """``if c then a (elif c then b)* (else z)? end`` after its ``if``: a missing ``else`` is ``.``; a condition
        of many outputs (one branch per output) is jq's."""
        branches: list[tuple[Node, Part]] = []
        while True:
            test = _single(self.pipe())
            self.expect("then", "keyword")
            branches.append((test, self.pipe()))
            if not self.at("keyword", "elif"):
                break
            self.take()
        otherwise: Part = _identity
        if self.at("keyword", "else"):
            self.take()
            otherwise = self.pipe()
        self.expect("end", "keyword")

        if any(isinstance(branch, _Stream) for _, branch in branches) or isinstance(otherwise, _Stream):

            def chosen(data: Any, variables: Mapping[str, Any]) -> Part:
                for test, branch in branches:
                    if _truthy(test(data, variables)):
                        return branch
                return otherwise

            return self.stream(lambda data, variables: _outputs(chosen(data, variables), data, variables))
        singles = [(test, _single(branch)) for test, branch in branches]
        fallback = _single(otherwise)

        def conditional(data: Any, variables: Mapping[str, Any]) -> Any:
            for test, branch in singles:
                if _truthy(test(data, variables)):
                    return branch(data, variables)
            return fallback(data, variables)

        return conditional

    def select(self) -> _Stream:
        """``select(f)`` after its name: its input when ``f`` is truthy, else nothing."""
        self.expect("(")
        test = _single(self.pipe())
        self.expect(")")
        return self.stream(lambda data, variables: [data] if _truthy(test(data, variables)) else [])

    def expect(self, text: str, kind: str = "op") -> None:
        if not self.at(kind, text):
            raise _Unsupported
        self.take()

    def object(self) -> Node:
        """``{key: value, ...}`` after its ``{``: keys are names, keywords, plain strings or ``$name`` (which
        also gives the value); a key alone takes its value from the input (``{a}`` is ``{a: .a}``)."""
        entries: list[tuple[str, Node]] = []
        value: Part
        while not self.at("op", "}"):
            token = self.take()
            if token.kind in ("ident", "keyword"):
                key, value = token.text, _field(_identity, token.text)
            elif token.kind == "str_start":
                key = self.string()
                value = _field(_identity, key)
            elif token.kind == "var":
                self.variables.add(token.text)
                key, value = token.text, _variable(token.text)
            else:
                raise _Unsupported  # computed keys, formats, $__loc__: jq's
            if self.at("op", ":"):
                if token.kind == "var":
                    raise _Unsupported
                self.take()
                value = self.alternative()  # many values would make many objects: jq's (``_single``)
                if self.at("op", "|"):
                    raise _Unsupported
            entries.append((key, _single(value)))
            if not self.at("op", ","):
                break
            self.take()
        self.expect("}")
        return _object(entries)

    def array(self) -> Node:
        """``[...]`` after its ``[``: every output of what it holds (``[.a, .b]``, ``[.[] | .x]``), or none."""
        if self.at("op", "]"):
            self.take()
            return lambda data, variables: []
        body = self.pipe()
        self.expect("]")
        if isinstance(body, _Stream):
            return body.run  # a fresh list on every run
        return lambda data, variables: [body(data, variables)]

    def string(self) -> str:
        """A string without interpolation (an object's key) after its opening quote."""
        text = _unescaped(self.take().text) if self.at("str_text") else ""
        if not self.at("str_end"):
            raise _Unsupported  # a computed key is jq's
        self.take()
        return text

    def interpolated(self) -> Node:
        """A string after its opening quote; each ``\\(f)`` in it prints as ``tostring`` prints."""
        parts: list[str | Node] = []
        while not self.at("str_end"):
            token = self.take()
            if token.kind == "str_text":
                parts.append(_unescaped(token.text))
            elif token.kind == "interp_start":
                parts.append(_single(self.pipe()))  # many outputs make many strings: jq's
                if not self.at("interp_end"):
                    raise _Unsupported
                self.take()
                self.prints = True
            else:
                raise _Unsupported
        self.take()
        if all(isinstance(part, str) for part in parts):
            return _constant("".join(part for part in parts if isinstance(part, str)))

        def build(data: Any, variables: Mapping[str, Any]) -> str:
            return "".join(
                part if isinstance(part, str) else _tostring(part(data, variables)) for part in parts
            )

        return build


def _unescaped(text: str) -> str:
    """A string literal's text with its escapes decoded (jq's are JSON's); one JSON has not, a raw control
    character or a lone surrogate is jq's to judge."""
    if "\\" not in text and text.isprintable():
        return text
    try:
        value: str = json.loads(f'"{text}"')
        value.encode()
    except (ValueError, UnicodeEncodeError):
        raise _Unsupported from None
    return value


def _literal_number(text: str) -> float | int:
    if _DECIMAL.fullmatch(text) is None:
        raise _Unsupported
    value = float(text)
    if not math.isfinite(value) or (value.is_integer() and abs(value) > EXACT):
        raise _Unsupported  # jq keeps such literals' digits in ways not worth copying
    return int(value) if value.is_integer() else value


def _identity(data: Any, variables: Mapping[str, Any]) -> Any:
    return data


def _constant(value: Any) -> Node:
    return lambda data, variables: value


def _variable(name: str) -> Node:
    return lambda data, variables: variables[name]  # the program checked that every name is bound


def _index(value: Any, key: str) -> Any:
    if value is None:
        return None
    if type(value) is not dict:
        raise Decline  # jq's "Cannot index ..."
    return value.get(key)


def _at(value: Any, key: Any) -> Any:
    """``value[key]``: an object's member by name, an array's by position (negative from the end), null past
    either end or of null; a fractional position (jq truncates) and every other pairing (jq's errors) declined."""
    kind = type(key)
    if kind is str:
        return _index(value, key)
    if kind is not int and kind is not float:
        raise Decline
    if value is None:
        return None
    position = _number(key)
    if type(value) is not list or not position.is_integer() or abs(position) >= EXACT:
        raise Decline
    index = int(position) + (len(value) if position < 0 else 0)
    return value[index] if 0 <= index < len(value) else None


def _indexed(node: Part, index: Node) -> Part:
    if isinstance(node, _Stream):
        run = node.run
        return _Stream(
            lambda data, variables: [_at(value, index(data, variables)) for value in run(data, variables)]
        )
    return lambda data, variables: _at(node(data, variables), index(data, variables))


def _field(node: Part, key: str) -> Part:
    if isinstance(node, _Stream):
        run = node.run
        return _Stream(lambda data, variables: [_index(value, key) for value in run(data, variables)])

    def field(data: Any, variables: Mapping[str, Any]) -> Any:
        return _index(node(data, variables), key)

    return field


def _object(entries: list[tuple[str, Node]]) -> Node:
    def build(data: Any, variables: Mapping[str, Any]) -> dict[str, Any]:
        return {key: value(data, variables) for key, value in entries}

    return build


def _builtin(function: Callable[[Any], Any]) -> Node:
    return lambda data, variables: function(data)


def _binary(operator: Callable[[Any, Any], Any], left: Node, right: Node) -> Node:
    return lambda data, variables: operator(left(data, variables), right(data, variables))


def _logical(word: str, left: Node, right: Node) -> Node:
    stop_at = word == "or"  # `or` stops at the first truthy operand, `and` at the first falsy one

    def logical(data: Any, variables: Mapping[str, Any]) -> bool:
        if _truthy(left(data, variables)) is stop_at:
            return stop_at
        return _truthy(right(data, variables))

    return logical
