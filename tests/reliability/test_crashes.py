"""Crashes with real processes and real signals: a worker killed in the middle of an activity, the Temporal
dev server killed under waiting instances, ``swengine serve`` killed and restarted. Nothing is lost."""

from __future__ import annotations

import asyncio
import json
import shutil
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.client import Client, WorkflowExecutionStatus

from swengine.compiler.pipeline import compile_text
from swengine.core.ir import STATUS_QUERY
from swengine.runtime.service import Service
from tests.reliability.conftest import DevServer, Process, Serve, eventually, worker_process

SLOW_WORK = """id: slow-work
version: "1.0"
specVersion: "0.8"
start: Prepare
functions:
  - {name: slow, type: custom, operation: reliability.slow_step}
states:
  - {name: Prepare, type: inject, data: {prepared: true}, transition: Work}
  - name: Work
    type: operation
    timeouts: {actionExecTimeout: PT3S}
    actions:
      - functionRef: {refName: slow, arguments: {value: "${ .value }"}}
        actionDataFilter: {toStateData: "${ .result }"}
    transition: Finish
  - {name: Finish, type: inject, data: {finished: true}, end: true}
"""
SLOW_WORK_OUTPUT = {
    "value": 21,
    "prepared": True,
    "result": {"doubled": 42, "label": "item-21"},
    "finished": True,
}

AWAIT_DECISION = """id: await-decision
version: "1.0"
specVersion: "0.8"
start: Wait
events:
  - name: decision
    type: com.example.reliability.decided
    source: /reliability
    correlation: [{contextAttributeName: requestid}]
states:
  - name: Wait
    type: event
    onEvents: [{eventRefs: [decision], eventDataFilter: {toStateData: "${ .decision }"}}]
    transition: Done
  - {name: Done, type: inject, data: {done: true}, end: true}
"""

NAP = """id: nap-through
version: "1.0"
specVersion: "0.8"
start: Nap
states:
  - {name: Nap, type: sleep, duration: PT5S, transition: Woke}
  - {name: Woke, type: inject, data: {woke: true}, end: true}
"""


def decision(request_id: str, approved: bool) -> dict[str, Any]:
    return {"specversion": "1.0", "id": f"decision-{request_id}", "source": "/reliability",
            "type": "com.example.reliability.decided", "requestid": request_id, "data": {"approved": approved}}  # fmt: skip


async def current_state(client: Client, instance_id: str) -> str | None:
    """The interpreter's own answer (a query): it needs a live worker, which is the point."""
    try:
        view = await client.get_workflow_handle(instance_id).query(
            STATUS_QUERY, rpc_timeout=timedelta(seconds=2)
        )
    except Exception:  # noqa: BLE001 - no worker yet, or the server not back yet: "not yet"
        return None
    state: str | None = view["current_state"]
    return state


async def _temporal_and_worker(
    tmp_path: Path, processes: list[Process]
) -> tuple[DevServer, Process, Service, Path]:
    """A dev server on its own SQLite file and a `swengine worker` process polling a fresh task queue."""
    markers = tmp_path / "markers"
    markers.mkdir()
    temporal = DevServer(tmp_path)
    processes.append(temporal)
    temporal.start()
    client = await temporal.connect()
    task_queue = f"crash-{uuid.uuid4()}"
    worker = worker_process(tmp_path, temporal.address, task_queue, markers)
    processes.append(worker)
    worker.start()
    worker.wait_for_log("worker polling")
    return temporal, worker, Service(client, task_queue=task_queue), markers


async def test_worker_killed_mid_activity_retries_it_and_the_output_is_unchanged(
    tmp_path: Path, processes: list[Process]
) -> None:
    begun = time.monotonic()
    temporal, worker, service, markers = await _temporal_and_worker(tmp_path, processes)
    ir = compile_text(SLOW_WORK)

    await service.start(ir, {"value": 21}, instance_id="undisturbed")
    undisturbed = await service.result("undisturbed", timeout=30)
    assert undisturbed == SLOW_WORK_OUTPUT

    await service.start(ir, {"value": 21}, instance_id="crashed")
    await eventually((markers / "crashed.attempt1.started").exists, 20, "the first attempt to start")
    first_worker = worker.pid
    worker.kill()  # SIGKILL, mid-activity
    assert not (markers / "crashed.attempt1.finished").exists()
    worker.start()  # a new process; the old attempt times out after actionExecTimeout and is retried
    worker.wait_for_log("worker polling")

    assert await service.result("crashed", timeout=45) == undisturbed
    assert (markers / "crashed.attempt1.started").read_text() == str(first_worker)
    assert (markers / "crashed.attempt2.finished").read_text() == str(worker.pid)
    assert not (markers / "crashed.attempt1.finished").exists()
    completed = [
        e async for e in service.client.get_workflow_handle("crashed").fetch_history_events()
        if e.HasField("activity_task_completed_event_attributes")
    ]  # fmt: skip
    assert len(completed) == 1  # the activity's result entered the history once
    assert time.monotonic() - begun < 60


