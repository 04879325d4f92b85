"""A static upper bound on the work a fast-path jq program can do, as a polynomial in the input size.

The in-process fast path holds the GIL and cannot be interrupted, so it only runs programs whose cost is
provably small for the data at hand. Every value is measured by the length of its compact JSON text, and
every node of the syntax tree gets three bounds, each a polynomial:

- ``cnt``: how many outputs it can produce,
- ``tot``: the total size of those outputs,
- ``work``: roughly nanoseconds: a byte made or walked costs one unit, and each step of libjq's interpreter
  (a node evaluated or an output produced, an element visited by a builtin written in jq) costs
  :data:`STEP` units, as measured on libjq 1.8 (bench/expressions.py). Work also bounds memory.

A bound is ``s * local + p(V)``: ``local`` is the size of the node's input ``.`` and ``V`` the size of the
whole evaluation input (data plus variables), so ``local <= V``. Keeping ``local`` separate is what makes
iteration linear rather than quadratic: ``map(f)`` sums ``f``'s bound over the elements, whose sizes add up
to the array's size, while a reference to an outer variable inside ``f`` costs ``V`` per element and turns
into a ``V**2`` term. Products of two data-dependent bounds (``{a: .[], b: .[]}``, ``.x - .y``) raise the
degree; chains of growing steps (``(. + .) | (. + .) | ...``) grow the coefficients. Either way the caller
compares ``bound(V)`` with a budget at run time and sends costly cases to the guarded pool.

Anything not modelled raises :class:`~swengine.expressions.syntax.Unsupported`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from swengine.expressions.syntax import Unsupported

MAX_DEGREE = 3
ERROR_MESSAGE_SIZE = 512  # libjq truncates the values it quotes in its own error messages
NUMBER_SIZE = 24  # the longest a double prints
SORT = 256  # n log n comparisons, each of which sorts the keys of the objects it compares: taken as this
# many walks of the input (measured: 5,000 one-key objects sort in ~1.8 µs a byte, 3x what 64 walks allowed)
STEP = 150  # one step of the jq interpreter, in work units (~ns): measured 50-300 ns per element and node
PARSE = 150  # libjq parsing the input text, per byte (numbers are slow: it keeps their literal digits)
CONVERT = 250  # turning outputs into Python values, per byte
DUMP = 100  # an error message quoting a value: libjq dumps it whole before truncating, per byte
CALL = 15_000  # a call through the binding, however small (measured 5-15 µs)
SEARCH = 100  # an array searched for a sub-array (`.[$array]`, indices, index, rindex, nth), per byte pair:
# libjq compares every element of one with every element of the other (measured ~40 ns a byte pair with
# two-byte elements, ~170 ns an element pair: `[1]*9979 | nth(.)` took 10 s)


@dataclass(frozen=True, slots=True)
class Size:
    """``s * local + v[0] + v[1] * V + v[2] * V**2 + ...``"""

    s: float = 0.0
    v: tuple[float, ...] = (0.0,)

    def __add__(self, other: Size) -> Size:
        longer, shorter = (self.v, other.v) if len(self.v) >= len(other.v) else (other.v, self.v)
        v = tuple(a + (shorter[i] if i < len(shorter) else 0.0) for i, a in enumerate(longer))
        return Size(self.s + other.s, v)

    def scale(self, k: float) -> Size:
        return Size(self.s * k, tuple(c * k for c in self.v))

    @property
    def constant(self) -> float | None:
        """The value when it depends on no size, else None."""
        return self.v[0] if self.s == 0 and not any(self.v[1:]) else None

    def outer(self) -> Size:
        """The same bound seen from a nested context, where this node's ``local`` is no longer local."""
        return Size(0.0, self.v) + Size(0.0, (0.0, self.s)) if self.s else self

    def polynomial(self) -> tuple[float, ...]:
        """Coefficients in ``V`` alone (``local <= V``)."""
        return self.outer().v


def const(k: float) -> Size:
    return Size(0.0, (float(k),))


