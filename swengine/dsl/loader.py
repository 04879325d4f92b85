"""Load a workflow document from text or a file, resolving top-level references (``functions: defs.json``).

References are read only from local files under a root directory (by default the directory of the top-level
file); network references are refused, so loading a definition never reaches outside the machine.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from swengine.core.errors import DocumentError, Problem
from swengine.dsl.constructs import Construct
from swengine.dsl.parser import DEFAULT_LIMITS, Limits, parse, syntax_of
from swengine.dsl.schema_refs import Reader, bundle
from swengine.dsl.source_map import Include, JsonPath, SourceMap, json_path, problem_at

__all__ = [
    "REFERENCE_KEYS",
    "Document",
    "JsonPath",
    "Limits",
    "SourceMap",
    "json_path",
    "load_file",
    "load_text",
]

REFERENCE_KEYS: dict[str, type] = {
    "functions": list,
    "events": list,
    "retries": list,
    "errors": list,
    "auth": list,
    "secrets": list,
    "timeouts": dict,
    "constants": dict,
}
"""Top-level properties that may instead name a file holding their value (spec: "string or array")."""


@dataclass(slots=True)
class Document:
    """A loaded workflow definition: its data and everything needed to point at a line of it."""

    data: dict[str, Any]
    source_map: SourceMap
    source: str = "<document>"
    text: str = ""
    content_hash: str = ""
    """sha256 (hex) of the top-level text."""
    base_dir: Path | None = None
    dialect: str = "standard"
    """``standard`` 0.8, or a dialect (``sonataflow``) whose rewrite to standard 0.8 ``data`` now holds."""
    constructs: list[Construct] = field(default_factory=list)
    """What the dialect's rewrite found and changed (or kept, or refused), for explanations."""
    loaded: dict[str, Any] | None = None
    """The data as loaded (file references resolved), when a dialect rewrote ``data``."""

    @property
    def resolved(self) -> dict[str, Any]:
        """The document as written, file references resolved: what is deployed for a file that includes."""
        return self.data if self.loaded is None else self.loaded

    def locate(self, path: JsonPath) -> tuple[int, int]:
        """Line and column of ``path`` (1:1 when nothing on the way is located)."""
        return self.source_map.locate(path) or (1, 1)


