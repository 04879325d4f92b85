"""1.0 ``schedule`` on deploy: ``after`` (a repeater starts the definition again after each run ends), ``on``
(each matching event starts an instance whose input is ``[event]``), shown by ``GET /definitions/{id}``;
redeploying or deleting the definition replaces or removes what starts it. On the dev server."""

from __future__ import annotations

import asyncio
from typing import Any

from temporalio.client import WorkflowExecutionStatus

from swengine.runtime.schedules import repeater_id, schedule_id
from tests.api.conftest import Api, deploy, unique

HEAD = "document: {dsl: '1.0.3', namespace: sched, name: %s, version: '1.0.0'}\n"
COUNT = "do:\n  - tick:\n      set: {ticked: true}\n"
ON = """schedule:
  on:
    any:
      - with: {type: com.example.sched.ping, source: /pings}
      - with: {type: com.example.sched.pong}
do:
  - got:
      set: '${ {count: length, types: map(.type), first: .[0].data} }'
"""


async def instances(api: Api, definition: str) -> list[dict[str, Any]]:
    answer = await api.http.get("/instances", params={"definition": definition})
    return list(answer.json()["instances"])


async def until_instances(api: Api, definition: str, count: int) -> list[dict[str, Any]]:
    """Wait (bounded) until visibility lists ``count`` closed instances of the definition."""
    for _ in range(300):
        listed = [i for i in await instances(api, definition) if i["status"] == "completed"]
        if len(listed) >= count:
            return listed
        await asyncio.sleep(0.2)
    raise AssertionError(f"fewer than {count} completed instances of {definition}")


async def test_after_starts_the_definition_again_after_each_run_and_follows_the_definition(api: Api) -> None:
    name = unique("again")
    definition = f"sched/{name}"
    deployed = await deploy(api, HEAD % name + "schedule: {after: PT1S}\n" + COUNT)
    assert deployed["scheduled"] is True and deployed["schedule_id"] == repeater_id(definition)
    shown = (await api.http.get(f"/definitions/{definition}")).json()["schedule"]
    assert shown == {"after": "PT1S", "repeater_id": repeater_id(definition)}

    runs = await until_instances(api, definition, 2)
    assert all(run["instance_id"].startswith(f"{definition}-scheduled-") for run in runs)
    repeater = api.service.client.get_workflow_handle(repeater_id(definition))
    first_run = (await repeater.describe()).run_id
    assert (await deploy(api, HEAD % name + "schedule: {after: PT1S}\n" + COUNT))["status"] == "unchanged"
    assert (await repeater.describe()).run_id == first_run  # an unchanged redeploy keeps it running

    # a new version with a cron schedule replaces the repeater by a Temporal Schedule
    cron = (HEAD % name).replace("'1.0.0'", "'1.0.1'") + "schedule: {cron: '0 0 1 1 *'}\n" + COUNT
    assert (await deploy(api, cron))["schedule_id"] == schedule_id(definition)
    assert (await repeater.describe()).status == WorkflowExecutionStatus.TERMINATED
    shown = (await api.http.get(f"/definitions/{definition}")).json()["schedule"]
    assert shown == {"cron": "0 0 1 1 *", "schedule_id": schedule_id(definition)}

    # deleting that version: the schedule follows the one left, whose repeater starts again
    assert (
        await api.http.delete(f"/definitions/{definition}", params={"version": "1.0.1"})
    ).status_code == 204
    assert (await repeater.describe()).status == WorkflowExecutionStatus.RUNNING
    assert (await api.http.delete(f"/definitions/{definition}")).status_code == 204
    assert (await repeater.describe()).status == WorkflowExecutionStatus.TERMINATED


async def test_on_starts_one_instance_per_event_with_the_events_as_its_input(api: Api) -> None:
    name = unique("on")
    definition = f"sched/{name}"
    deployed = await deploy(api, HEAD % name + ON)
    assert deployed["scheduled"] is True
    shown = (await api.http.get(f"/definitions/{definition}")).json()["schedule"]
    assert shown == {
        "on": [
            {"type": "com.example.sched.ping", "source": "/pings"},
            {"type": "com.example.sched.pong", "source": None},
        ]
    }
    ping = {"specversion": "1.0", "id": unique("e"), "source": "/pings", "type": "com.example.sched.ping",
            "data": {"n": 1}}  # fmt: skip
    other_source = {**ping, "id": unique("e"), "source": "/elsewhere"}
    headers = {"content-type": "application/cloudevents+json"}
    routed = (await api.http.post("/events", json=ping, headers=headers)).json()
    assert len(routed["started"]) == 1
    again = (await api.http.post("/events", json=ping, headers=headers)).json()
    assert again["started"] == []  # the same event (source + id) never starts a second instance
    assert (await api.http.post("/events", json=other_source, headers=headers)).json()["started"] == []

    result = await api.http.get(f"/instances/{routed['started'][0]}/result", params={"wait": "true"})
    assert result.json()["output"] == {"count": 1, "types": ["com.example.sched.ping"], "first": {"n": 1}}
    pong = {"specversion": "1.0", "id": unique("e"), "source": "/any", "type": "com.example.sched.pong"}
    assert len((await api.http.post("/events", json=pong, headers=headers)).json()["started"]) == 1

    # a version without ``on`` stops events starting it
    plain = (HEAD % name).replace("'1.0.0'", "'1.0.1'") + COUNT
    await deploy(api, plain)
    later = {**ping, "id": unique("e")}
    assert (await api.http.post("/events", json=later, headers=headers)).json()["started"] == []


async def test_two_deploys_of_a_repeated_definition_at_once_both_answer(api: Api) -> None:
    """Each saw no repeater running and started one; the second start failed with a 500 before."""
    for round_ in range(3):
        name = unique(f"twice{round_}")
        text = HEAD % name + "schedule: {after: PT1H}\n" + COUNT
        answers = await asyncio.gather(
            api.http.post("/definitions", content=text, headers={"content-type": "application/yaml"}),
            api.http.post("/definitions", content=text, headers={"content-type": "application/yaml"}),
        )
        assert sorted(answer.status_code for answer in answers) in ([200, 201], [201, 201]), [
            a.text for a in answers
        ]
        repeater = api.service.client.get_workflow_handle(repeater_id(f"sched/{name}"))
        assert (await repeater.describe()).status == WorkflowExecutionStatus.RUNNING
        await api.http.delete(f"/definitions/sched/{name}")
