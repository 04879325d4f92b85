"""jq source text as tokens and, for the small subset the in-process fast path accepts, as a syntax tree.

The lexer follows libjq 1.8 (comments continue after a backslash-newline, ``$name`` is one token, string
interpolations ``\\( )`` hold code). The forbidden-builtin scan and the variable scan use it on any program;
the parser only accepts the fast-path subset and raises :class:`Unsupported` for everything else, which
simply sends the program to the guarded evaluator pool.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

KEYWORDS = frozenset(
    "as def if then elif else end and or reduce foreach try catch label break import include module __loc__".split()
)
# Longest first: the lexer takes the first operator that matches.
_OPERATORS = (
    "?//", "//=", "!=", "==", "//", "|=", "+=", "-=", "*=", "/=", "%=", "<=", ">=", "..",
    ".", "?", "=", ";", ",", ":", "|", "+", "-", "*", "/", "%", "$", "<", ">", "[", "]", "{", "}", "(", ")",
)  # fmt: skip
_IDENT = re.compile(r"(?:[a-zA-Z_][a-zA-Z_0-9]*::)*[a-zA-Z_][a-zA-Z_0-9]*")
_FIELD = re.compile(r"\.[a-zA-Z_][a-zA-Z_0-9]*")
_NUMBER = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
"""jq's own rule: digits before an exponent (so `.e1` is a field, as in jq), one decimal point at most."""
_FORMAT = re.compile(r"@[a-zA-Z0-9_]+")
_SPACE = " \t\r\n"
_OPENING = frozenset("([{")
_CLOSING = {")": "(", "]": "[", "}": "{"}


class LexError(ValueError):
    """The text is not made of balanced jq tokens (jq itself would refuse it too)."""

    def __init__(self, problem: str, text: str, offset: int) -> None:
        super().__init__(f"{problem} at {_where(text, offset)}")


