"""``swengine validate --explain``: a migration report of the constructs a dialect reads its own way.

Each construct becomes an ``info`` problem (``dialect_construct``) at its line, naming the standard 0.8
equivalent, so a team sees what its workflows depend on and can move to standard 0.8 at its own pace.
"""

from __future__ import annotations

from swengine.authoring.crossfile import CheckedFile
from swengine.dsl import dialects
from swengine.dsl.validator import to_problem


def add_explanations(checked: list[CheckedFile]) -> None:
    """Add the constructs of each loaded file to its problems, keeping them sorted by line."""
    for item in checked:
        if item.document is None:
            continue
        found = [to_problem(item.document, finding) for finding in dialects.explain(item.document)]
        item.problems = sorted(
            item.problems + found, key=lambda p: (p.line or 0, p.column or 0, p.code, p.path)
        )
