"""JSONPath (Jayway's dialect, as SonataFlow's ``expressionLang: jsonpath`` uses it) translated to jq.

A translation, not a second evaluator: the jq program runs in the same guarded evaluator as every other
expression (bounded time and memory, no host access), so JSONPath adds no new way to hang or read the host.
Jayway's rules kept: a path not starting with ``$`` or ``@`` is read from the root (``name`` is ``$.name``);
a definite path (names and indexes only) yields its value and fails when a step is missing; an indefinite
one (``*``, ``..``, filters, unions, slices) yields the list of matches; a filter on an object tests the
object itself; ordering comparisons hold only between values of one type. ``$CONST``, ``$WORKFLOW`` and
``$SECRET`` are the variables of that name.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

MAGIC_WORDS = ("$CONST", "$WORKFLOW", "$SECRET")
_TOKEN = re.compile(
    r"""\s*(?:
      (?P<number>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)
    | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
    | (?P<op>\.\.|==|!=|<=|>=|&&|\|\||[<>!()\[\].,:*?@$])
    | (?P<name>[A-Za-z_][\w-]*)
    )""",
    re.VERBOSE,
)
_COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")


class JsonPathError(ValueError):
    """Not a JSONPath this translation reads (Jayway would refuse it too, or it is beyond the subset)."""


def to_jq(text: str, *, mode: str = "value") -> str:
    """jq for ``text``: ``value`` (the match, or the list of matches), ``bool`` (a condition: a list counts as
    true when not empty) or ``path`` (a definite path to assign at, e.g. ``toStateData``)."""
    parser = _Parser(_tokens(text.strip()))
    path = parser.path(relative=False)
    parser.expect_end()
    if mode == "path":
        if not path.definite or path.plain is None:
            raise JsonPathError(f"{text!r} is not a definite path from the root: it cannot be assigned to")
        return path.plain
    if mode == "bool":
        return f"([{path.lenient}] | length > 0)" if not path.definite else path.strict
    return path.strict if path.definite else f"[{path.lenient}]"


@dataclass
class _Path:
    strict: str
    """jq failing on a missing step (Jayway's PathNotFoundException), for definite paths."""
    lenient: str
    """jq yielding nothing for a missing step: the matches of an indefinite path, or a filter's operand."""
    definite: bool
    plain: str | None = None
    """``.["a"][0]``: the same definite path as jq can assign to (None for variables and indefinite paths)."""


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.index = 0

    def peek(self, offset: int = 0) -> tuple[str, str]:
        position = self.index + offset
        return self.tokens[position] if position < len(self.tokens) else ("end", "")

    def take(self) -> tuple[str, str]:
        token = self.peek()
        self.index += 1
        return token

    def accept(self, text: str) -> bool:
        if self.peek() == ("op", text):
            self.index += 1
            return True
        return False

    def expect(self, text: str) -> None:
        if not self.accept(text):
            raise JsonPathError(f"expected {text!r}, found {self.peek()[1] or 'the end'!r}")

    def expect_end(self) -> None:
        if self.peek()[0] != "end":
            raise JsonPathError(f"unexpected {self.peek()[1]!r}")

    def path(self, *, relative: bool) -> _Path:
        """``$...``, ``@...`` (in filters), a magic word, or a bare name read from the root."""
        strict = lenient = "."
        plain: str | None = "."
        kind, text = self.peek()
        if kind == "op" and text == "$" and "$" + self.peek(1)[1] in MAGIC_WORDS:
            strict = lenient = "$" + self.peek(1)[1]
            plain = None
            self.index += 2
        elif self.accept("@" if relative else "$"):
            pass
        elif kind != "name":
            raise JsonPathError(f"a path starts with $ or @, not {text or 'nothing'!r}")
        else:  # Jayway reads a bare name from the root
            self.tokens.insert(self.index, ("op", "."))
        definite = True
        while True:
            step = self.step()
            if step is None:
                return _Path(strict, lenient, definite, plain if definite else None)
            jq, step_definite = step
            if definite and step_definite:
                strict = f"{strict} | {_strict(jq)}"
                plain = None if plain is None else plain + _plain(jq)
            definite = definite and step_definite
            lenient = f"{lenient} | {_lenient(jq)}"
            if not definite:
                strict = lenient

    def step(self) -> tuple[str, bool] | None:
        """One segment as (jq selector, definite), or None at the end of the path."""
        if self.accept(".."):
            if self.accept("*"):
                return "..", False
            return f"DEEP:{self.name()}", False
        if self.accept("."):
            if self.accept("*"):
                return "*", False
            if self.peek() == ("op", "["):
                return self.step()
            return f"NAME:{self.name()}", True
        if self.accept("["):
            selector = self.bracket()
            self.expect("]")
            return selector
        return None

    def name(self) -> str:
        kind, text = self.take()
        if kind not in ("name", "number"):
            raise JsonPathError(f"expected a property name, found {text or 'the end'!r}")
        return text

    def bracket(self) -> tuple[str, bool]:
        if self.accept("*"):
            return "*", False
        if self.accept("?"):
            return f"FILTER:{self.filter()}", False
        kind, text = self.peek()
        if kind == "string":
            names = [self.string()]
            while self.accept(","):
                names.append(self.string())
            return ("NAME:" + names[0], True) if len(names) == 1 else ("NAMES:" + json.dumps(names), False)
        return self.indexes()

    def string(self) -> str:
        kind, text = self.take()
        if kind != "string":
            raise JsonPathError(f"expected a quoted name, found {text!r}")
        return _unquoted(text)

    def indexes(self) -> tuple[str, bool]:
        start = self.integer() if self.peek()[0] == "number" else None
        if self.accept(":"):
            end = self.integer() if self.peek()[0] == "number" else None
            return f"SLICE:{'' if start is None else start}:{'' if end is None else end}", False
        if start is None:
            raise JsonPathError(f"unexpected {self.peek()[1]!r} in brackets")
        found = [start]
        while self.accept(","):
            found.append(self.integer())
        return ("INDEX:" + str(start), True) if len(found) == 1 else ("INDEXES:" + json.dumps(found), False)

    def integer(self) -> int:
        kind, text = self.take()
        if kind != "number" or not re.fullmatch(r"-?\d+", text):
            raise JsonPathError(f"expected an index, found {text!r}")
        return int(text)

    def filter(self) -> str:
        self.expect("(")
        condition = self.disjunction()
        self.expect(")")
        return condition

    def disjunction(self) -> str:
        parts = [self.conjunction()]
        while self.accept("||"):
            parts.append(self.conjunction())
        return " or ".join(parts) if len(parts) > 1 else parts[0]

    def conjunction(self) -> str:
        parts = [self.unary()]
        while self.accept("&&"):
            parts.append(self.unary())
        return "(" + " and ".join(parts) + ")" if len(parts) > 1 else parts[0]

    def unary(self) -> str:
        if self.accept("!"):
            return f"({self.unary()} | not)"
        if self.accept("("):
            inner = self.disjunction()
            self.expect(")")
            return f"({inner})"
        left, is_path = self.operand()
        kind, text = self.peek()
        if kind == "op" and text in _COMPARISONS:
            self.index += 1
            right, _ = self.operand()
            return _comparison(left, text, right)
        return f"(({left}) != null)" if is_path else left

    def operand(self) -> tuple[str, bool]:
        kind, text = self.peek()
        if kind in ("number", "string"):
            self.index += 1
            value = text if kind == "number" else json.dumps(_unquoted(text))
            return value, False
        if kind == "name" and text in ("true", "false", "null"):
            self.index += 1
            return text, False
        if kind == "op" and text in ("@", "$"):
            path = self.path(relative=text == "@")
            return f"first({path.lenient})? // null", True
        raise JsonPathError(f"unexpected {text or 'end'!r} in a filter")


def _unquoted(token: str) -> str:
    """A quoted JSONPath string (single or double quotes) as its text."""
    return str(json.loads('"' + token[1:-1].replace("\\'", "'").replace('"', '\\"') + '"'))


def _comparison(left: str, op: str, right: str) -> str:
    if op in ("==", "!="):
        return f"(({left}) {op} ({right}))"
    # Jayway orders only values of one type: a missing property or a string never compares with a number
    return f"(({left}) as $l | ({right}) as $r | ($l | type) == ($r | type) and $l {op} $r)"


def _strict(selector: str) -> str:
    kind, _, argument = selector.partition(":")
    if kind == "NAME":
        key = json.dumps(argument)
        return f'if type == "object" and has({key}) then .[{key}] else error("no property " + {key}) end'
    if kind == "INDEX":
        return f'if type == "array" and length > {argument} then .[{argument}] else error("no index {argument}") end'
    raise JsonPathError(f"{selector} is not a definite step")


def _plain(selector: str) -> str:
    kind, _, argument = selector.partition(":")
    return f"[{json.dumps(argument)}]" if kind == "NAME" else f"[{argument}]"


def _lenient(selector: str) -> str:
    kind, _, argument = selector.partition(":")
    if selector == "*":
        return "(arrays, objects | .[])"
    if selector == "..":
        return "(.. | arrays, objects | .[])"
    table = {
        "NAME": lambda: f"(objects | select(has({json.dumps(argument)})) | .[{json.dumps(argument)}])",
        "DEEP": lambda: f"(.. | objects | select(has({json.dumps(argument)})) | .[{json.dumps(argument)}])",
        "NAMES": lambda: (
            "(objects | "
            + ", ".join(f"select(has({json.dumps(n)})) | .[{json.dumps(n)}]" for n in json.loads(argument))
            + ")"
        ),
        "INDEX": lambda: f"(arrays | select(length > {argument}) | .[{argument}])",
        "INDEXES": lambda: (
            "(arrays | " + ", ".join(f".[{i}]" for i in json.loads(argument)) + " | select(. != null))"
        ),
        "SLICE": lambda: f"(arrays | .[{argument}][])",
        "FILTER": lambda: f'((if type == "array" then .[] else . end) | select({argument}))',
    }
    return table[kind]()


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            if text[position:].strip() == "":
                break
            raise JsonPathError(f"unexpected {text[position]!r} at column {position + 1}")
        kind = match.lastgroup or "op"
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens
