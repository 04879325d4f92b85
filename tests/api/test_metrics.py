"""Metrics scraped after real instances ran: the API's ``/metrics`` and a worker's SDK endpoint, which also
carries the interpreter's instance and state metrics."""

from __future__ import annotations

import asyncio
import socket
import uuid

import httpx
from prometheus_client.parser import text_string_to_metric_families
from temporalio.client import Client
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from swengine.compiler.pipeline import compile_text
from swengine.runtime.service import Service
from swengine.runtime.worker import build_worker
from tests.api.conftest import Api, deploy, deploy_file, spec, start, unique


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """(sample name, sorted labels) -> value."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_api_metrics_count_starts_events_and_jq(api: Api) -> None:
    name = unique("counted")
    await deploy(api, spec(name))
    for _ in range(2):
        await start(api, name)
    await deploy_file(api, "approval.sw.yaml")
    request = unique("r")
    await start(api, "approval", correlation={"requestid": request})
    headers = {"content-type": "application/cloudevents+json"}
    decided = {"specversion": "1.0", "id": unique("e"), "source": "/approvals",
               "type": "com.example.approval.decided", "requestid": request, "data": {"approved": True}}  # fmt: skip
    delivered = missed = 0
    while not delivered:  # a producer's retry: visibility trails the start by a moment, more so under load
        response = await api.http.post("/events", json=decided, headers=headers)
        assert response.status_code == 200
        delivered, missed = (1, missed) if response.json()["delivered"] else (0, missed + 1)
        await asyncio.sleep(0.05 * (not delivered))
    unheard = {**decided, "id": unique("e"), "type": "com.example.unheard"}
    assert (await api.http.post("/events", json=unheard, headers=headers)).status_code == 200

    response = await api.http.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    found = samples(response.text)
    assert found[("swengine_api_instances_started_total", (("definition", name),))] == 2
    assert found[("swengine_events_routed_total", (("outcome", "delivered"),))] == 1
    assert found.get(("swengine_events_routed_total", (("outcome", "matched_nobody"),))) == missed + 1
    assert found[("swengine_event_deliveries_total", (("fate", "consumed"),))] == 1
    evaluations = {
        path: found[("swengine_jq_evaluations_total", (("path", path),))] for path in ("native", "local")
    }
    assert evaluations["native"] + evaluations["local"] > 0
    assert ("swengine_jq_limit_hits_total", ()) in found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


FAILING = """id: {id}
specVersion: "0.8"
start: Set
functions:
  - {{name: fail, type: custom, operation: builtin.fail}}
states:
  - name: Set
    type: inject
    data: {{ready: true}}
    transition: Boom
  - name: Boom
    type: operation
    actions: [{{functionRef: {{refName: fail, arguments: {{type: broken}}}}}}]
    end: true
"""


async def test_worker_metrics_carry_instances_states_and_the_sdk(client: Client) -> None:
    port = free_port()
    runtime = Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=f"127.0.0.1:{port}")))
    target = client.service_client.config.target_host
    measured = await Client.connect(target, namespace=client.namespace, runtime=runtime)
    task_queue = f"metrics-{uuid.uuid4()}"
    ok, bad = compile_text(spec(unique("fine"))), compile_text(FAILING.format(id=unique("failing")))
    service = Service(measured, task_queue=task_queue)
    async with build_worker(measured, task_queue=task_queue):
        for ir in (ok, ok, bad):
            started = await service.start(ir, {})
            try:
                await service.result(started.instance_id)
            except Exception:  # noqa: BLE001 - the failing one fails, as meant
                pass
        found: dict = {}
        async with httpx.AsyncClient() as http:
            for _ in range(50):
                found = samples((await http.get(f"http://127.0.0.1:{port}/metrics")).text)
                if any(name.startswith("swengine_instances_failed") for name, _ in found):
                    break
                await asyncio.sleep(0.1)

    def value(prefix: str, **labels: str) -> float:
        return sum(v for (name, got), v in found.items()
                   if name.startswith(prefix) and set(labels.items()) <= set(got))  # fmt: skip

    assert value("swengine_instances_started", definition=ok.id) == 2
    assert value("swengine_instances_completed", definition=ok.id) == 2
    assert value("swengine_instances_failed", definition=bad.id) == 1
    assert value("swengine_state_duration_count", definition=bad.id, kind="operation", outcome="failed") == 1
    assert value("swengine_state_duration_count", definition=ok.id, kind="inject", outcome="completed") == 2
    assert any(name.startswith("temporal_") for name, _ in found)  # the SDK's own metrics
