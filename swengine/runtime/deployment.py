"""Deploying a definition: store it, then make its Temporal Schedule follow the latest version.

The API and ``swengine serve`` (loading ``specs/``) both deploy through here.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from temporalio.service import RPCError

from swengine.compiler.pipeline import compile_document, compile_text
from swengine.core.errors import DocumentError, NotFound, SwengineError
from swengine.core.ir import WorkflowIR
from swengine.dsl.dialects import STANDARD, load_file
from swengine.dsl.discovery import find_workflow_files
from swengine.runtime.schedules import follow_latest, schedule_for
from swengine.runtime.service import Service
from swengine.runtime.store import NO_VERSION, DefinitionStore, Origin, PutOutcome, StoredDefinition

log = logging.getLogger("swengine.runtime.deployment")

JSON = "application/json"
YAML = "application/yaml"


@dataclass(frozen=True)
class Deployment:
    outcome: PutOutcome
    stored: StoredDefinition
    schedule_id: str | None


def _has_schedule(ir: WorkflowIR | None) -> bool:
    return ir is not None and ir.schedule is not None


async def deploy(
    service: Service,
    store: DefinitionStore,
    ir: WorkflowIR,
    source: str,
    media_type: str,
    *,
    replace: bool = False,
    origin: Origin = "api",
) -> Deployment:
    """Store ``ir``; a schedule that could not start anything, or a definition whose subflow bundle is over
    the payload limit, is refused before anything is stored."""
    schedule_for(service, ir)  # a schedule it could not make is refused here
    service.sized(ir, {})
    had_schedule = _has_schedule(store.lookup(ir.id, None))
    outcome, stored = store.put(ir, source, media_type, replace=replace, origin=origin)
    schedule_id = None
    if had_schedule or _has_schedule(ir):
        schedule_id = await follow_latest(service, ir.id, store.lookup(ir.id, None))
    return Deployment(outcome, stored, schedule_id)


async def withdraw(service: Service, store: DefinitionStore, definition_id: str, version: str | None) -> int:
    """Delete one version (or all); the schedule then follows whatever version is left, if any."""
    had_schedule = _has_schedule(store.lookup(definition_id, None))
    removed = store.delete(definition_id, version)
    if had_schedule:
        await follow_latest(service, definition_id, store.lookup(definition_id, None))
    return removed


def workflow_files(directory: Path) -> list[Path]:
    """The workflows under ``directory``, as ``swengine validate`` finds them (test cases and other YAML skipped)."""
    return find_workflow_files([directory])[0]


def compile_file(path: Path, *, dialect: str = STANDARD) -> tuple[WorkflowIR, str, str]:
    """(IR, source text, media type); a file including others is stored as its resolved JSON document, so
    its content hash changes when an included file does (as ``swengine deploy`` submits it)."""
    document = load_file(path, dialect=dialect)
    if document.source_map.includes or document.rewritten:
        text = json.dumps(document.resolved, ensure_ascii=False, indent=2)
        return compile_text(text, source=str(path), dialect=dialect), text, JSON
    return compile_document(document), document.text, JSON if path.suffix.lower() == ".json" else YAML


def newer_api_version(store: DefinitionStore, ir: WorkflowIR, path: Path) -> str | None:
    """Why the stored version beats the file: other content, deployed through the API after the file's last
    change; None when the file should be deployed."""
    try:
        stored = store.get(ir.id, ir.version or NO_VERSION)
    except NotFound:
        return None
    if stored.origin != "api" or stored.content_hash == ir.content_hash:
        return None
    changed = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    if changed > stored.updated_at:
        return None
    return (f"'{ir.id}' version '{ir.version}' was replaced through the API at {stored.updated_at:%Y-%m-%d %H:%M:%S}"
            " UTC, after this file last changed")  # fmt: skip


async def deploy_files(
    service: Service,
    store: DefinitionStore,
    files: Iterable[Path],
    *,
    report: Callable[[str], None] = log.error,
    dialect: str = STANDARD,
) -> list[Deployment]:
    """Deploy each file; a file wins over what was deployed before under the same id and version, unless that
    content was replaced through the API after the file last changed (``serve`` never reverts it).

    An invalid file is reported (every problem, with its line) and skipped: one bad file never stops the rest.
    """
    deployed = []
    for path in files:
        try:
            ir, text, media_type = compile_file(path, dialect=dialect)
            newer = newer_api_version(store, ir, path)
            if newer is not None:
                report(f"{path}: not deployed: {newer} (skipped)")
                continue
            deployed.append(await deploy(service, store, ir, text, media_type, replace=True, origin="file"))
        except DocumentError as refused:
            for problem in refused.problems:
                report(f"{path}:{problem.location()}: {problem.code}: {problem.message} (skipped)")
        except (
            SwengineError,
            OSError,
            UnicodeDecodeError,
            RPCError,
        ) as err:  # RPCError: Temporal refused its schedule
            report(f"{path}: {err} (skipped)")
    return deployed
