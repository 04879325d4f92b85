"""/events says what became of an event in each instance it reached: consumed by a waiting state, buffered
until a state takes it, or unmatched (its source or correlation fits none of the instance's events)."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api, deploy, deploy_file, start, unique

STRUCTURED = {"content-type": "application/cloudevents+json"}

SLEEPS_FIRST = """id: {id}
specVersion: "0.8"
start: Nap
events:
  - {{name: nudge, type: com.example.later, source: /later}}
states:
  - name: Nap
    type: sleep
    duration: PT1H
    transition: Wait
  - name: Wait
    type: event
    onEvents: [{{eventRefs: [nudge]}}]
    end: true
"""


def decision(request_id: str, **extra: Any) -> dict[str, Any]:
    return {"specversion": "1.0", "id": unique("evt"), "source": "/approvals",
            "type": "com.example.approval.decided", "requestid": request_id, "data": {"approved": True},
            **extra}  # fmt: skip


async def publish(api: Api, event: dict[str, Any]) -> dict[str, Any]:
    response = await api.http.post("/events", json=event, headers=STRUCTURED)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def test_consumed_unmatched_and_buffered(api: Api) -> None:
    await deploy_file(api, "approval.sw.yaml")
    request = unique("r")
    waiting = await start(api, "approval", correlation={"requestid": request})

    wrong_source = await publish(api, decision(request, source="/elsewhere"))
    assert wrong_source["delivered"] == [waiting]
    assert wrong_source["results"][0]["fates"] == {waiting: "unmatched"}

    taken = await publish(api, decision(request))
    assert taken["results"][0]["fates"] == {waiting: "consumed"}
    assert taken["unrouted"] == []
    await api.http.get(f"/instances/{waiting}/result?wait=true")

    later = unique("later")
    await deploy(api, SLEEPS_FIRST.format(id=later))
    napping = await start(api, later)
    early = {"specversion": "1.0", "id": unique("evt"), "source": "/later", "type": "com.example.later"}
    answer = await publish(api, early)
    assert answer["results"][0]["fates"] == {napping: "buffered"}
    await api.http.post(f"/instances/{napping}/terminate")


async def test_a_producer_may_skip_the_fates_and_the_event_is_still_consumed(api: Api) -> None:
    await deploy_file(api, "approval.sw.yaml")
    request = unique("r")
    waiting = await start(api, "approval", correlation={"requestid": request})
    response = await api.http.post(
        "/events", params={"fates": "false"}, json=decision(request), headers=STRUCTURED
    )
    assert response.status_code == 200, response.text
    assert response.json()["delivered"] == [waiting]
    assert response.json()["results"][0]["fates"] == {}
    result = await api.http.get(f"/instances/{waiting}/result?wait=true")
    assert result.status_code == 200, result.text
