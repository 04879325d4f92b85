"""Lifecycle CloudEvents survive a worker killed (SIGKILL) in the middle of a run: against a real loopback HTTP
sink, every event the run must publish arrives, and after deduplication by id each arrives exactly once."""

from __future__ import annotations

import uuid
from collections import Counter
from pathlib import Path

from swengine.compiler.pipeline import compile_text
from swengine.runtime.service import Service
from tests.reliability.conftest import DevServer, Process, eventually, worker_process
from tests.reliability.test_crashes import SLOW_WORK, SLOW_WORK_OUTPUT
from tests.standins import event_sink

EXPECTED = Counter(
    {
        ("workflow.started", None): 1,
        ("workflow.completed", None): 1,
        **{(f"task.{phase}", f"/states/{index}"): 1 for phase in ("created", "started", "completed")
           for index in range(3)},
    }
)  # fmt: skip
"""Prepare, Work (the slow activity) and Finish: each created, started and completed; the workflow once."""


async def test_a_killed_worker_loses_no_lifecycle_event_and_ids_make_duplicates_harmless(
    tmp_path: Path, processes: list[Process]
) -> None:
    markers = tmp_path / "markers"
    markers.mkdir()
    temporal = DevServer(tmp_path)
    processes.append(temporal)
    temporal.start()
    client = await temporal.connect()
    task_queue = f"lifecycle-{uuid.uuid4()}"
    with event_sink() as (url, received):
        worker = worker_process(tmp_path, temporal.address, task_queue, markers)
        worker.env["K_SINK"] = url
        processes.append(worker)
        worker.start()
        worker.wait_for_log("worker polling")
        service = Service(client, task_queue=task_queue, lifecycle_events=True)

        await service.start(compile_text(SLOW_WORK), {"value": 21}, instance_id="crashed")
        await eventually((markers / "crashed.attempt1.started").exists, 20, "the slow activity to start")
        worker.kill()  # SIGKILL in the middle of the Work state
        worker.start()
        worker.wait_for_log("worker polling")
        assert await service.result("crashed", timeout=45) == SLOW_WORK_OUTPUT
        await eventually(lambda: any(e["type"].endswith("workflow.completed.v1") for e in received), 20,
                         "the completed event")  # fmt: skip

    by_id = {event["id"]: event for event in received}
    # a repeat is the same event (its times may differ: a retried workflow task runs at a later time)
    same = ("type", "source")
    assert all([by_id[e["id"]][k] for k in same] == [e[k] for k in same] for e in received)
    assert all(by_id[e["id"]]["data"].get("task") == e["data"].get("task") for e in received)
    seen = Counter(
        (e["type"].removeprefix("io.serverlessworkflow.").removesuffix(".v1"), e["data"].get("task"))
        for e in by_id.values()
    )
    assert seen == EXPECTED
    assert (markers / "crashed.attempt2.finished").exists()  # the kill really interrupted the run