def load_text(
    text: str | bytes,
    *,
    source: str = "<document>",
    base_dir: Path | str | None = None,
    root: Path | str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Document:
    """Load a workflow document; file references resolve against ``base_dir``, never outside ``root``."""
    try:
        text, data, source_map = parse(text, syntax=syntax_of(source), limits=limits)
    except DocumentError as error:
        raise DocumentError(error.problems, source) from None
    if not isinstance(data, dict):
        found = "nothing" if data is None else type(data).__name__
        line, column = source_map.locate(()) or (1, 1)
        message = f"a workflow document must be a mapping, found {found}"
        raise DocumentError([problem_at("not_a_mapping", message, line, column)], source)
    base = Path(base_dir) if base_dir is not None else None
    document = Document(
        data=data,
        source_map=source_map,
        source=source,
        text=text,
        content_hash=hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
        base_dir=base,
    )
    boundary = Path(root) if root is not None else base
    problems = [
        problem
        for key in REFERENCE_KEYS
        if isinstance(data.get(key), str)
        for problem in _resolve(document, key, boundary, limits)
    ]
    problems += _resolve_input_schema(document, boundary, limits)
    if problems:
        raise DocumentError(problems, source)
    return document


def load_file(
    path: Path | str, *, root: Path | str | None = None, limits: Limits = DEFAULT_LIMITS
) -> Document:
    """Read and load a workflow file; by default its references may not leave the file's directory."""
    path = Path(path)
    try:
        raw = _read_bounded(path, limits, missing="file_not_found")
    except _Refusal as refusal:
        raise DocumentError([problem_at(refusal.code, refusal.message)], str(path)) from None
    base = path.resolve().parent
    return load_text(
        raw, source=str(path), base_dir=base, root=root if root is not None else base, limits=limits
    )


class _Refusal(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def _read_bounded(path: Path, limits: Limits, *, missing: str) -> bytes:
    """Read a file, refusing it before reading when it is larger than the limit."""
    try:
        if not path.is_file():
            raise _Refusal(missing, f"{path} not found (or not a file)")
        size = path.stat().st_size
        if size > limits.max_bytes:
            raise _Refusal(
                "document_too_large", f"{path.name} is {size} bytes, over the limit of {limits.max_bytes}"
            )
        return path.read_bytes()
    except OSError as error:
        raise _Refusal(missing, f"cannot read {path}: {error.strerror}") from None


def _resolve(document: Document, key: str, root: Path | None, limits: Limits) -> list[Problem]:
    """Replace ``data[key]`` (a reference) by the content of the file it names; return what went wrong."""
    reference = document.data[key]
    line, column = document.locate((key,))
    try:
        local, target = _target(reference, document.base_dir, root)
        raw = _read_bounded(target, limits, missing="file_reference_not_found")
        _, content, source_map = parse(raw, syntax=syntax_of(target.name), limits=limits)
        value, prefix = _extract(content, key)
    except _Refusal as refusal:
        return [problem_at(refusal.code, f"{key}: {refusal.message}", line, column, path=(key,))]
    except DocumentError as error:
        return [_relocate(problem, reference, key, line, column) for problem in error.problems]
    document.data[key] = value
    document.source_map.includes[(key,)] = Include(local, source_map, prefix)
    return []


def _resolve_input_schema(document: Document, root: Path | None, limits: Limits) -> list[Problem]:
    """``dataInputSchema`` naming a schema file (alone or as ``schema``) is replaced by the schema itself.

    A URI we cannot read is refused rather than ignored: input validation never silently turns off.
    """
    value = document.data.get("dataInputSchema")
    holder: dict[str, Any] = (
        {"schema": value} if isinstance(value, str) else value if isinstance(value, dict) else {}
    )
    reference = holder.get("schema")
    if not isinstance(reference, str):
        return []
    path: JsonPath = ("dataInputSchema",) if isinstance(value, str) else ("dataInputSchema", "schema")
    line, column = document.locate(path)
    try:
        _, target = _target(reference, document.base_dir, root)
        raw = _read_bounded(target, limits, missing="file_reference_not_found")
        _, content, _ = parse(raw, syntax=syntax_of(target.name), limits=limits)
    except _Refusal as refusal:
        return [problem_at(refusal.code, f"dataInputSchema: {refusal.message}", line, column, path=path)]
    except DocumentError as error:
        return [_relocate(problem, reference, "dataInputSchema", line, column) for problem in error.problems]
    if not isinstance(content, dict):
        message = f"dataInputSchema: {reference} does not hold a JSON Schema object"
        return [problem_at("file_reference_invalid", message, line, column, path=path)]
    try:
        content = bundle(content, target.parent, _schema_reader(root, limits))
    except _Refusal as refusal:
        message = f"dataInputSchema: {reference}: {refusal.message}"
        return [problem_at(refusal.code, message, line, column, path=path)]
    except DocumentError as error:
        return [_relocate(problem, reference, "dataInputSchema", line, column) for problem in error.problems]
    document.data["dataInputSchema"] = {**holder, "schema": content}
    return []


def _schema_reader(root: Path | None, limits: Limits) -> Reader:
    """Reads the files an input schema ``$ref``s: local, inside ``root``, bounded like the workflow."""

    def read(reference: str, directory: Path) -> tuple[Path, Any]:
        _, target = _target(reference, directory, root)
        raw = _read_bounded(target, limits, missing="file_reference_not_found")
        return target, parse(raw, syntax=syntax_of(target.name), limits=limits)[1]

    return read


def _target(reference: str, base_dir: Path | None, root: Path | None) -> tuple[str, Path]:
    """The local path a reference names, and the file it resolves to inside ``root``."""
    scheme, local = _split_reference(reference)
    if scheme:
        raise _Refusal(
            "remote_reference_refused", f"{reference!r} is not a local file (only paths and file:// are read)"
        )
    if base_dir is None or root is None:
        raise _Refusal(
            "file_reference_not_found",
            f"cannot resolve {reference!r}: the document was not loaded from a file",
        )
    target = (base_dir / local).resolve()  # resolved, so neither ".." nor a symlink can leave the root
    if not target.is_relative_to(root.resolve()):
        raise _Refusal("file_reference_outside_root", f"{reference!r} points outside {root}")
    return local, target


def _extract(content: Any, key: str) -> tuple[Any, JsonPath]:
    """The referenced value: the file's ``key`` property, else the file itself when it has the right shape."""
    expected = REFERENCE_KEYS[key]
    if isinstance(content, dict) and isinstance(content.get(key), expected):
        return content[key], (key,)
    if isinstance(content, expected):
        return content, ()
    kind = "a list" if expected is list else "an object"
    raise _Refusal("file_reference_invalid", f"the file holds neither {kind} nor an object with '{key}'")


def _relocate(problem: Problem, reference: str, key: str, line: int, column: int) -> Problem:
    """A problem inside an included file, pointed at the referring property (its own place in the message)."""
    message = f"{key}: in {reference} at {problem.location()}: {problem.message}"
    return problem_at(problem.code, message, line, column, path=(key,))


def _split_reference(reference: str) -> tuple[str, str]:
    """(remote scheme or "", local path) of a reference; ``file://x.json`` is the relative path x.json."""
    parts = urlsplit(reference)
    if parts.scheme == "file":
        return "", unquote(parts.netloc + parts.path)
    if len(parts.scheme) <= 1:  # no scheme, or a Windows drive letter
        return "", reference
    return parts.scheme, reference
