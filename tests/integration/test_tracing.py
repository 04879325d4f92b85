"""``SWENGINE_TRACING``: the SDK's OpenTelemetry interceptor traces starts, the workflow and its activities."""

from __future__ import annotations

import uuid

import pytest

from swengine.compiler.pipeline import compile_text
from swengine.core.settings import Settings
from swengine.runtime.connection import connect
from swengine.runtime.service import Service
from swengine.runtime.worker import build_worker

CALLS = """id: traced
specVersion: "0.8"
start: Call
functions:
  - {name: newId, type: custom, operation: builtin.uuid}
states:
  - name: Call
    type: operation
    actions: [{functionRef: {refName: newId, arguments: {}}}]
    end: true
"""


async def test_an_instance_is_traced_end_to_end(temporal_env) -> None:
    sdk = pytest.importorskip("opentelemetry.sdk.trace", reason="the [tracing] extra is not installed")
    from opentelemetry import trace
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = sdk.TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    target = temporal_env.client.service_client.config.target_host
    client = await connect(Settings(temporal_address=target, tracing=True))
    task_queue = f"traced-{uuid.uuid4()}"
    service = Service(client, task_queue=task_queue)
    async with build_worker(client, task_queue=task_queue):
        output = await service.run(compile_text(CALLS), {})
    assert set(output) == {"uuid"}
    names = {span.name for span in exporter.get_finished_spans()}
    assert "StartWorkflow:sw:traced" in names
    assert "RunWorkflow:sw:traced" in names
    assert any(name.endswith(":builtin.uuid") for name in names), names