ZERO, ONE = const(0), const(1)
LOCAL = Size(1.0)
WHOLE = Size(0.0, (0.0, 1.0))
ELEMENTS = Size(0.5, (1.0,))  # elements of the input: each takes two bytes at least ("1," or "[],")


def mul(a: Size, b: Size) -> Size:
    ka, kb = a.constant, b.constant
    if ka is not None:
        return b.scale(ka)
    if kb is not None:
        return a.scale(kb)
    pa, pb = a.polynomial(), b.polynomial()
    product = [0.0] * (len(pa) + len(pb) - 1)
    for i, x in enumerate(pa):
        for j, y in enumerate(pb):
            product[i + j] += x * y
    while len(product) > 1 and product[-1] == 0:
        product.pop()
    if len(product) - 1 > MAX_DEGREE:
        raise Unsupported("cost bound of too high a degree")
    return Size(0.0, tuple(product))


def smax(a: Size, b: Size) -> Size:
    length = max(len(a.v), len(b.v))
    va, vb = a.v + (0.0,) * (length - len(a.v)), b.v + (0.0,) * (length - len(b.v))
    return Size(max(a.s, b.s), tuple(max(x, y) for x, y in zip(va, vb, strict=True)))


@dataclass(frozen=True, slots=True)
class Cost:
    cnt: Size
    tot: Size
    work: Size


def over(f: Cost, source: Cost) -> Cost:
    """``f`` run on each output of ``source`` (``f``'s ``local`` is the size of that output)."""

    def each(bound: Size) -> Size:
        return source.tot.scale(bound.s) + mul(source.cnt, Size(0.0, bound.v))

    return Cost(each(f.cnt), each(f.tot), source.work + each(f.work))


def combine(a: Cost, b: Cost) -> Cost:
    """Every pairing of an output of ``a`` with one of ``b`` (binary operators, object construction)."""
    cnt = mul(a.cnt, b.cnt)
    tot = mul(b.cnt, a.tot) + mul(a.cnt, b.tot)
    # Either side may be evaluated first and the other once per output of it: even with no outputs at all
    # on one side, the side evaluated first has done its work.
    work = mul(_at_least_one(b.cnt), a.work) + mul(_at_least_one(a.cnt), b.work)
    return Cost(cnt, tot, work)


def _at_least_one(count: Size) -> Size:
    fixed = count.constant
    return const(max(fixed, 1.0)) if fixed is not None else count + ONE


def single(tot: Size, work: Size | None = None) -> Cost:
    return Cost(ONE, tot, tot if work is None else work)


def bound(tree: Any, program_length: int) -> tuple[float, ...]:
    """Coefficients ``c`` with ``work <= sum(c[i] * V**i)`` for an input of ``V`` bytes of compact JSON."""
    cost = _Analyzer(program_length).cost(tree, {})
    return (cost.work + WHOLE.scale(PARSE) + cost.tot.scale(CONVERT) + const(CALL)).polynomial()


def path_bound(tree: Any, program_length: int) -> tuple[float, ...]:
    """As :func:`bound`, for ``path(tree)``: each path is at most the data plus the keys the program names."""
    cost = _Analyzer(program_length).cost(tree, {})
    paths = mul(cost.cnt, WHOLE + cost.work + const(8 * program_length))
    return (cost.work + paths.scale(CONVERT) + WHOLE.scale(PARSE) + const(CALL)).polynomial()


class _Analyzer:
    def __init__(self, program_length: int) -> None:
        self.program_length = program_length

    def cost(self, node: Any, env: dict[str, Size]) -> Cost:
        result: Cost = getattr(self, "_" + node[0])(node, env)
        steps = (ONE + result.cnt).scale(STEP)  # evaluating the node, and producing each output
        return Cost(result.cnt, result.tot, result.work + steps)

    def nested(self, node: Any, env: dict[str, Size]) -> Cost:
        """``node`` evaluated with a new ``.``: variables bound so far become outer sizes."""
        return self.cost(node, {name: size.outer() for name, size in env.items()})

    def per_element(self, node: Any, env: dict[str, Size], steps: float) -> Cost:
        """``node`` run on every element of ``.`` by a builtin spending ``steps`` per element on its own."""
        return over(self.nested(node, env), Cost(ELEMENTS, LOCAL, LOCAL + ELEMENTS.scale(steps * STEP)))

    # -- leaves
    def _dot(self, node: Any, env: dict[str, Size]) -> Cost:
        return Cost(ONE, LOCAL, ONE)

    def _lit(self, node: Any, env: dict[str, Size]) -> Cost:
        return Cost(ONE, const(node[1]), ONE)

    def _var(self, node: Any, env: dict[str, Size]) -> Cost:
        name = node[1]
        if name in ("ENV", "__loc__", "__prog_args", "JQ_BUILD_CONFIGURATION"):
            raise Unsupported(f"${name}")
        return Cost(ONE, env.get(name, WHOLE), ONE)

    # -- access
    def _index(self, node: Any, env: dict[str, Size]) -> Cost:
        base = self.cost(node[1], env)
        return Cost(base.cnt, base.tot, base.work + base.cnt)

    def _index_by(self, node: Any, env: dict[str, Size]) -> Cost:
        # The key is evaluated on the same input as the base; an array key makes libjq search for it.
        base, key = self.cost(node[1], env), self.cost(node[2], env)
        pairs = combine(base, key)
        tot = mul(key.cnt, base.tot).scale(8)
        errors = pairs.tot.scale(DUMP)  # "Cannot index object with <the key>"
        return Cost(pairs.cnt, tot, pairs.work + tot + mul(base.tot, key.tot).scale(SEARCH) + errors)

    def _slice(self, node: Any, env: dict[str, Size]) -> Cost:
        result = self.cost(node[1], env)
        for end in node[2:]:
            if end is not None:
                bound_ = self.cost(end, env)
                pairs = combine(result, bound_)
                tot = mul(bound_.cnt, result.tot)  # a slice copies what it keeps
                result = Cost(pairs.cnt, tot, pairs.work + tot)
        return result

    def _iterate(self, node: Any, env: dict[str, Size]) -> Cost:
        base = self.cost(node[1], env)
        count = base.tot.scale(0.5) + base.cnt  # at most (size + 1) / 2 elements per value
        return Cost(count, base.tot, base.work + base.tot.scale(1 + DUMP))  # "Cannot iterate over <it>"

    # -- control
    def _pipe(self, node: Any, env: dict[str, Size]) -> Cost:
        return over(self.nested(node[2], env), self.cost(node[1], env))

    def _comma(self, node: Any, env: dict[str, Size]) -> Cost:
        costs = [self.cost(item, env) for item in node[1]]
        return Cost(_sum(c.cnt for c in costs), _sum(c.tot for c in costs), _sum(c.work for c in costs))

    def _alt(self, node: Any, env: dict[str, Size]) -> Cost:
        return self._comma(("comma", [node[1], node[2]]), env)

    def _as(self, node: Any, env: dict[str, Size]) -> Cost:
        source = self.cost(node[1], env)
        inner = dict(env)
        inner.update((name, source.tot) for name in node[2])
        body = self.cost(node[3], inner)
        return Cost(
            mul(source.cnt, body.cnt), mul(source.cnt, body.tot), source.work + mul(source.cnt, body.work)
        )

    def _if(self, node: Any, env: dict[str, Size]) -> Cost:
        cond, then, otherwise = (self.cost(part, env) for part in node[1:])
        branch = Cost(
            smax(then.cnt, otherwise.cnt), smax(then.tot, otherwise.tot), smax(then.work, otherwise.work)
        )
        return Cost(
            mul(cond.cnt, branch.cnt), mul(cond.cnt, branch.tot), cond.work + mul(cond.cnt, branch.work)
        )

    def _try(self, node: Any, env: dict[str, Size]) -> Cost:
        body = self.cost(node[1], env)
        if node[2] is None:
            return body
        # The handler runs at most once, on the error value: something the body made, or a short message.
        error = Cost(ONE, body.work + const(ERROR_MESSAGE_SIZE), ZERO)
        handler = over(self.nested(node[2], env), error)
        return Cost(body.cnt + handler.cnt, body.tot + handler.tot, body.work + handler.work)

    # -- construction
    def _array(self, node: Any, env: dict[str, Size]) -> Cost:
        inner = self.cost(node[1], env)
        tot = inner.tot + inner.cnt + const(2)
        return single(tot, inner.work + tot)

    def _object(self, node: Any, env: dict[str, Size]) -> Cost:
        result = Cost(ONE, ZERO, ONE)
        for key, value in node[1]:
            result = combine(result, self.cost(key, env))
            result = combine(result, self.cost(value, env))
        tot = result.tot + result.cnt.scale(2 + 2 * len(node[1]))
        return Cost(result.cnt, tot, result.work + tot)

    def _string(self, node: Any, env: dict[str, Size]) -> Cost:
        _, literal, parts, _fmt = node
        result = Cost(ONE, ZERO, ONE)
        for part in parts:
            piece = self.cost(part, env)
            # Interpolated values are formatted (tostring, @base64...): at most six bytes per byte.
            formatted = piece.tot.scale(6) + piece.cnt.scale(2)
            result = combine(result, Cost(piece.cnt, formatted, piece.work + formatted))
        tot = result.tot + result.cnt.scale(literal)
        return Cost(result.cnt, tot, result.work + tot)

    def _neg(self, node: Any, env: dict[str, Size]) -> Cost:
        inner = self.cost(node[1], env)
        return Cost(inner.cnt, inner.tot + inner.cnt.scale(NUMBER_SIZE), inner.work + inner.tot.scale(DUMP))

    def _binop(self, node: Any, env: dict[str, Size]) -> Cost:
        _, op, left_node, right_node = node
        left, right = self.cost(left_node, env), self.cost(right_node, env)
        pairs = combine(left, right)
        numbers = pairs.cnt.scale(NUMBER_SIZE)
        if op == "+":
            tot, extra = pairs.tot, pairs.tot
        elif op == "-":  # array difference compares every pair of elements (measured ~16 units a byte pair)
            tot, extra = mul(right.cnt, left.tot) + numbers, mul(left.tot, right.tot).scale(16)
        elif op == "/":  # string division splits, searching for the separator
            tot = mul(right.cnt, left.tot).scale(4) + numbers
            extra = tot + mul(left.tot, right.tot)
        elif op == "%":
            tot, extra = numbers, numbers
        elif op in ("<", "<=", ">", ">="):  # ordering objects sorts their keys first
            tot, extra = pairs.cnt.scale(5), pairs.tot.scale(4)
        else:  # ==, !=, and, or: a boolean, after walking at most both operands
            tot, extra = pairs.cnt.scale(5), pairs.tot
        extra = extra + pairs.tot.scale(DUMP)  # "object ({...}) and number (1) cannot be added"
        if op in ("and", "or"):  # short-circuit: the left output alone may decide
            return Cost(pairs.cnt + left.cnt, tot + left.cnt.scale(5), left.work + pairs.work + extra)
        return Cost(pairs.cnt, tot, pairs.work + extra)

    # -- builtins
    def _call(self, node: Any, env: dict[str, Size]) -> Cost:
        _, name, args = node
        rule = _BUILTINS.get(f"{name}/{len(args)}")
        if rule is None:
            raise Unsupported(f"{name}/{len(args)} is outside the fast-path subset")
        result = rule(self, args, env)
        # A type error quotes the input: "array ([1,2,...]) cannot be parsed as a number".
        return Cost(result.cnt, result.tot, result.work + LOCAL.scale(DUMP))


