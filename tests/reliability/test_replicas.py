"""Past one machine: two ``swengine api`` and two ``swengine worker`` processes against one Temporal dev server and
one Postgres store. A definition deployed through one API is seen by the other; 500 instances are started
through both (with an Idempotency-Key, retried on the other API when one dies) and 1,000 correlated events
are routed through both; one API and one worker are SIGKILLed mid-run. Every instance completes exactly
once, with both of its events in order: an event consumed twice, or lost, would show in its output.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from pathlib import Path
from typing import Any

import httpx
from temporalio.client import WorkflowExecutionStatus

from tests.reliability.conftest import DevServer, Process, clean_env, eventually, free_port, swengine_command

INSTANCES = 500
IN_FLIGHT = 16
STRUCTURED = {"content-type": "application/cloudevents+json"}
TWO_ITEMS = """id: replicated-order
version: "1.0"
specVersion: "0.8"
start: First
events:
  - name: item
    type: com.example.replicas.item
    source: /replicas
    correlation: [{contextAttributeName: orderid}]
states:
  - name: First
    type: event
    onEvents: [{eventRefs: [item], eventDataFilter: {toStateData: "${ .first }"}}]
    transition: Second
  - name: Second
    type: event
    onEvents: [{eventRefs: [item], eventDataFilter: {toStateData: "${ .second }"}}]
    end: true
"""


class Replicas:
    """The API processes, by URL; a request goes to the one asked, or to another when that one is gone."""

    def __init__(self, urls: list[str]) -> None:
        self.urls = urls
        self.alive = list(urls)
        self.http = httpx.AsyncClient(timeout=30)

    async def post(self, index: int, path: str, **options: Any) -> httpx.Response:
        for attempt in range(40):
            url = self.urls[index % len(self.urls)] if attempt == 0 else self.alive[attempt % len(self.alive)]
            if url not in self.alive:
                continue
            try:
                response = await self.http.post(url + path, **options)
            except httpx.TransportError:
                if url in self.alive and len(self.alive) > 1:
                    self.alive.remove(url)  # killed: a client with two addresses uses the other
                await asyncio.sleep(0.05)
                continue
            if response.status_code < 500:
                return response
            await asyncio.sleep(0.05)
        raise AssertionError(f"no API answered {path}")


def item(order: int, step: int, run: str) -> dict[str, Any]:
    return {"specversion": "1.0", "id": f"item-{run}-{order}-{step}", "source": "/replicas",
            "type": "com.example.replicas.item", "orderid": f"{run}-{order}",
            "data": {"order": order, "step": step}}  # fmt: skip


async def wait_ready(url: str, process: Process, seconds: float = 90.0) -> None:
    async with httpx.AsyncClient(timeout=2) as http:
        for _ in range(int(seconds / 0.2)):
            assert process.alive(), f"{process.name} exited:\n{process.log()}"
            try:
                if (await http.get(f"{url}/readyz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise AssertionError(f"{process.name} not ready:\n{process.log()}")


async def test_two_apis_and_two_workers_lose_and_double_nothing_when_one_of_each_is_killed(
    tmp_path: Path, processes: list[Process], postgres_url: str
) -> None:
    server = DevServer(tmp_path)
    processes.append(server)
    server.start()
    client = await server.connect()
    queue = f"replicas-{uuid.uuid4().hex[:8]}"
    env = {"TEMPORAL_ADDRESS": server.address, "SWENGINE_TASK_QUEUE": queue, "SWENGINE_STORE_URL": postgres_url,
           "SWENGINE_DATA_DIR": str(tmp_path / "data")}  # fmt: skip
    workers = [Process(f"worker{i}", swengine_command("worker"), tmp_path, clean_env(**env)) for i in (1, 2)]
    ports = [free_port(), free_port()]
    apis = [Process(f"api{i}", swengine_command("api", "--port", str(port)), tmp_path, clean_env(**env))
            for i, port in enumerate(ports, start=1)]  # fmt: skip
    processes.extend([*workers, *apis])
    for process in [*workers, *apis]:
        process.start()
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    for url, api in zip(urls, apis, strict=True):
        await wait_ready(url, api)
    replicas = Replicas(urls)
    run = uuid.uuid4().hex[:8]
    try:
        deployed = await replicas.post(0, "/definitions", content=TWO_ITEMS,
                                       headers={"content-type": "application/yaml"})  # fmt: skip
        assert deployed.status_code == 201, deployed.text
        seen = await replicas.http.get(f"{urls[1]}/definitions/replicated-order")
        assert seen.status_code == 200, "the other replica reads the same store"

        gate = asyncio.Semaphore(IN_FLIGHT)

        async def start(order: int) -> str:
            body = {"definition": "replicated-order", "instance_id": f"order-{run}-{order}",
                    "correlation": {"orderid": f"{run}-{order}"}}  # fmt: skip
            async with gate:
                response = await replicas.post(order, "/instances", json=body,
                                               headers={"Idempotency-Key": f"{run}-{order}"})  # fmt: skip
            assert response.status_code in (200, 201), response.text
            return str(response.json()["instance_id"])

        ids = await asyncio.gather(*(start(order) for order in range(INSTANCES)))
        assert ids == [f"order-{run}-{order}" for order in range(INSTANCES)]

        sent = itertools.count()

        async def completed(instance_id: str) -> bool:
            status = (await client.get_workflow_handle(instance_id).describe()).status
            return status == WorkflowExecutionStatus.COMPLETED

        async def send(order: int, step: int) -> None:
            """Until an API says the instance got it: a producer's retry (it may reach the other replica, and
            an instance counts a delivery once). An API killed after it signalled, before it answered, leaves
            the last event consumed and the instance done: nothing waits for the retry any more."""
            event = item(order, step, run)
            async with gate:
                for attempt in range(1200):  # a minute: a killed worker holds its tasks until they time out
                    response = await replicas.post(order + attempt, "/events?fates=false", json=event,
                                                   headers=STRUCTURED)  # fmt: skip
                    assert response.status_code == 200, response.text
                    if ids[order] in response.json()["delivered"] or (
                        step == 1 and await completed(ids[order])
                    ):
                        break
                    await asyncio.sleep(0.05)
                else:
                    raise AssertionError(f"event {event['id']} never reached {ids[order]}")
            if next(sent) == INSTANCES + INSTANCES // 5:  # a fifth into the second events: kill one of each
                apis[1].kill()
                workers[0].kill()

        for step in (0, 1):
            await asyncio.gather(*(send(order, step) for order in range(INSTANCES)))
        assert not apis[1].alive() and not workers[0].alive(), "the kill happened mid-run"

        results = await asyncio.gather(
            *(asyncio.wait_for(client.get_workflow_handle(i).result(), 180) for i in ids)
        )
        for order, result in enumerate(results):
            assert result == {"first": {"order": order, "step": 0}, "second": {"order": order, "step": 1}}
        query = f"WorkflowId STARTS_WITH 'order-{run}-'"

        async def all_closed() -> bool:
            runs = [e async for e in client.list_workflows(query)]
            return all(r.status != WorkflowExecutionStatus.RUNNING for r in runs)

        await eventually(all_closed, 60, "visibility to show every run closed", interval=0.5)
        runs = [e async for e in client.list_workflows(query)]
        assert len(runs) == INSTANCES, "each instance ran once: no double start"
        assert {r.status for r in runs} == {WorkflowExecutionStatus.COMPLETED}
    finally:
        await replicas.http.aclose()
