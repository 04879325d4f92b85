""" "Why is it waiting?": ``GET /instances/{id}`` says what it waits for and until when, each state's outcome,
and the error of a failed instance."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.api.conftest import Api, deploy, deploy_file, start, unique

TIMES_OUT = """id: {id}
specVersion: "0.8"
start: Wait
events:
  - {{name: nudge, type: com.example.nudge, source: /nudges}}
states:
  - name: Wait
    type: event
    onEvents: [{{eventRefs: [nudge]}}]
    timeouts: {{eventTimeout: PT1S}}
    transition: After
  - name: After
    type: inject
    data: {{moved: later}}
    end: true
"""

FAILS = """id: {id}
specVersion: "0.8"
start: Try
errors:
  - {{name: soft, code: soft}}
functions:
  - {{name: fail, type: custom, operation: builtin.fail}}
states:
  - name: Try
    type: operation
    actions: [{{functionRef: {{refName: fail, arguments: {{type: soft}}}}}}]
    onErrors: [{{errorRef: soft, transition: Again}}]
    end: true
  - name: Again
    type: operation
    actions: [{{functionRef: {{refName: fail, arguments: {{type: hard, message: no way}}}}}}]
    end: true
"""


async def detail_when(api: Api, instance_id: str, ready: Any) -> dict[str, Any]:
    """The instance's detail once ``ready(detail)`` holds (a state is entered a moment after the start)."""
    for _ in range(100):
        detail: dict[str, Any] = (await api.http.get(f"/instances/{instance_id}")).json()
        if ready(detail):
            return detail
        await asyncio.sleep(0.05)
    return detail


async def test_waiting_for_names_the_event_its_correlation_and_deadline(api: Api) -> None:
    await deploy_file(api, "approval.sw.yaml")
    instance_id = await start(api, "approval", correlation={"requestid": "r-7"})
    detail = await detail_when(api, instance_id, lambda d: d.get("waiting_for"))
    [waiting] = detail["waiting_for"]
    assert waiting["state"] == "Wait" and waiting["deadline"] > detail["started_at"]
    assert waiting["events"] == [{"event": "decision", "type": "com.example.approval.decided",
                                  "source": "/approvals", "correlation": {"requestid": "r-7"}}]  # fmt: skip
    assert detail["steps"] == [
        {"state": "Receive", "outcome": "completed"},
        {"state": "Wait", "outcome": "running"},
    ]
    assert "error" not in detail or detail["error"] is None
    await api.http.post(f"/instances/{instance_id}/terminate")
    ended = (await api.http.get(f"/instances/{instance_id}")).json()
    assert ended["status"] == "terminated" and ended["error"]["code"] == "terminated"


async def test_a_timed_out_wait_and_handled_and_failed_states_show_their_outcomes(api: Api) -> None:
    waits = unique("timesout")
    await deploy(api, TIMES_OUT.format(id=waits))
    instance_id = await start(api, waits)
    result = await api.http.get(f"/instances/{instance_id}/result", params={"wait": "true"})
    assert result.json()["output"] == {"moved": "later"}
    detail = (await api.http.get(f"/instances/{instance_id}")).json()
    assert detail["steps"] == [
        {"state": "Wait", "outcome": "timed_out"},
        {"state": "After", "outcome": "completed"},
    ]
    assert detail["waiting_for"] == []

    fails = unique("fails")
    await deploy(api, FAILS.format(id=fails))
    failed_id = await start(api, fails)
    await api.http.get(f"/instances/{failed_id}/result", params={"wait": "true"})
    failed = (await api.http.get(f"/instances/{failed_id}")).json()
    assert failed["status"] == "failed"
    assert failed["error"]["code"] == "hard" and "no way" in failed["error"]["message"]
    assert failed["steps"] == [
        {"state": "Try", "outcome": "handled_error", "error": "soft"},
        {"state": "Again", "outcome": "failed", "error": "hard"},
    ]


async def test_temporal_ui_shows_the_definition_and_the_current_state(api: Api) -> None:
    """Temporal's Web UI lists the static summary and shows the current details (its metadata query)."""
    await deploy_file(api, "approval.sw.yaml")
    instance_id = await start(api, "approval", correlation={"requestid": "r-ui"})
    await detail_when(api, instance_id, lambda d: d.get("waiting_for"))
    handle = api.service.handle(instance_id)
    assert await (await handle.describe()).static_summary() == "Approval (approval 1.0)"
    metadata = await handle.query("__temporal_workflow_metadata")
    details = metadata.current_details if hasattr(metadata, "current_details") else metadata["currentDetails"]
    assert "state `Wait`" in details and "com.example.approval.decided" in details
    await api.http.post(f"/instances/{instance_id}/terminate")
