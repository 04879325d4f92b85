"""Authors' regular expressions (JSON Schema ``pattern`` and ``patternProperties``, 1.0 ``listen`` filters),
matched by RE2 in time linear in the text. Python's ``re`` backtracks: ``^(a+)+$`` took minutes on thirty-odd
characters of someone's input, holding the interpreter lock of the API or of the workflow thread. RE2 has no
backreferences and no lookaround; a pattern that uses them is refused when the definition is validated
(``unsupported_pattern``), and never matched by anything slower."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import re2

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # a refused pattern is reported as a problem, not printed by RE2 to stderr


class PatternUnsupported(ValueError):
    """A pattern RE2 does not run (or that is not a regular expression at all)."""


@lru_cache(maxsize=1024)
def compiled(pattern: str) -> Any:
    try:
        return re2.compile(pattern, _OPTIONS)
    except re2.error as error:
        reason = (
            error.args[0].decode(errors="replace")
            if error.args and isinstance(error.args[0], bytes)
            else error
        )
        raise PatternUnsupported(f"{pattern!r}: {reason}") from None


def unsupported(pattern: str) -> str | None:
    """Why ``pattern`` cannot be matched here, or None."""
    try:
        compiled(pattern)
    except PatternUnsupported as refused:
        return str(refused)
    return None


def search(pattern: str, text: str) -> bool:
    """Whether ``pattern`` matches somewhere in ``text`` (JSON Schema's reading of ``pattern``)."""
    return compiled(pattern).search(text) is not None


def fullmatch(pattern: str, text: str) -> bool:
    return compiled(pattern).fullmatch(text) is not None
