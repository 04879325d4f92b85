"""Where the interpreter's time goes: worker CPU per instance, ours against hand-written, and what it is spent on.

Run: ``.venv/bin/python bench/hotspots.py [--quick]``. Three parts:

1. Histories: on a dev server, runs the benchmark workflows once per side (K = 1, 5, 20 sequences, the
   20-state transforms chain, the floors, and 300 events into one instance) and fetches their histories.
2. Replay: replays each history many times in this process with Temporal's ``Replayer`` (activations inline,
   so nothing but the worker-side work is timed: decoding the input, the sandbox, the workflow code, the
   commands). That is the worker CPU one instance costs, without the server: as shipped, sandboxed and
   unsandboxed. Then cProfile of the replays, top functions.
3. Micro costs of the pieces an instance uses per run, per state and per action (IR decode, ``Service``
   request building, expression evaluation, merging, payload checks, retry policies).

Prints tables and writes ``bench/hotspots.json`` (and, for a closer look with ``python -m pstats``,
``<tmp>/swengine-hotspots-<name>.pstats``).
"""

from __future__ import annotations

import asyncio
import cProfile
import json
import pstats
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from common import (
    SEQUENCE_INPUT,
    TRANSFORMS_INPUT,
    Bench,
    arguments,
    bench_environment,
    compile_document,
    sequence_document,
    table,
    tick_event,
    transforms_document,
    write_results,
)
from transforms import ONE_STATE

WATCHED = {
    "IR decode (swengine ir_codec)": ("swengine/core/ir_codec.py", "decode_run_request"),
    "SDK value_to_type (all payloads)": ("temporalio/converter/_payload_converter.py", "value_to_type"),
    "  of which typing.get_type_hints": ("typing.py", "get_type_hints"),
    "sandbox: new instance": ("workflow_sandbox/_runner.py", "_create_instance"),
    "sandbox: restricted imports": ("workflow_sandbox/_importer.py", "_import"),
    "interpreter: RunContext.create": ("swengine/interpreter/context.py", "create"),
    "interpreter: _run_state": ("swengine/interpreter/workflow.py", "_run_state"),
    "expressions.evaluate (all modes)": ("swengine/expressions/__init__.py", "_evaluate"),
    "json_merge.merge_at": ("swengine/core/json_merge.py", "merge_at"),
    "limits.check_payload": ("swengine/core/limits.py", "check_payload"),
    "retries.retry_policy": ("swengine/interpreter/retries.py", "retry_policy"),
    "json.dumps": ("json/__init__.py", "dumps"),
    "workflow.execute_activity": ("temporalio/workflow.py", "execute_activity"),
}


# ---------------------------------------------------------------------------------------------------------
# 1. Histories


async def histories(bench: Bench) -> dict[str, Any]:
    """One history per workload and side."""
    found: dict[str, Any] = {}
    for k in (1, 5, 20):
        ir = compile_document(sequence_document(k))
        found[f"ours_k{k}"] = await _ours_history(bench, ir, SEQUENCE_INPUT)
        found[f"hand_k{k}"] = await _hand_history(bench, "bench.HandSequence", [k, SEQUENCE_INPUT])
    # the hand-written K = 20 with an activity summary on each call, as the interpreter sets one
    found["hand_k20_summary"] = await _hand_history(bench, "bench.HandSequence", [20, SEQUENCE_INPUT, "work"])
    found["ours_transforms"] = await _ours_history(
        bench, compile_document(transforms_document()), TRANSFORMS_INPUT
    )
    found["hand_transforms"] = await _hand_history(bench, "bench.HandTransforms", [TRANSFORMS_INPUT])
    found["ours_1_state"] = await _ours_history(bench, compile_document(ONE_STATE), TRANSFORMS_INPUT)
    found["hand_floor"] = await _hand_history(bench, "bench.HandFloor", [TRANSFORMS_INPUT])
    found["ours_ticks"] = await _ticks_history(bench, "ours")
    found["hand_ticks"] = await _ticks_history(bench, "hand")
    return found


TICKS = 300
"""Events sent (as signals, 8 in flight) into one instance for the event-loop histories."""