def _where(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    column = offset - text.rfind("\n", 0, offset)
    return f"line {line}, column {column}"


class Unsupported(Exception):
    """The program uses something outside the fast-path subset (it is still valid jq)."""


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    """ident, keyword, field, var, format, number, op, str_start, str_text, str_end, interp_start, interp_end."""
    text: str
    pos: int


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into jq tokens; comments and whitespace are dropped.

    Raises :class:`LexError` for text jq cannot tokenize and for unbalanced brackets (which in a wrapped
    program could otherwise close the wrapper's own brackets).
    """
    tokens: list[Token] = []
    in_string = False
    opened: list[tuple[str, int]] = []  # open brackets, with "\\(" for string interpolations
    i, n = 0, len(text)
    while i < n:
        if in_string:
            i, in_string = _lex_string_piece(text, i, tokens, opened)
            continue
        ch = text[i]
        if ch in _SPACE:
            i += 1
        elif ch == "#":
            i = _skip_comment(text, i)
        elif ch == '"':
            tokens.append(Token("str_start", '"', i))
            in_string = True
            i += 1
        elif ch == "$" and _IDENT.match(text, i + 1):
            match = _IDENT.match(text, i + 1)
            assert match is not None
            tokens.append(Token("var", match.group(), i))
            i = match.end()
        elif ch == "@" and _FORMAT.match(text, i):
            match = _FORMAT.match(text, i)
            assert match is not None
            tokens.append(Token("format", match.group()[1:], i))
            i = match.end()
        elif ch.isdigit() or ch == ".":
            i = _lex_dot_or_number(text, i, tokens)
        elif _IDENT.match(text, i):
            match = _IDENT.match(text, i)
            assert match is not None
            word = match.group()
            tokens.append(Token("keyword" if word in KEYWORDS else "ident", word, i))
            i = match.end()
        else:
            op = next((op for op in _OPERATORS if text.startswith(op, i)), None)
            if op is None:
                raise LexError(f"unexpected character {ch!r}", text, i)
            if op in _CLOSING:
                if not opened:
                    raise LexError(f"unmatched {op!r}", text, i)
                opener, where = opened.pop()
                if opener == "\\(" and op == ")":
                    tokens.append(Token("interp_end", ")", i))
                    in_string = True
                    i += 1
                    continue
                if _CLOSING[op] != opener:
                    raise LexError(f"{opener!r} (at {_where(text, where)}) closed by {op!r}", text, i)
            elif op in _OPENING:
                opened.append((op, i))
            tokens.append(Token("op", op, i))
            i += len(op)
    if in_string:
        raise LexError("unterminated string", text, n)
    if opened:
        opener, where = opened[-1]
        what = "string interpolation" if opener == "\\(" else repr(opener)
        raise LexError(f"unclosed {what}", text, where)
    return tokens


def _skip_comment(text: str, i: int) -> int:
    # libjq 1.8: a backslash escapes the next character, so backslash-newline continues the comment.
    n = len(text)
    while i < n and text[i] != "\n":
        i += 2 if text[i] == "\\" else 1
    return i


def _lex_string_piece(
    text: str, i: int, tokens: list[Token], opened: list[tuple[str, int]]
) -> tuple[int, bool]:
    """Lex string text up to its end or an interpolation; returns (position, still in the string)."""
    start, n = i, len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            if i > start:
                tokens.append(Token("str_text", text[start:i], start))
            tokens.append(Token("str_end", '"', i))
            return i + 1, False
        if ch == "\\" and text.startswith("\\(", i):
            if i > start:
                tokens.append(Token("str_text", text[start:i], start))
            tokens.append(Token("interp_start", "\\(", i))
            opened.append(("\\(", i))
            return i + 2, False
        i += 2 if ch == "\\" else 1
    raise LexError("unterminated string", text, n)


def _lex_dot_or_number(text: str, i: int, tokens: list[Token]) -> int:
    # Longest match wins as in flex; on a tie the earlier rule (".." and "." before numbers) wins.
    number = _NUMBER.match(text, i)
    field = _FIELD.match(text, i)
    number_len = number.end() - i if number else 0
    field_len = field.end() - i if field else 0
    rec_len = 2 if text.startswith("..", i) else 0
    dot_len = 1 if text[i] == "." else 0
    best = max(number_len, field_len, rec_len, dot_len)
    if rec_len == best:
        tokens.append(Token("op", "..", i))
    elif dot_len == best:
        tokens.append(Token("op", ".", i))
    elif number_len == best:
        tokens.append(Token("number", text[i : i + best], i))
    else:
        tokens.append(Token("field", text[i + 1 : i + best], i))
    return i + best


def names_used(tokens: list[Token]) -> tuple[set[str], set[str]]:
    """(function names called, variable names read) — object keys like ``{env: 1}`` are not calls."""
    calls: set[str] = set()
    variables: set[str] = set()
    # One entry per open bracket: "{k" while at an object key, "{v" in an object value, else the bracket.
    stack: list[str] = []
    for token in tokens:
        at_key = bool(stack) and stack[-1] == "{k"
        if token.kind == "var":
            variables.add(token.text)
        elif token.kind in ("ident", "keyword") and not at_key:
            calls.add(token.text.rsplit("::", 1)[-1])
        elif token.kind == "interp_start":
            stack.append("(")
        elif token.kind == "interp_end" and stack:
            stack.pop()
        elif token.kind == "op":
            if token.text == "{":
                stack.append("{k")
            elif token.text in ("(", "["):
                stack.append(token.text)
            elif token.text in (")", "]", "}") and stack:
                stack.pop()
            elif token.text == ":" and at_key:
                stack[-1] = "{v"
            elif token.text == "," and stack and stack[-1] == "{v":
                stack[-1] = "{k"
    return calls, variables


# ---------------------------------------------------------------------------------------------------------
# Parser for the fast-path subset. Nodes are tuples whose first item is the node kind.

MAX_DEPTH = 64
_COMPARISONS = frozenset(("==", "!=", "<", "<=", ">", ">="))


def parse(tokens: list[Token]) -> Any:
    """The syntax tree of a fast-path program; raises :class:`Unsupported` for anything else.

    The subset: ``.``, fields, indices, slices, ``[]``, ``?``, literals, ``$variables``, arrays, objects,
    strings with interpolation and ``@formats``, ``|``, ``,``, ``//``, ``and``, ``or``, comparisons, ``+``,
    ``-``, ``/``, ``%``, unary ``-``, ``if``/``elif``/``else``, ``try``/``catch``, ``... as $x | ...`` with
    destructuring, and calls (which :mod:`swengine.expressions.cost` restricts to its allowlist). Not: ``*`` (string
    repetition), assignments, ``def``, ``reduce``, ``foreach``, ``label``, ``..``, ``?//``, ``$__loc__``,
    modules; nesting deeper than :data:`MAX_DEPTH`.
    """
    parser = _Parser(tokens)
    tree = parser.pipe()
    if parser.peek() is not None:
        raise Unsupported(f"unexpected {parser.peek()!r}")
    return tree


def _index(node: Any, key: Any) -> Any:
    # A literal key (string or number) is a plain lookup; anything else may search (array keys find indices).
    if key[0] != "lit":
        return ("index_by", node, key)
    return ("index", node, key, key[2] if len(key) > 2 else None)


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0
        self.depth = 0

    # -- token helpers
    def peek(self, offset: int = 0) -> Token | None:
        j = self.i + offset
        return self.tokens[j] if j < len(self.tokens) else None

    def at(self, kind: str, text: str | None = None, offset: int = 0) -> bool:
        token = self.peek(offset)
        return token is not None and token.kind == kind and (text is None or token.text == text)

    def at_op(self, *ops: str) -> bool:
        token = self.peek()
        return token is not None and token.kind == "op" and token.text in ops

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise Unsupported("unexpected end of program")
        self.i += 1
        return token

    def expect(self, kind: str, text: str | None = None) -> Token:
        if not self.at(kind, text):
            raise Unsupported(f"expected {text or kind}")
        return self.take()

    def nest(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise Unsupported("nesting too deep")

    # -- grammar, lowest precedence first
    def pipe(self, commas: bool = True) -> Any:
        self.nest()
        left = self.comma() if commas else self.alternative()
        if self.at_op("|"):
            self.take()
            left = ("pipe", left, self.pipe(commas))
        self.depth -= 1
        return left

    def comma(self) -> Any:
        items = [self.alternative()]
        while self.at_op(","):
            self.take()
            items.append(self.alternative())
        return items[0] if len(items) == 1 else ("comma", items)

    def alternative(self) -> Any:
        left = self.logical("or")
        if self.at_op("//"):
            self.take()
            self.nest()
            node = ("alt", left, self.alternative())
            self.depth -= 1
            return node
        if self.at_op("=", "|=", "+=", "-=", "*=", "/=", "%=", "//=", "?//"):
            raise Unsupported("assignment")
        return left

    def logical(self, word: str) -> Any:
        left = self.logical("and") if word == "or" else self.comparison()
        while self.at("keyword", word):
            self.take()
            right = self.logical("and") if word == "or" else self.comparison()
            left = ("binop", word, left, right)
        return left

    def comparison(self) -> Any:
        left = self.additive()
        if self.at_op(*_COMPARISONS):
            op = self.take().text
            left = ("binop", op, left, self.additive())
        return left

    def additive(self) -> Any:
        left = self.multiplicative()
        while self.at_op("+", "-"):
            op = self.take().text
            left = ("binop", op, left, self.multiplicative())
        return left

    def multiplicative(self) -> Any:
        left = self.unary()
        while self.at_op("/", "%", "*"):
            op = self.take().text
            if op == "*":
                raise Unsupported("'*' repeats strings and deep-merges objects")
            left = ("binop", op, left, self.unary())
        return left

    def unary(self) -> Any:
        if self.at_op("-"):
            self.take()
            self.nest()
            node = ("neg", self.unary())
            self.depth -= 1
            return node
        return self.postfix()

    def postfix(self) -> Any:
        node = self.term()
        while True:
            if self.at("field"):
                node = ("index", node, ("lit", 1), self.take().text)
            elif self.at_op(".") and self.at("str_start", offset=1):
                self.take()
                node = _index(node, self.string(None))
            elif self.at_op(".") and self.at("op", "[", offset=1):
                self.take()
                node = self.bracket_suffix(node)
            elif self.at_op("["):
                node = self.bracket_suffix(node)
            elif self.at_op("?"):
                self.take()
                node = ("try", node, None)
            elif self.at("keyword", "as"):
                self.take()
                names = self.patterns()
                self.expect("op", "|")
                return ("as", node, names, self.pipe())
            else:
                return node

    def bracket_suffix(self, node: Any) -> Any:
        self.expect("op", "[")
        if self.at_op("]"):
            self.take()
            return ("iterate", node)
        if self.at_op(":"):
            self.take()
            upper = self.pipe()
            self.expect("op", "]")
            return ("slice", node, None, upper)
        inner = self.pipe()
        if self.at_op(":"):
            self.take()
            upper = None if self.at_op("]") else self.pipe()
            self.expect("op", "]")
            return ("slice", node, inner, upper)
        self.expect("op", "]")
        return _index(node, inner)

    def term(self) -> Any:
        self.nest()
        node = self._term()
        self.depth -= 1
        return node

    def _term(self) -> Any:
        token = self.take()
        kind, text = token.kind, token.text
        if kind == "op" and text == ".":
            if self.at("str_start"):
                return _index(("dot",), self.string(None))
            return ("dot",)
        if kind == "field":
            return ("index", ("dot",), ("lit", 1), text)
        if kind == "number":  # an integer prints as written; other literals may print longer (1e1000)
            return ("lit", len(text) if text.isdigit() else 24)
        if kind == "str_start":
            self.i -= 1
            return self.string(None)
        if kind == "format":
            if self.at("str_start"):
                return self.string(text)
            return ("call", "@" + text, [])
        if kind == "var":
            return ("var", text)
        if kind == "op" and text == "(":
            self.nest()
            inner = self.pipe()
            self.expect("op", ")")
            self.depth -= 1
            return inner
        if kind == "op" and text == "[":
            if self.at_op("]"):
                self.take()
                return ("lit", 2)
            self.nest()
            inner = self.pipe()
            self.expect("op", "]")
            self.depth -= 1
            return ("array", inner)
        if kind == "op" and text == "{":
            return self.object()
        if kind == "ident":
            return self.call(text)
        if kind == "keyword" and text == "if":
            return self.conditional()
        if kind == "keyword" and text == "try":
            body = self.unary()
            handler = None
            if self.at("keyword", "catch"):
                self.take()
                handler = self.unary()
            return ("try", body, handler)
        raise Unsupported(f"{text!r} is outside the fast-path subset")

    def string(self, fmt: str | None) -> Any:
        self.expect("str_start")
        literal = 2
        texts: list[str] = []
        parts: list[Any] = []
        while not self.at("str_end"):
            token = self.take()
            if token.kind == "str_text":
                literal += len(token.text)
                texts.append(token.text)
            elif token.kind == "interp_start":
                self.nest()
                parts.append(self.pipe())
                self.expect("interp_end")
                self.depth -= 1
            else:
                raise Unsupported("malformed string")
        self.take()
        if not parts and fmt is None:
            text = "".join(texts)
            return ("lit", literal, None if "\\" in text else text)  # the text, when free of escapes
        return ("string", literal, parts, fmt)

    def call(self, name: str) -> Any:
        if "::" in name:
            raise Unsupported("module functions")
        if name in ("null", "true", "false") and not self.at_op("("):
            return ("lit", 5)
        args: list[Any] = []
        if self.at_op("("):
            self.take()
            self.nest()
            args.append(self.pipe())
            while self.at_op(";"):
                self.take()
                args.append(self.pipe())
            self.expect("op", ")")
            self.depth -= 1
        return ("call", name, args)

    def conditional(self) -> Any:
        self.nest()
        cond = self.pipe()
        self.expect("keyword", "then")
        then = self.pipe()
        if self.at("keyword", "elif"):
            self.take()
            otherwise = self.conditional()
            self.depth -= 1
            return ("if", cond, then, otherwise)
        otherwise = ("dot",)
        if self.at("keyword", "else"):
            self.take()
            otherwise = self.pipe()
        self.expect("keyword", "end")
        self.depth -= 1
        return ("if", cond, then, otherwise)

    def object(self) -> Any:
        self.nest()
        entries: list[tuple[Any, Any]] = []  # (key node, value node)
        while not self.at_op("}"):
            token = self.take()
            key: Any
            value: Any
            if token.kind in ("ident", "keyword"):
                key, value = ("lit", len(token.text) + 2), ("index", ("dot",), ("lit", 1), token.text)
            elif token.kind == "var" and token.text not in ("__loc__",):
                key, value = ("lit", len(token.text) + 2), ("var", token.text)
            elif token.kind == "str_start":
                self.i -= 1
                key = self.string(None)
                value = _index(("dot",), key)
            elif token.kind == "op" and token.text == "(":
                key = self.pipe()
                self.expect("op", ")")
                value = None
            else:
                raise Unsupported("object key")
            if self.at_op(":"):
                self.take()
                value = self.pipe(commas=False)
            elif value is None:
                raise Unsupported("object key without value")
            entries.append((key, value))
            if not self.at_op(","):
                break
            self.take()
        self.expect("op", "}")
        self.depth -= 1
        return ("object", entries)

    def patterns(self) -> list[str]:
        names: list[str] = []
        self.pattern(names)
        if self.at_op("?//"):
            raise Unsupported("destructuring alternatives")
        return names

    def pattern(self, names: list[str]) -> None:
        self.nest()
        token = self.take()
        if token.kind == "var":
            names.append(token.text)
        elif token.kind == "op" and token.text == "[":
            self.pattern(names)
            while self.at_op(","):
                self.take()
                self.pattern(names)
            self.expect("op", "]")
        elif token.kind == "op" and token.text == "{":
            while True:
                key = self.take()
                if key.kind == "var":
                    names.append(key.text)
                    if self.at_op(":"):
                        self.take()
                        self.pattern(names)
                elif key.kind in ("ident", "keyword") or key.kind == "str_start":
                    if key.kind == "str_start":
                        self.i -= 1
                        if self.string(None)[0] != "lit":
                            raise Unsupported("computed pattern key")
                    self.expect("op", ":")
                    self.pattern(names)
                else:
                    raise Unsupported("pattern key")
                if not self.at_op(","):
                    break
                self.take()
            self.expect("op", "}")
        else:
            raise Unsupported("pattern")
        self.depth -= 1


def top_fields(tree: Any) -> frozenset[str] | None:
    """The top-level keys a program reads from its input, when it reads nothing else of it; else None.

    With an object input, evaluating the program on just those keys gives the same result: only named
    fields of the input are read (``.a``, ``.a.b[0]``, ``{a}``), never the input as a whole (``.``,
    ``keys``, ``.[]``, a builtin applied to it).
    """
    fields: set[str] = set()
    return frozenset(fields) if _collect_fields(tree, fields) else None


def _collect_fields(node: Any, fields: set[str]) -> bool:
    """Adds the fields ``node`` reads from the top-level input; False when it reads more than fields."""
    kind = node[0]
    if kind in ("lit", "var"):
        return True
    if kind == "index" and node[1] == ("dot",):
        if node[3] is None:
            return False
        fields.add(node[3])
        return True
    if kind in ("dot", "call"):
        return False  # the whole input (a builtin applied to "." reads all of it)
    if kind == "pipe":
        return _collect_fields(node[1], fields)  # the right side reads the left side's outputs
    if kind == "try":
        return _collect_fields(node[1], fields)  # the handler reads the error
    if kind == "as":
        return _collect_fields(node[1], fields) and _collect_fields(node[3], fields)
    if kind == "comma":
        return all(_collect_fields(item, fields) for item in node[1])
    if kind == "object":
        return all(_collect_fields(key, fields) and _collect_fields(value, fields) for key, value in node[1])
    if kind == "string":
        return all(_collect_fields(part, fields) for part in node[2])
    children = [child for child in node[1:] if isinstance(child, tuple)]
    return all(_collect_fields(child, fields) for child in children)