def _sum(sizes: Any) -> Size:
    total = ZERO
    for size in sizes:
        total = total + size
    return total


Rule = Callable[[_Analyzer, list[Any], dict[str, Size]], Cost]


def _loop(steps: float, per: Size = ELEMENTS) -> Size:
    """A builtin written in jq spending ``steps`` interpreter steps on each element (or character) of ``.``."""
    return per.scale(steps * STEP)


def _grows(factor: float, walks: float = 1.0, steps: float = 0.0, per: Size = ELEMENTS) -> Rule:
    """Returns at most ``factor`` times its input (plus a number's worth), walking it ``walks`` times (in C)
    and spending ``steps`` on each element (in jq)."""
    tot = LOCAL.scale(factor) + const(NUMBER_SIZE)
    work = tot + LOCAL.scale(walks) + _loop(steps, per)
    return lambda an, args, env: single(tot, work)


def _fixed(steps: float, out: float = NUMBER_SIZE, factor: float = 0.0) -> Rule:
    """A few jq steps whatever the input (``first``, ``abs``, ``strings``...)."""
    tot = LOCAL.scale(factor) + const(out)
    work = tot + const(steps * STEP)
    return lambda an, args, env: single(tot, work)


def _with_arg(out: Callable[[Cost], Size], search: float = 0.0, steps: float = 0.0) -> Rule:
    """One argument evaluated on ``.``, then ``steps`` jq steps for each of its outputs; ``search``: the
    builtin scans its input for the argument (a naive search: input size times argument size, times this
    cost per byte pair)."""

    def rule(an: _Analyzer, args: list[Any], env: dict[str, Size]) -> Cost:
        arg = an.cost(args[0], env)
        tot = out(arg)
        scan = mul(LOCAL, arg.tot).scale(search) if search else mul(arg.cnt, LOCAL) + arg.tot
        return Cost(arg.cnt, tot, arg.work + tot + scan + arg.cnt.scale(steps * STEP))

    return rule


