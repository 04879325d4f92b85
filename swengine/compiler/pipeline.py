"""The front half of the pipeline: text or file -> loaded -> validated -> compiled IR (or all the problems)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from swengine.compiler import compile_workflow
from swengine.compiler.tasks import compile_task_document
from swengine.core.errors import DocumentError
from swengine.core.ir import ContinueAs, SubflowCall, WorkflowIR, nodes
from swengine.core.ir_tasks import RunWorkflowTask
from swengine.core.remembered import RememberedFor
from swengine.dsl.dialects import STANDARD, load_file, load_text
from swengine.dsl.loader import Document
from swengine.dsl.validator import validate
from swengine.dsl.versions import is_task_dsl


def compile_document(document: Document) -> WorkflowIR:
    """Validate then compile; refuse with every error (warnings do not refuse)."""
    errors = [p for p in validate(document) if p.severity == "error"]
    if errors:
        raise DocumentError(errors, source=document.source)
    if is_task_dsl(document.data):
        return compile_task_document(document.data, content_hash=document.content_hash)
    return compile_workflow(document.data, content_hash=document.content_hash, dialect=document.dialect)


def compile_text(text: str | bytes, *, source: str = "<document>", dialect: str = STANDARD) -> WorkflowIR:
    return compile_document(load_text(text, source=source, dialect=dialect))


def compile_path(path: str | Path, *, dialect: str = STANDARD) -> WorkflowIR:
    return compile_document(load_file(Path(path), dialect=dialect))


def referenced_workflows(ir: WorkflowIR) -> list[tuple[str, str | None]]:
    """(workflow id, version) of every subflow and ``continueAs`` target, in document order."""
    return list(_reach(ir)[0])


def node_count(ir: WorkflowIR) -> int:
    """How many IR nodes the definition has: its size, as the work of handling it grows."""
    return _reach(ir)[1]


_reached: RememberedFor[WorkflowIR, tuple[tuple[tuple[str, str | None], ...], int]] = RememberedFor(256)


def _reach(ir: WorkflowIR) -> tuple[tuple[tuple[str, str | None], ...], int]:
    """One walk of the definition (its references, its node count), remembered per IR object: every start
    needs both, and walking a definition took 25 to 265 µs (IR objects are never changed once compiled)."""
    known = _reached.get(ir)
    if known is not None:
        return known
    found: list[tuple[str, str | None]] = []
    count = 0
    for node in nodes(ir.states):
        count += 1
        if (
            isinstance(node, (SubflowCall, ContinueAs, RunWorkflowTask))
            and (node.workflow_id, node.version) not in found
        ):
            found.append((node.workflow_id, node.version))
    reach = (tuple(found), count)
    _reached.put(ir, reach)
    return reach


Lookup = Callable[[str, str | None], WorkflowIR | None]


def bundle_subflows(ir: WorkflowIR, lookup: Lookup) -> dict[str, WorkflowIR]:
    """Every definition reachable from ``ir`` through subflows, keyed ``id`` and ``id@version``.

    Bundled at start so the IR in history is self-contained: a running instance never depends on the store.
    A definition not found is left out: calling it fails that state with ``subflow_not_found``, which
    ``onErrors`` can catch, instead of refusing instances that may never take that path.
    """
    bundle: dict[str, WorkflowIR] = {}
    queue: list[WorkflowIR] = [ir]
    while queue:
        current = queue.pop()
        for workflow_id, version in referenced_workflows(current):
            key = f"{workflow_id}@{version}" if version else workflow_id
            if key in bundle or workflow_id == ir.id and version in (None, ir.version):
                continue
            found = lookup(workflow_id, version)
            if found is None:
                continue
            bundle[key] = found
            bundle.setdefault(found.id, found)
            if found.version:
                bundle.setdefault(f"{found.id}@{found.version}", found)
            queue.append(found)
    return bundle


def directory_lookup(files: Iterable[Path], *, dialect: str = STANDARD) -> Lookup:
    """Find subflows among workflow files (for ``swengine run``): compiled lazily, by id and version."""
    cache: dict[Path, WorkflowIR | None] = {}

    def lookup(workflow_id: str, version: str | None) -> WorkflowIR | None:
        for path in files:
            if path not in cache:
                try:
                    cache[path] = compile_path(path, dialect=dialect)
                except Exception:  # noqa: BLE001 - a broken neighbour file is simply not a candidate
                    cache[path] = None
            candidate = cache[path]
            if (
                candidate
                and candidate.id == workflow_id
                and (version is None or candidate.version == version)
            ):
                return candidate
        return None

    return lookup