async def _ticks_history(bench: Bench, side: str) -> Any:
    """One instance consuming ``TICKS`` events one by one: the ticks document, or the hand-written waiter."""
    from events import api_document

    run = uuid.uuid4().hex[:8]
    if side == "ours":
        started = await bench.ours.start(compile_document(api_document()), {"count": 0, "target": TICKS})
        handle = bench.client.get_workflow_handle(started.instance_id)
    else:
        handle = await bench.client.start_workflow(
            "bench.HandWaiter",
            args=[{"count": 0, "target": TICKS}],
            id=f"hand-ticks-{run}",
            task_queue=bench.hand_queue,
        )
    gate = asyncio.Semaphore(8)

    async def send(index: int) -> None:
        async with gate:
            await handle.signal("event", tick_event(index, run))

    await asyncio.gather(*(send(i) for i in range(TICKS)))
    await handle.result()
    return await handle.fetch_history()


async def _ours_history(bench: Bench, ir: Any, data: Any) -> Any:
    started = await bench.ours.start(ir, data)
    await bench.ours.result(started.instance_id)
    return await bench.client.get_workflow_handle(started.instance_id).fetch_history()


async def _hand_history(bench: Bench, workflow: str, args: list[Any]) -> Any:
    handle = await bench.client.start_workflow(
        workflow, args=args, id=f"{workflow}-{uuid.uuid4()}", task_queue=bench.hand_queue
    )
    await handle.result()
    return await handle.fetch_history()


# ---------------------------------------------------------------------------------------------------------
# 2. Replay


def replayer(side: str, runner: str = "shipped") -> Any:
    """A replayer of one side: ``shipped`` (our worker's runner as built; the SDK's sandbox for hand-written),
    ``sandbox`` or ``none``."""
    import handwritten
    from temporalio.worker import Replayer, UnsandboxedWorkflowRunner
    from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

    from swengine.interpreter.workflow import DefinitionInterpreter, Interpreter
    from swengine.runtime import worker as engine_worker

    workflows = [DefinitionInterpreter, Interpreter] if side == "ours" else handwritten.WORKFLOWS
    if runner == "none":
        chosen: Any = UnsandboxedWorkflowRunner()
    elif side == "hand":
        chosen = SandboxedWorkflowRunner()
    elif runner == "shipped" and hasattr(engine_worker, "workflow_runner"):
        chosen = engine_worker.workflow_runner()
    else:
        chosen = engine_worker.sandbox_runner()
    # the interpreter's own workflow interceptors, when the worker registers some
    interceptors = list(getattr(engine_worker, "WORKFLOW_INTERCEPTORS", [])) if side == "ours" else []
    return Replayer(workflows=workflows, workflow_runner=chosen, debug_mode=True, interceptors=interceptors)


async def _replay_many(replay: Any, history: Any, count: int) -> float:
    async def stream() -> AsyncIterator[Any]:
        for _ in range(count):
            yield history

    began = time.process_time()
    results = await replay.replay_workflows(stream(), raise_on_replay_failure=True)
    spent = time.process_time() - began
    assert not results.replay_failures
    return spent / count


async def replay_costs(found: dict[str, Any], count: int) -> list[dict[str, Any]]:
    rows = []
    for name, history in found.items():
        side = "ours" if name.startswith("ours") else "hand"
        repeats = max(3, count // 10) if name.endswith("ticks") else count
        await _replay_many(replayer(side), history, 3)  # warm: imports, sandbox module cache
        row: dict[str, Any] = {"history": name, "events": len(history.events)}
        row["shipped_ms"] = await _replay_many(replayer(side), history, repeats) * 1000
        row["sandbox_ms"] = await _replay_many(replayer(side, "sandbox"), history, repeats) * 1000
        row["no_sandbox_ms"] = await _replay_many(replayer(side, "none"), history, repeats) * 1000
        rows.append(row)
        print(f"  replay {name}: {row['shipped_ms']:.2f} ms CPU per instance")
    return rows


async def profiled(found: dict[str, Any], name: str, count: int) -> dict[str, Any]:
    """cProfile of ``count`` replays of one history: watched functions and the top of the profile."""
    side = "ours" if name.startswith("ours") else "hand"
    replay = replayer(side)
    await _replay_many(replay, found[name], 3)
    profile = cProfile.Profile()
    profile.enable()
    await _replay_many(replay, found[name], count)
    profile.disable()
    path = Path(tempfile.gettempdir()) / f"swengine-hotspots-{name}.pstats"  # bench/ keeps only the JSON
    profile.dump_stats(path)
    stats = pstats.Stats(profile)
    total = max(stats.total_tt, 1e-9)  # type: ignore[attr-defined]
    watched = {}
    for label, (file_part, function) in WATCHED.items():
        cumulative = sum(
            value[3]
            for (filename, _line, func), value in stats.stats.items()  # type: ignore[attr-defined]
            if func == function and filename.endswith(file_part)
        )
        watched[label] = {"ms_per_instance": cumulative / count * 1000, "share": cumulative / total}
    round_trips = {
        func: value[1] / count
        for (filename, _line, func), value in stats.stats.items()  # type: ignore[attr-defined]
        if filename.endswith("workflow_sandbox/_runner.py")
        and func in ("_run_code", "activate", "get_serialization_context", "get_external_store_context")
    }
    top = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)[:15]  # type: ignore[attr-defined]
    top_rows = [
        {"function": f"{_short(filename)}:{line}({func})", "tottime_ms_per_instance": value[2] / count * 1000,
         "cumtime_ms_per_instance": value[3] / count * 1000}
        for (filename, line, func), value in top
    ]  # fmt: skip
    return {"history": name, "replays": count, "total_ms_per_instance": total / count * 1000,
            "watched": watched, "sandbox_calls_per_instance": round_trips, "top_tottime": top_rows, "pstats": str(path)}  # fmt: skip


