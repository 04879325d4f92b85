"""SonataFlow's reading of a string that may be jq: an expression when it compiles, else the literal text.

SonataFlow (``ExpressionHandlerUtils.transform``, ``WorkItemBuilder.isExpression``, ``JqExpression``) evaluates
a string argument when it is valid jq (``${ }`` or the legacy ``{{ }}`` optional, or a text with ``\\( )``
interpolations, read as a jq string), and keeps the original text when it is not, or when the evaluation
throws. ``"Hello"`` (an undefined function) stays text; ``".orderId"``, ``"1"`` and ``"true"`` are evaluated.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from swengine import expressions
from swengine.dsl.expression_batch import problems_of

_LEGACY = ("{{", "}}")
_INTERPOLATION = "\\("


def body_of(text: str) -> str:
    """The text SonataFlow compiles: ``${ }`` (or the legacy ``{{ }}``) removed, whitespace trimmed."""
    if expressions.is_expression(text):
        return expressions.strip(text)
    stripped = text.strip()
    if stripped.startswith(_LEGACY[0]):
        stripped = stripped.removeprefix(_LEGACY[0]).removesuffix(_LEGACY[1])
    return stripped.strip()


def _valid(body: str) -> bool:
    return bool(body) and not any(code == "invalid_expression" for code, _ in problems_of(body))


def program_of(text: str) -> str | None:
    """The jq program SonataFlow runs for ``text``, or None when it reads it as plain text.

    Forbidden builtins still count as jq: validation then refuses them, rather than passing them as text.
    """
    body = body_of(text)
    if _valid(body):
        return body
    if _INTERPOLATION in body and not body.startswith('"') and _valid(f'"{body}"'):
        return f'"{body}"'
    return None


def quoted(text: str) -> str:
    """``text`` as a jq string literal."""
    return json.dumps(text, ensure_ascii=False)


def wrapped_program(text: str) -> str | None:
    """Only ``${ }`` is an expression: how strings read once JSONPath documents are translated to jq."""
    return expressions.strip(text) if expressions.is_expression(text) else None


@dataclass(frozen=True, slots=True)
class Reading:
    """How a document's strings are read: which are expressions, and the jq they stand for."""

    program_of: Callable[[str], str | None]

    def compiles(self, text: str) -> bool:
        return self.program_of(text) is not None

    def is_bare(self, text: str) -> bool:
        """A string SonataFlow evaluates although it is not written as ``${ ... }``."""
        return not expressions.is_expression(text) and self.compiles(text)

    def evaluated_or_text(self, text: str) -> str:
        """The standard expression for a string argument: its value, or the text when evaluation fails."""
        return "${ try (" + str(self.program_of(text)) + ") catch " + quoted(text) + " }"


JQ = Reading(program_of)
WRAPPED = Reading(wrapped_program)