def _select(an: _Analyzer, args: list[Any], env: dict[str, Size]) -> Cost:
    cond = an.cost(args[0], env)
    return Cost(cond.cnt, mul(cond.cnt, LOCAL), cond.work + cond.cnt.scale(3 * STEP))


def _map(an: _Analyzer, args: list[Any], env: dict[str, Size]) -> Cost:
    each = an.per_element(args[0], env, steps=3)
    tot = each.tot + each.cnt + const(2)
    return single(tot, each.work + tot)


def _quantifier(an: _Analyzer, args: list[Any], env: dict[str, Size]) -> Cost:
    """any/all: isempty(generator | condition or empty), about a dozen steps per generated value."""
    if len(args) == 1:  # any(f): f on each element
        return single(const(5), an.per_element(args[0], env, steps=12).work + const(12 * STEP))
    generator = an.cost(args[0], env)
    checks = over(an.nested(args[1], env), generator)
    return single(const(5), checks.work + generator.cnt.scale(12 * STEP) + const(12 * STEP))


def _by(tot_factor: float) -> Rule:
    """sort_by(f), group_by(f), unique_by(f)...: ``map([f])`` in jq, then a sort in C."""

    def rule(an: _Analyzer, args: list[Any], env: dict[str, Size]) -> Cost:
        keys = an.per_element(args[0], env, steps=5)
        sortable = LOCAL + keys.tot + keys.cnt
        tot = LOCAL.scale(tot_factor) + const(2)
        return single(tot, keys.work + sortable.scale(SORT) + tot + _loop(5))

    return rule


def _first_of(an: _Analyzer, args: list[Any], env: dict[str, Size]) -> Cost:
    """first(f) (a label and a break), isempty(f) (first of more), last(f) (a reduce)."""
    inner = an.cost(args[0], env)
    return single(inner.tot, inner.work + inner.cnt.scale(4 * STEP) + const(10 * STEP))


