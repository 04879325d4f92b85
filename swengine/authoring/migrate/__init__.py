"""``swengine migrate``: a 0.8 document (standard or SonataFlow) as DSL 1.0.3 that means the same.

``migrate`` translates a loaded (dialect-rewritten) document; ``render`` writes it as YAML. What 1.0 cannot
say is never changed silently: each such place is a ``Note`` with its 0.8 line:col and a ``# TODO`` in the
output.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from swengine.authoring.migrate.context import Note, Translation
from swengine.authoring.migrate.document import translate_document
from swengine.authoring.migrate.render import render
from swengine.dsl.loader import Document


@dataclass(frozen=True, slots=True)
class Migration:
    """A translated document (1.0 data, TODO notes still attached), its notes, and its YAML text."""

    data: dict[str, Any]
    notes: list[Note]
    text: str


def migrate(document: Document) -> Migration:
    """Translate a standard 0.8 document (load it through ``dsl.dialects`` to read a dialect first)."""
    translation = Translation(document)
    data = translate_document(translation)
    notes = sorted(translation.notes, key=lambda note: (note.line, note.column, note.message))
    return Migration(data=data, notes=notes, text=render(data, document.text))


__all__ = ["Migration", "Note", "migrate"]
