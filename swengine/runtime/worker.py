"""Builds the Temporal worker: the interpreter, built-in and engine activities, and the operator's modules."""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from temporalio import activity
from temporalio.client import Client
from temporalio.worker import UnsandboxedWorkflowRunner, Worker, WorkflowRunner
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

import builtin_activities
from swengine.activities.a2a import call_a2a
from swengine.activities.emit import EventEmitter, Sink
from swengine.activities.grpc_call import call_grpc, call_rpc
from swengine.activities.guard import ActivityGuard
from swengine.activities.http import invoke_http
from swengine.activities.lifecycle import LifecyclePublisher
from swengine.activities.mcp import call_mcp
from swengine.activities.pause import pause
from swengine.activities.process import run_process
from swengine.activities.rest import invoke_rest
from swengine.core.ir import DEFAULT_TASK_QUEUE
from swengine.core.settings import Settings
from swengine.interpreter.repeater import Repeater
from swengine.interpreter.workflow import DefinitionInterpreter, Interpreter

PASSTHROUGH_MODULES = ("swengine", "jq", "jsonschema", "referencing", "rpds", "attrs", "yaml", "re2")
"""Deterministic modules handed to the sandbox as-is: re-importing them per run tripled the start cost."""


def workflow_runner() -> WorkflowRunner:
    """How the interpreter runs: unsandboxed by default, sandboxed with ``SWENGINE_SANDBOX=1``.

    No user code runs inside the workflow (user code runs in activities, jq in the guarded evaluator), and
    our deterministic modules would be passed through the sandbox anyway; it cost a third of the worker's
    CPU per instance (see BENCHMARKS.md). The layering and replay tests keep the interpreter deterministic.
    """
    if Settings.from_env().sandbox:
        return sandbox_runner()
    return UnsandboxedWorkflowRunner()


def sandbox_runner() -> SandboxedWorkflowRunner:
    """The workflow sandbox with our deterministic modules passed through (replay tests run under both)."""
    return SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH_MODULES)
    )


def load_activity_modules(names: Sequence[str]) -> list[Callable[..., Any]]:
    """Activities from importable modules named by the operator: a module's ``ACTIVITIES`` list, or every
    function in it decorated with ``@activity.defn``. A spec can only call what is registered here."""
    found: list[Callable[..., Any]] = []
    for name in names:
        module = importlib.import_module(name)
        listed = getattr(module, "ACTIVITIES", None)
        if listed is None:
            listed = [
                v for v in vars(module).values() if callable(v) and activity._Definition.from_callable(v)
            ]
        found.extend(listed)
    return found


def _by_name(activities: Sequence[Callable[..., Any]]) -> dict[str, Callable[..., Any]]:
    """Later registrations win (so mocks replace real activities); sorted for a stable order."""
    table: dict[str, Callable[..., Any]] = {}
    for fn in activities:
        definition = activity._Definition.must_from_callable(fn)
        assert definition.name is not None
        table[definition.name] = fn
    return dict(sorted(table.items()))


@cache
def build_id() -> str:
    """The worker's build id: our version and a digest of the engine's sources. Left to the SDK, it hashes the
    byte code of every loaded module, compiling most of them again (a second of every ``swengine run``)."""
    try:
        version = metadata.version("swengine")
    except metadata.PackageNotFoundError:
        version = "unknown"
    digest = hashlib.sha256()
    for package in (Path(__file__).resolve().parents[1], Path(builtin_activities.__file__).resolve().parent):
        for source in sorted(package.rglob("*.py")):
            digest.update(source.read_bytes())
    return f"swengine-{version}-{digest.hexdigest()[:12]}"


def build_worker(
    client: Client,
    *,
    task_queue: str = DEFAULT_TASK_QUEUE,
    activity_modules: Sequence[str] = (),
    extra_activities: Sequence[Callable[..., Any]] = (),
    sinks: Sequence[Sink] = (),
    max_concurrent_activities: int = 100,
) -> Worker:
    """A worker running the interpreter; ``extra_activities`` (such as mocks) override same-named ones."""
    emitter = EventEmitter.from_environment(sinks)
    lifecycle = LifecyclePublisher.from_settings(Settings.from_env())
    activities = _by_name(
        [
            *builtin_activities.ACTIVITIES,
            emitter.emit,
            lifecycle.send,
            pause,
            invoke_rest,
            invoke_http,
            run_process,
            call_mcp,
            call_grpc,
            call_rpc,
            call_a2a,
            *load_activity_modules(activity_modules),
            *extra_activities,
        ]
    )
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[DefinitionInterpreter, Interpreter, Repeater],
        activities=list(activities.values()),
        activity_executor=ThreadPoolExecutor(max_workers=max_concurrent_activities),
        max_concurrent_activities=max_concurrent_activities,
        workflow_runner=workflow_runner(),
        interceptors=[ActivityGuard()],
        build_id=build_id(),
    )