REPO_ROOT = Path(__file__).resolve().parents[1]


def _short(filename: str) -> str:
    for marker in ("site-packages/", f"{REPO_ROOT}/", "python3.11/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


# ---------------------------------------------------------------------------------------------------------
# 3. Micro costs


def per_call_us(action: Callable[[], Any], seconds: float = 0.2) -> float:
    rounds = []
    for _ in range(5):
        count, began = 0, time.perf_counter()
        while count < 20 or time.perf_counter() - began < seconds / 5:
            action()
            count += 1
        rounds.append((time.perf_counter() - began) / count)
    return statistics.median(rounds) * 1e6


def micro_costs() -> list[dict[str, Any]]:
    from temporalio.converter import DataConverter

    from swengine import expressions
    from swengine.core import json_merge
    from swengine.core.ir import RunRequest, WorkflowIR
    from swengine.interpreter.retries import action_timeout, retry_policy
    from swengine.runtime.service import Service

    try:
        from swengine.core.limits import check_payload
    except ImportError:
        check_payload = None

    converter = DataConverter.default.payload_converter
    rows = []
    documents = {"K=1": sequence_document(1), "K=5": sequence_document(5), "K=20": sequence_document(20),
                 "transforms (20 states)": transforms_document()}  # fmt: skip
    service = Service(client=None, task_queue="unused")  # type: ignore[arg-type]
    try:
        from swengine.core import ir_codec
    except ImportError:
        ir_codec = None  # type: ignore[assignment]
    for label, text in documents.items():
        ir = compile_document(text)
        request = RunRequest(ir=ir, input={})
        payloads = converter.to_payloads([request])
        rows.append({"what": f"RunRequest decode by the SDK, {label} ({len(payloads[0].data)} B)", "per": "run",
                     "us": per_call_us(lambda p=payloads: converter.from_payloads(p, [RunRequest]))})  # fmt: skip
        if ir_codec is not None:
            sent = ir_codec.encode(request)
            size = len(json.dumps(sent, separators=(",", ":")))
            rows.append({"what": f"ir_codec decode, first time, {label} ({size} B)", "per": "definition",
                         "us": per_call_us(lambda v=sent: ir_codec.decoder_for(WorkflowIR)(v["ir"]))})  # fmt: skip
            rows.append({"what": f"ir_codec decode_run_request, cached, {label}", "per": "run",
                         "us": per_call_us(lambda v=sent: ir_codec.decode_run_request(v))})  # fmt: skip
            rows.append({"what": f"ir_codec encode, {label}", "per": "start (client)",
                         "us": per_call_us(lambda r=request: ir_codec.encode(r))})  # fmt: skip
        rows.append({"what": f"Service.request_for, {label}", "per": "start (client)",
                     "us": per_call_us(lambda i=ir: service.request_for(i, dict(SEQUENCE_INPUT)))})  # fmt: skip
    ir5 = compile_document(sequence_document(5))
    action = ir5.states[0].actions[0]  # type: ignore[attr-defined]
    data = dict(SEQUENCE_INPUT)
    arguments_expr = action.call.arguments_expr
    if arguments_expr:
        rows.append({"what": f"evaluate arguments {arguments_expr!r}", "per": "action",
                     "us": per_call_us(lambda: expressions.evaluate(arguments_expr, data, {"CONST": {}}))})  # fmt: skip
    if action.to_state_data:
        rows.append({"what": f"evaluate_path {action.to_state_data!r} + merge_at", "per": "action",
                     "us": per_call_us(lambda: json_merge.merge_at(
                         data, expressions.evaluate_path(action.to_state_data, data, {"CONST": {}}), {"step": 0}))})  # fmt: skip
    import inspect

    extra_args = [getattr(ir5, "errors", [])] if len(inspect.signature(retry_policy).parameters) > 1 else []
    rows.append({"what": "retry_policy + action_timeout", "per": "action",
                 "us": per_call_us(lambda: (retry_policy(action, *extra_args), action_timeout(action)))})  # fmt: skip
    if check_payload is not None:
        rows.append({"what": "check_payload(transforms data)", "per": "state",
                     "us": per_call_us(lambda: check_payload(TRANSFORMS_INPUT, "data"))})  # fmt: skip
    rows.append({"what": "evaluate '.count + 1' (transforms data)", "per": "expression",
                 "us": per_call_us(lambda: expressions.evaluate(".count + 1", TRANSFORMS_INPUT))})  # fmt: skip
    subtotal = "[.order.items[] | .price * .qty] | add"
    where = (
        "in-process"
        if expressions._analyse(subtotal).bound is not None
        else "evaluator pool: no static bound"
    )
    rows.append({"what": f"evaluate {subtotal!r} ({where})", "per": "expression",
                 "us": per_call_us(lambda: expressions.evaluate(subtotal, TRANSFORMS_INPUT))})  # fmt: skip
    big = {"value": "x", "blob": [{"k": i, "text": "y" * 80} for i in range(1000)]}  # about 100 KiB
    rows.append({"what": "evaluate_path '.step0' + merge_at, 100 KiB state data", "per": "action",
                 "us": per_call_us(lambda: json_merge.merge_at(
                     big, expressions.evaluate_path(".step0", big, {"CONST": {}}), {"step": 0}))})  # fmt: skip
    if check_payload is not None:
        rows.append({"what": "check_payload, 100 KiB state data", "per": "state",
                     "us": per_call_us(lambda: check_payload(big, "data"))})  # fmt: skip
    return rows


# ---------------------------------------------------------------------------------------------------------


async def main() -> None:
    options = arguments(__doc__ or "")
    count = 20 if options.quick else 100
    started = time.time()
    async with bench_environment() as bench:
        found = await histories(bench)
    print("replaying histories (worker CPU per instance, no server)")
    replays = await replay_costs(found, count)
    profiles = [
        await profiled(found, name, count)
        for name in ("ours_k5", "ours_transforms", "hand_k5", "ours_k20", "hand_k20", "hand_k20_summary")
    ]
    micro = micro_costs()

    print("\nworker CPU per instance, replayed in-process (ms)")
    print(table(["history", "events", "as shipped", "sandboxed", "unsandboxed"],
                [[r["history"], r["events"], r["shipped_ms"], r["sandbox_ms"], r["no_sandbox_ms"]]
                 for r in replays]))  # fmt: skip
    for profile in profiles:
        print(
            f"\ncProfile of {profile['history']} replays: {profile['total_ms_per_instance']:.2f} ms per instance"
        )
        calls = ", ".join(f"{k} {v:.0f}" for k, v in profile["sandbox_calls_per_instance"].items())
        print(f"sandbox entries per instance: {calls}")
        print(table(["function", "ms/instance", "share"],
                    [[label, w["ms_per_instance"], f"{w['share']:.0%}"] for label, w in profile["watched"].items()]))  # fmt: skip
        print(table(["top by own time", "own ms", "cum ms"],
                    [[t["function"][:90], t["tottime_ms_per_instance"], t["cumtime_ms_per_instance"]]
                     for t in profile["top_tottime"][:10]]))  # fmt: skip
    print("\nmicro costs")
    print(table(["what", "per", "us"], [[m["what"], m["per"], m["us"]] for m in micro]))
    results = {"replays_per_history": count, "replay": replays, "profiles": profiles, "micro": micro}
    path = write_results("hotspots", results, started=started, options=vars(options))
    print(f"wrote {path}")


if __name__ == "__main__":
    asyncio.run(main())
