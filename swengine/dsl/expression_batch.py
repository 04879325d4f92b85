"""Check many jq expressions for about the price of one.

Compiling one jq program costs about a millisecond and a half (libjq re-reads its builtins every time), so a
definition with a thousand expressions would take over a second. Expressions that are self-contained (every
bracket closed, every string ended, no comment) are checked together as one program ``(e1),\n(e2)...``:
when it has no problem, none of them has; otherwise the batch is split in halves until each problem is
pinned to its expression. Anything not self-contained is checked on its own, so a batch can never hide a
problem (an unended string in one expression could otherwise swallow the next one).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from swengine import expressions
from swengine.core.errors import ExpressionError

_OPENERS = {"(": ")", "[": "]", "{": "}"}
_CLOSERS = set(_OPENERS.values())
Problems = tuple[tuple[str, str], ...]


def find_problems_many(bodies: Iterable[str], known: frozenset[str] | None = None) -> dict[str, Problems]:
    """``expressions.find_problems`` for each distinct expression body (without ``${ }``); ``known``: the
    variables the engine binds (any other is undefined)."""
    unique = list(dict.fromkeys(bodies))
    results: dict[str, Problems] = {}
    _check_batch([body for body in unique if is_self_contained(body)], results, known)
    for body in unique:
        if body not in results:
            results[body] = problems_of(body, known)
    return results


def _check_batch(bodies: list[str], results: dict[str, Problems], known: frozenset[str] | None) -> None:
    if len(bodies) == 1:
        results[bodies[0]] = problems_of(bodies[0], known)
    elif len(bodies) > 1 and _all_fine(bodies, known):
        results.update((body, ()) for body in bodies)
    elif len(bodies) > 1:
        middle = len(bodies) // 2
        _check_batch(bodies[:middle], results, known)
        _check_batch(bodies[middle:], results, known)


def _all_fine(bodies: list[str], known: frozenset[str] | None) -> bool:
    try:
        return not expressions.find_problems(",\n".join(f"(\n{body}\n)" for body in bodies), known)
    except ExpressionError:
        return False  # past the evaluator's limits as a whole: the halves will tell


@lru_cache(maxsize=4096)
def problems_of(body: str, known: frozenset[str] | None = None) -> Problems:
    """The problems of one expression (cached: definitions repeat their filters)."""
    try:
        return tuple(expressions.find_problems(body, known))
    except ExpressionError as error:
        return (("invalid_expression", f"could not be checked: {error.message}"),)


def is_self_contained(body: str) -> bool:
    """True when brackets balance, strings (and their ``\\( )`` interpolations) end, and no comment occurs."""
    closers: list[str] = []  # expected closing brackets; '"' marks "back inside a string" after \( ... )
    in_string = False
    index = 0
    while index < len(body):
        char = body[index]
        if in_string:
            if char == "\\" and body[index + 1 : index + 2] == "(":
                closers.append('"')
                in_string = False
                index += 1
            elif char == "\\":
                index += 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == "#":
            return False
        elif char in _OPENERS:
            closers.append(_OPENERS[char])
        elif char in _CLOSERS:
            if not closers:
                return False
            expected = closers.pop()
            if expected == '"':  # the ")" ending an interpolation goes back into its string
                if char != ")":
                    return False
                in_string = True
            elif expected != char:
                return False
        index += 1
    return not in_string and not closers