def _add_of(an: _Analyzer, args: list[Any], env: dict[str, Size]) -> Cost:
    inner = an.cost(args[0], env)
    tot = inner.tot + const(NUMBER_SIZE)
    return single(tot, inner.work + tot + inner.cnt.scale(5 * STEP))


def _empty(an: _Analyzer, args: list[Any], env: dict[str, Size]) -> Cost:
    return Cost(ZERO, ZERO, ZERO)


def _error(an: _Analyzer, args: list[Any], env: dict[str, Size]) -> Cost:
    # The error value counts as made here, so a catch handler's input is bounded by the body's work.
    if not args:
        return Cost(ZERO, ZERO, LOCAL)
    message = an.cost(args[0], env)
    return Cost(ZERO, ZERO, message.work + message.tot)


def _join(an: _Analyzer, args: list[Any], env: dict[str, Size]) -> Cost:
    separator = an.cost(args[0], env)
    tot = mul(separator.cnt, LOCAL) + mul(LOCAL, separator.tot) + const(2)
    return Cost(separator.cnt, tot, separator.work + tot + mul(separator.cnt, _loop(16)))


def _nth(an: _Analyzer, args: list[Any], env: dict[str, Size]) -> Cost:
    """``def nth($n): .[$n];``: an array index searches, like ``.[.]``."""
    indexed = an.cost(("index_by", ("dot",), args[0]), env)
    return Cost(indexed.cnt, indexed.tot, indexed.work + indexed.cnt.scale(2 * STEP))


def _flatten(an: _Analyzer, args: list[Any], env: dict[str, Size]) -> Cost:
    # A reduce over the elements of every level, each level copying what lies below it: size times depth.
    depth = an.cost(args[0], env) if args else Cost(ONE, const(NUMBER_SIZE), ZERO)
    copies = mul(LOCAL, WHOLE).scale(16)  # measured ~150 ns an element copied, an element per ~8 bytes
    work = depth.work + mul(depth.cnt, copies + _loop(14) + const(4 * STEP))
    return Cost(depth.cnt, mul(depth.cnt, LOCAL), work)


def _with_entries(an: _Analyzer, args: list[Any], env: dict[str, Size]) -> Cost:
    """to_entries | map(f) | from_entries."""
    entries = _TO_ENTRIES_SIZE
    each = over(an.nested(args[0], env), Cost(ELEMENTS, entries, entries + _loop(_TO_ENTRIES_STEPS + 3)))
    array = each.tot + each.cnt + const(2)
    tot = array.scale(2) + const(2)
    return single(tot, each.work + array + tot + array.scale(0.5 * _FROM_ENTRIES_STEPS * STEP))


def _delete(an: _Analyzer, args: list[Any], env: dict[str, Size]) -> Cost:
    """delpaths([path(f)]): every path listed, then sorted and deleted in C."""
    paths = an.cost(args[0], env)
    listed = mul(paths.cnt, LOCAL + paths.work + const(8 * an.program_length + 4 * STEP))
    return single(LOCAL, paths.work + listed.scale(SORT) + LOCAL)


