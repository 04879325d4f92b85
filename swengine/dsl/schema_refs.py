"""``dataInputSchema`` made self-contained when the definition is loaded, so no start ever resolves a URI.

Every ``$ref`` naming another file is resolved once, here, from the workflow's folder only (the same rule as
every file reference: no URL, nothing outside the root); the file is embedded under ``$defs`` and the
reference rewritten to a JSON pointer into the schema itself. A reference that cannot be resolved this way
(``http:``, ``file://`` outside the folder, an anchor in another file, a nested ``$id``) refuses the document
with a problem that names the reference and never the content of any file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from swengine.dsl.local_files import Refusal, locate_reference, read_bounded
from swengine.dsl.parser import Limits, parse, syntax_of

REFERENCE_KEYWORDS = ("$ref", "$dynamicRef", "$recursiveRef")
EMBEDDED = "$defs"
FILES = "swengine:files"
"""``$defs`` member holding the embedded files, by their path inside the root."""
REFUSED = "schema_reference_refused"


class _Bundler:
    def __init__(self, root: Path | None, limits: Limits) -> None:
        self.root = root
        self.limits = limits
        self.files: dict[str, Any] = {}

    def node(self, value: Any, directory: Path | None, key: str | None, top: bool = False) -> Any:
        """A copy of ``value`` with its references rewritten; ``key``: the embedded file it belongs to."""
        if isinstance(value, list):
            return [self.node(item, directory, key) for item in value]
        if not isinstance(value, dict):
            return value
        if "$id" in value and not top:
            raise Refusal(
                REFUSED, f"a nested $id ({value['$id']!r}) is not supported: it would move references"
            )
        copy: dict[str, Any] = {}
        for name, child in value.items():
            if name in REFERENCE_KEYWORDS and isinstance(child, str):
                copy[name] = self.reference(child, directory, key)
            else:
                copy[name] = self.node(child, directory, key)
        return copy

    def reference(self, reference: str, directory: Path | None, key: str | None) -> str:
        address, _, fragment = reference.partition("#")
        if fragment and not fragment.startswith("/"):
            if not address and key is None:
                return reference  # an anchor of the top schema itself
            raise Refusal(
                REFUSED, f"$ref {reference!r}: only JSON pointers (#/...) may point into another file"
            )
        if not address:
            return reference if key is None else f"#/{EMBEDDED}/{_escape(FILES)}/{_escape(key)}{fragment}"
        _, target = locate_reference(address, directory, self.root)
        assert self.root is not None  # locate_reference refuses every file when there is no root
        file_key = target.relative_to(self.root.resolve()).as_posix()
        if file_key not in self.files:
            self.files[file_key] = True  # reserved: a file referring back to itself (or a cycle) ends here
            raw = read_bounded(target, self.limits, missing="file_reference_not_found")
            _, content, _ = parse(raw, syntax=syntax_of(target.name), limits=self.limits)
            if not isinstance(content, (dict, bool)):
                raise Refusal("file_reference_invalid", f"$ref {address!r} does not hold a JSON Schema")
            self.files[file_key] = self.node(content, target.parent, file_key, top=True)
        return f"#/{EMBEDDED}/{_escape(FILES)}/{_escape(file_key)}{fragment}"


def _escape(token: str) -> str:
    """A JSON pointer token inside a URI fragment."""
    return quote(token.replace("~", "~0").replace("/", "~1"), safe="~:")


def bundle_schema(
    schema: dict[str, Any], directory: Path | None, root: Path | None, limits: Limits
) -> dict[str, Any]:
    """``schema`` with every file it references embedded; raises ``Refusal`` (or ``DocumentError`` for a
    referenced file that does not parse)."""
    bundler = _Bundler(root, limits)
    bundled = bundler.node(schema, directory, None, top=True)
    if bundler.files:
        embedded = dict(bundled.get(EMBEDDED) or {})
        embedded[FILES] = bundler.files
        bundled[EMBEDDED] = embedded
    return bundled
