"""Load a workflow document from text or a file, resolving top-level references (``functions: defs.json``).

References are read only from local files under a root directory (by default the directory of the top-level
file); network references are refused, so loading a definition never reaches outside the machine.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from swengine.core.errors import DocumentError, Problem
from swengine.dsl.constructs import Construct
from swengine.dsl.local_files import Refusal, locate_reference, read_bounded
from swengine.dsl.parser import DEFAULT_LIMITS, Limits, parse, syntax_of
from swengine.dsl.rpc_functions import embed_rpc_protos
from swengine.dsl.schema_refs import bundle_schema
from swengine.dsl.source_map import Include, JsonPath, SourceMap, json_path, problem_at
from swengine.dsl.v10.protos import embed_protos
from swengine.dsl.v10.schemas import schema_sites
from swengine.dsl.versions import task_dsl_version

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

    rewritten: bool = False
    """Loading changed ``data`` beyond its text (a schema's file references embedded)."""

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
    problems += _embed_protos(document, boundary, limits)
    problems += _embed_rpc_protos(document, boundary, limits)
    problems += _bundle_task_schemas(document, boundary, limits)
    if problems:
        raise DocumentError(problems, source)
    return document


def load_file(
    path: Path | str, *, root: Path | str | None = None, limits: Limits = DEFAULT_LIMITS
) -> Document:
    """Read and load a workflow file; by default its references may not leave the file's directory."""
    path = Path(path)
    try:
        raw = read_bounded(path, limits, missing="file_not_found")
    except Refusal as refusal:
        raise DocumentError([problem_at(refusal.code, refusal.message)], str(path)) from None
    base = path.resolve().parent
    return load_text(
        raw, source=str(path), base_dir=base, root=root if root is not None else base, limits=limits
    )


def _resolve(document: Document, key: str, root: Path | None, limits: Limits) -> list[Problem]:
    """Replace ``data[key]`` (a reference) by the content of the file it names; return what went wrong."""
    reference = document.data[key]
    line, column = document.locate((key,))
    try:
        local, target = locate_reference(reference, document.base_dir, root)
        raw = read_bounded(target, limits, missing="file_reference_not_found")
        _, content, source_map = parse(raw, syntax=syntax_of(target.name), limits=limits)
        value, prefix = _extract(content, key)
    except Refusal as refusal:
        return [problem_at(refusal.code, f"{key}: {refusal.message}", line, column, path=(key,))]
    except DocumentError as error:
        return [_relocate(problem, reference, key, line, column) for problem in error.problems]
    document.data[key] = value
    document.source_map.includes[(key,)] = Include(local, source_map, prefix)
    return []


def _resolve_input_schema(document: Document, root: Path | None, limits: Limits) -> list[Problem]:
    """``dataInputSchema`` becomes a self-contained schema: a schema file it names (alone or as ``schema``)
    is read, and every ``$ref`` to another file is embedded (``schema_refs``), from the folder only.

    A URI we cannot read is refused rather than ignored: input validation never silently turns off.
    """
    value = document.data.get("dataInputSchema")
    if isinstance(value, str):
        value = {"schema": value}
    if not isinstance(value, dict):
        return []
    bare = "schema" not in value  # the object is the schema itself
    reference = value if bare else value["schema"]
    path: JsonPath = ("dataInputSchema",) if bare or isinstance(document.data["dataInputSchema"], str) else (
        "dataInputSchema", "schema")  # fmt: skip
    line, column = document.locate(path)
    directory, original = document.base_dir, reference
    try:
        if isinstance(reference, str):
            _, target = locate_reference(reference, directory, root)
            raw = read_bounded(target, limits, missing="file_reference_not_found")
            _, reference, _ = parse(raw, syntax=syntax_of(target.name), limits=limits)
            if not isinstance(reference, dict):
                raise Refusal(
                    "file_reference_invalid", f"{value['schema']} does not hold a JSON Schema object"
                )
            directory = target.parent
        if not isinstance(reference, dict):
            return []
        schema = bundle_schema(reference, directory, root, limits)
    except Refusal as refusal:
        return [problem_at(refusal.code, f"dataInputSchema: {refusal.message}", line, column, path=path)]
    except DocumentError as error:
        where = value["schema"] if isinstance(value.get("schema"), str) else "a referenced schema"
        return [_relocate(problem, where, "dataInputSchema", line, column) for problem in error.problems]
    if schema != original:
        document.data["dataInputSchema"] = schema if bare else {**value, "schema": schema}
        document.rewritten = True
    return []


def _bundle_task_schemas(document: Document, root: Path | None, limits: Limits) -> list[Problem]:
    """1.0 inline schemas (``input``/``output``/``export``) made self-contained as ``dataInputSchema`` is: the
    files they reference embedded from the folder, a URL refused here rather than fetched by a worker."""
    if not isinstance(document.data.get("document"), dict) or task_dsl_version(document.data) is None:
        return []
    problems = []
    for owner, schema in schema_sites(document.data):
        inline = schema.get("document")
        if not isinstance(inline, dict):
            continue
        path = owner + ("document",)
        line, column = document.locate(path)
        try:
            bundled = bundle_schema(inline, document.base_dir, root, limits)
        except Refusal as refusal:
            problems.append(problem_at(refusal.code, f"schema: {refusal.message}", line, column, path=path))
            continue
        except DocumentError as error:
            problems += [
                _relocate(each, "a referenced schema", "schema", line, column, path)
                for each in error.problems
            ]
            continue
        if bundled != inline:
            schema["document"] = bundled
            document.rewritten = True
    return problems


def _embed_protos(document: Document, root: Path | None, limits: Limits) -> list[Problem]:
    """1.0 ``call: grpc`` protos, compiled now (deploy time) and embedded in the task (``dsl.v10.protos``)."""
    if not isinstance(document.data.get("document"), dict) or task_dsl_version(document.data) is None:
        return []
    embedded, refusals = embed_protos(document.data, document.base_dir, root, limits)
    document.rewritten = document.rewritten or embedded
    return _located(document, refusals, "proto")


def _embed_rpc_protos(document: Document, root: Path | None, limits: Limits) -> list[Problem]:
    """0.8 ``rpc`` functions' protos, compiled now (deploy time) and embedded in their metadata."""
    if isinstance(document.data.get("document"), dict):
        return []
    embedded, refusals = embed_rpc_protos(document.data, document.base_dir, root, limits)
    document.rewritten = document.rewritten or embedded
    return _located(document, refusals, "rpc")


def _located(document: Document, refusals: list[tuple[JsonPath, Refusal]], what: str) -> list[Problem]:
    """Each refusal as a problem at its path's line."""
    return [
        problem_at(refusal.code, f"{what}: {refusal.message}", *document.locate(path), path=path)
        for path, refusal in refusals
    ]


def _extract(content: Any, key: str) -> tuple[Any, JsonPath]:
    """The referenced value: the file's ``key`` property, else the file itself when it has the right shape."""
    expected = REFERENCE_KEYS[key]
    if isinstance(content, dict) and isinstance(content.get(key), expected):
        return content[key], (key,)
    if isinstance(content, expected):
        return content, ()
    kind = "a list" if expected is list else "an object"
    raise Refusal("file_reference_invalid", f"the file holds neither {kind} nor an object with '{key}'")


def _relocate(
    problem: Problem, reference: str, key: str, line: int, column: int, path: JsonPath | None = None
) -> Problem:
    """A problem inside an included file, pointed at the referring property (its own place in the message)."""
    message = f"{key}: in {reference} at {problem.location()}: {problem.message}"
    return problem_at(problem.code, message, line, column, path=path or (key,))