# name/arity -> rule. Builtins written in C cost per byte; those libjq 1.8 defines in jq itself (map,
# select, join, to_entries, ascii_downcase: explode | map(...) | implode...) cost interpreter steps per
# element or character, counted from their definitions.
_TO_ENTRIES_SIZE = LOCAL.scale(16) + const(2)
_TO_ENTRIES_STEPS = 10
_FROM_ENTRIES_STEPS = 25
_C_SCALARS = "length utf8bytelength not type toboolean isnan isinfinite isnormal infinite nan"
_C_SAME_SIZE = "tonumber floor ceil round fabs sqrt trim ltrim rtrim"
_SELECTS = "values nulls booleans numbers strings arrays objects iterables scalars"
_FORMATS = "text json html uri urid csv tsv sh base64 base64d base32 base32d"
_BUILTINS: dict[str, Rule] = {
    **{f"{name}/0": _grows(0) for name in _C_SCALARS.split()},
    **{f"{name}/0": _grows(1) for name in _C_SAME_SIZE.split()},
    **{f"{name}/0": _fixed(8, factor=1) for name in _SELECTS.split()},
    **{f"{name}/0": _grows(6, 2) for name in ("tojson", "tostring", "fromjson", "implode")},
    **{f"@{name}/0": _grows(6, 2) for name in _FORMATS.split()},
    "abs/0": _fixed(6, factor=1),
    "first/0": _fixed(3, factor=1),
    "last/0": _fixed(3, factor=1),
    "ascii_downcase/0": _grows(1, 8, steps=16, per=LOCAL),
    "ascii_upcase/0": _grows(1, 8, steps=16, per=LOCAL),
    "explode/0": _grows(8),
    "keys/0": _grows(8, SORT),
    "keys_unsorted/0": _grows(8),
    "sort/0": _grows(1, SORT),
    "min/0": _grows(1, 32),
    "max/0": _grows(1, 32),
    "unique/0": _grows(1, SORT, steps=10),
    "reverse/0": _grows(8, 8, steps=16, per=LOCAL),  # strings: explode | reverse | implode
    "add/0": _grows(1, 2, steps=6),
    "any/0": _grows(0, 1, steps=12),
    "all/0": _grows(0, 1, steps=12),
    "to_entries/0": _grows(16, 2, steps=_TO_ENTRIES_STEPS),
    "from_entries/0": _grows(2, 4, steps=_FROM_ENTRIES_STEPS),
    "flatten/0": _flatten,
    "flatten/1": _flatten,
    "empty/0": _empty,
    "error/0": _error,
    "error/1": _error,
    "select/1": _select,
    "map/1": _map,
    "with_entries/1": _with_entries,
    "del/1": _delete,
    "any/1": _quantifier,
    "all/1": _quantifier,
    "any/2": _quantifier,
    "all/2": _quantifier,
    "isempty/1": lambda an, args, env: single(const(5), _first_of(an, args, env).work),
    "first/1": _first_of,
    "last/1": _first_of,
    "add/1": _add_of,
    "nth/1": _nth,
    "join/1": _join,
    "sort_by/1": _by(1),
    "unique_by/1": _by(1),
    "min_by/1": _by(1),
    "max_by/1": _by(1),
    "group_by/1": _by(3),
    "has/1": _with_arg(lambda arg: arg.cnt.scale(5)),
    "in/1": _with_arg(lambda arg: arg.cnt.scale(5), steps=4),
    "IN/1": _with_arg(lambda arg: const(5), steps=14),
    "startswith/1": _with_arg(lambda arg: arg.cnt.scale(5)),
    "endswith/1": _with_arg(lambda arg: arg.cnt.scale(5)),
    "ltrimstr/1": _with_arg(lambda arg: mul(arg.cnt, LOCAL), steps=8),
    "rtrimstr/1": _with_arg(lambda arg: mul(arg.cnt, LOCAL), steps=8),
    "trimstr/1": _with_arg(lambda arg: mul(arg.cnt, LOCAL), steps=16),
    "contains/1": _with_arg(lambda arg: arg.cnt.scale(5), search=1),
    "inside/1": _with_arg(lambda arg: arg.cnt.scale(5), search=1, steps=4),
    "indices/1": _with_arg(lambda arg: mul(arg.cnt, LOCAL.scale(8) + const(2)), search=SEARCH, steps=12),
    "index/1": _with_arg(lambda arg: mul(arg.cnt, LOCAL.scale(8) + const(32)), search=SEARCH, steps=16),
    "rindex/1": _with_arg(lambda arg: mul(arg.cnt, LOCAL.scale(8) + const(32)), search=SEARCH, steps=16),
    "split/1": _with_arg(lambda arg: mul(arg.cnt, LOCAL.scale(4) + const(4)), search=1, steps=1),
}

FAST_BUILTINS = frozenset(_BUILTINS)
"""``name/arity`` of every builtin the fast path accepts."""
