"""SonataFlow's reading of a string that may be jq: an expression when it compiles, else the literal text.

SonataFlow (``ExpressionHandlerUtils.transform`` and ``WorkItemBuilder.isExpression``) evaluates a string
argument when it is valid jq (``${ }`` optional) and keeps the original text when it is not, or when the
evaluation throws. ``"Hello"`` (an undefined function) stays text; ``".orderId"``, ``"1"`` and ``"true"`` are
evaluated.
"""

from __future__ import annotations

import json

from swengine import expressions
from swengine.dsl.expression_batch import problems_of

_LEGACY = ("{{", "}}")


def body_of(text: str) -> str:
    """The jq program SonataFlow sees: ``${ }`` (or the legacy ``{{ }}``) removed, whitespace trimmed."""
    if expressions.is_expression(text):
        return expressions.strip(text)
    stripped = text.strip()
    if stripped.startswith(_LEGACY[0]):
        stripped = stripped.removeprefix(_LEGACY[0]).removesuffix(_LEGACY[1])
    return stripped.strip()


def compiles(text: str) -> bool:
    """True when the string is valid jq (forbidden builtins still count as jq: validation refuses them)."""
    body = body_of(text)
    return bool(body) and not any(code == "invalid_expression" for code, _ in problems_of(body))


def is_bare(text: str) -> bool:
    """A string SonataFlow evaluates although it is not written as ``${ ... }``."""
    return not expressions.is_expression(text) and compiles(text)


def evaluated_or_text(text: str) -> str:
    """The standard expression for a string argument: its value, or the text itself when evaluation fails."""
    return "${ try (" + body_of(text) + ") catch " + quoted(text) + " }"


def quoted(text: str) -> str:
    """``text`` as a jq string literal."""
    return json.dumps(text, ensure_ascii=False)