async def test_temporal_killed_and_restarted_on_its_database_loses_no_instance(
    tmp_path: Path, processes: list[Process]
) -> None:
    begun = time.monotonic()
    temporal, worker, service, markers = await _temporal_and_worker(tmp_path, processes)
    waiter, nap, slow = compile_text(AWAIT_DECISION), compile_text(NAP), compile_text(SLOW_WORK)

    await service.start(waiter, {"request": 0}, instance_id="finished-before")
    await service.send_event("finished-before", decision("r-0", True))
    finished_before = await service.result("finished-before", timeout=20)
    waiting = [f"waiting-{n}" for n in range(1, 4)]
    for n, instance_id in enumerate(waiting, start=1):
        await service.start(waiter, {"request": n}, instance_id=instance_id)
    await service.start(nap, {}, instance_id="napping")
    await service.start(slow, {"value": 21}, instance_id="working")
    for instance_id in waiting:
        await eventually(
            lambda i=instance_id: _in_state(service.client, i, "Wait"), 10, f"{instance_id} to wait"
        )
    await eventually((markers / "working.attempt1.started").exists, 20, "the activity to start")

    temporal.kill()  # SIGKILL: no shutdown, mid-activity, mid-timer
    await asyncio.sleep(1)
    temporal.start()  # same port, same SQLite file
    client = await temporal.connect()
    service = Service(client, task_queue=service.task_queue)

    assert await service.result("finished-before", timeout=10) == finished_before
    for instance_id in waiting:
        description = await client.get_workflow_handle(instance_id).describe()
        assert description.status == WorkflowExecutionStatus.RUNNING
        # the worker reconnected by itself and the instance still waits where it was
        await eventually(lambda i=instance_id: _in_state(client, i, "Wait"), 30, f"{instance_id} to answer")
    for n, instance_id in enumerate(waiting, start=1):
        await service.send_event(instance_id, decision(f"r-{n}", n % 2 == 1))
    for n, instance_id in enumerate(waiting, start=1):
        output = await service.result(instance_id, timeout=30)
        assert output == {"request": n, "decision": {"approved": n % 2 == 1}, "done": True}
    assert await service.result("napping", timeout=30) == {"woke": True}
    assert await service.result("working", timeout=30) == SLOW_WORK_OUTPUT
    assert worker.alive(), "the worker gave up while Temporal was down"
    assert time.monotonic() - begun < 60


async def _in_state(client: Client, instance_id: str, state: str) -> bool:
    return await current_state(client, instance_id) == state


@pytest.mark.parametrize("whole_group", [False, True], ids=["serve-only", "serve-and-its-temporal"])
async def test_serve_killed_and_restarted_keeps_definitions_and_instances(
    tmp_path: Path, processes: list[Process], whole_group: bool
) -> None:
    """SIGKILL to ``swengine serve`` alone (its embedded Temporal dies with it, test_lifeline.py; an orphan of
    an older version would be stopped at the restart) or to its whole process group (a container or machine
    going down)."""
    begun = time.monotonic()
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "await-decision.sw.yaml").write_text(AWAIT_DECISION)
    markers = tmp_path / "markers"
    markers.mkdir()
    serve = Serve(tmp_path, specs, env={"SWENGINE_ACTIVITIES": "tests.reliability.slow_activities",
                                        "RELIABILITY_MARKERS": str(markers)})  # fmt: skip
    processes.append(serve)
    serve.start_and_wait()
    http = httpx.Client(base_url=serve.url, timeout=30)
    deployed = http.post("/definitions", content=SLOW_WORK, headers={"content-type": "application/yaml"})
    assert deployed.status_code == 201, deployed.text
    shutil.rmtree(specs)  # from now on the store alone knows the definitions
    specs.mkdir()
    definitions_before = http.get("/definitions").json()
    waiting = http.post("/instances", json={"definition": "await-decision", "input": {"request": 7},
                                            "correlation": {"requestid": "r-7"}}).json()  # fmt: skip
    working = http.post("/instances", json={"definition": "slow-work", "input": {"value": 21}}).json()
    waiting_id, working_id = waiting["instance_id"], working["instance_id"]
    await eventually(lambda: _api_state(http, waiting_id) == "Wait", 10, "the instance to wait")
    marker = markers / f"{working_id.replace('/', '_')}.attempt1.started"
    await eventually(marker.exists, 20, "the activity to start")

    serve.kill(whole_group=whole_group)
    serve.start_and_wait()

    assert http.get("/definitions").json() == definitions_before
    assert http.get("/definitions/slow-work").json()["version"] == "1.0"
    detail = http.get(f"/instances/{waiting_id}").json()
    assert (detail["status"], detail["current_state"], detail["data"]) == ("running", "Wait", {"request": 7})
    routed = http.post("/events", content=json.dumps(decision("r-7", True)),
                       headers={"content-type": "application/cloudevents+json"}).json()  # fmt: skip
    assert waiting_id in routed["delivered"]
    done = http.get(f"/instances/{waiting_id}/result", params={"wait": "true"}).json()
    assert done["output"] == {"request": 7, "decision": {"approved": True}, "done": True}
    worked = http.get(f"/instances/{working_id}/result", params={"wait": "true", "timeout": 45}).json()
    assert worked["output"] == SLOW_WORK_OUTPUT
    assert not marker.with_name(marker.name.replace("started", "finished")).exists()  # it died with serve
    assert time.monotonic() - begun < 60


def _api_state(http: httpx.Client, instance_id: str) -> str | None:
    state: str | None = http.get(f"/instances/{instance_id}").json().get("current_state")
    return state
