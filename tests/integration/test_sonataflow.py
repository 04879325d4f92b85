"""Workflows written for SonataFlow run in the sonataflow dialect on a real dev server; standard stays strict.

One workflow per family of rules (``tests/integration/sonataflow/``); none has a ``specVersion``. Only the
``service:`` functions are stand-ins: activities registered under the names the dialect maps them to.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from temporalio import activity
from temporalio.exceptions import ApplicationError

from swengine.compiler.pipeline import compile_path, compile_text
from swengine.core.errors import InputError
from swengine.runtime.cloudevents import parse_event
from swengine.runtime.service import InstanceFailed
from tests.integration.conftest import running

FLOWS = Path(__file__).resolve().parent / "sonataflow"
SONATAFLOW = "sonataflow"


def stock_and_payment(calls: list[tuple[str, Any]]) -> list[Any]:
    """Stand-ins for the Java services the saga names (``Interface::method`` activities)."""

    @activity.defn(name="org.acme.StockService::reserveStock")
    async def reserve(arguments: Any) -> Any:
        calls.append(("reserve", arguments))
        return {"reserved": arguments["orderId"]}

    @activity.defn(name="org.acme.StockService::cancelStock")
    async def cancel(arguments: Any) -> Any:
        calls.append(("cancel", arguments))
        return "cancelled"

    @activity.defn(name="org.acme.PaymentService::processPayment")
    async def pay(arguments: Any) -> Any:
        calls.append(("pay", arguments))
        if arguments["failService"] is True:
            raise ApplicationError("payment refused", type="org.acme.PaymentFailure")
        return {"paid": True}

    return [reserve, cancel, pay]


@pytest.mark.parametrize("fail", [False, True])
async def test_saga_reads_bare_jq_arguments_and_compensates(client, fail):
    ir = compile_path(FLOWS / "saga.sw.json", dialect=SONATAFLOW)
    calls: list[tuple[str, Any]] = []
    async with running(client, [ir], activities=stock_and_payment(calls)) as (service, _):
        result = await service.run(ir, {"orderId": "O-1", "failService": fail})
    assert ("pay", {"orderId": "O-1", "failService": fail, "note": "Hello"}) in calls
    assert result["stockResponse"] == {"reserved": "O-1"}
    assert "logged" not in result  # sysout merges nothing
    if fail:
        assert result["outcome"] == "failed"
        assert ("cancel", {"orderId": "O-1"}) in calls
        assert result["cancelStockResponse"] == "cancelled"  # a string result assigned at toStateData
    else:
        assert result["outcome"] == "done"
        assert not [name for name, _ in calls if name == "cancel"]


async def test_arguments_expression_workflow_variables_and_non_object_results(client):
    ir = compile_path(FLOWS / "values.sw.json", dialect=SONATAFLOW)
    async with running(client, [ir]) as (service, _):
        started = await service.start(ir, {"n": 3, "items": ["a", "b"]})
        result = await service.result(started.instance_id)
    assert result["doubled"] == 6  # arguments given as one jq string
    assert result["response"] == 2  # a number result lands under response
    assert result["echoed"] == {
        "instance": started.instance_id,
        "workflow": "sonataflow-values",
        "original": 3,
        "path": 3,
        "text": "Hello",  # not jq: kept as text
        "broken": ".n.deeper",  # jq that fails: SonataFlow keeps the text
    }
    assert result["sign"] == "positive"


async def test_switch_without_default_fails_when_nothing_matches(client):
    ir = compile_path(FLOWS / "values.sw.json", dialect=SONATAFLOW)
    async with running(client, [ir]) as (service, _):
        with pytest.raises(InstanceFailed) as failed:
            await service.run(ir, {"n": -1, "items": []})
    assert failed.value.code == "java.lang.IllegalArgumentException"


async def test_events_without_kind_or_source_and_fire_and_forget_event_ref(client):
    ir = compile_path(FLOWS / "events.sw.json", dialect=SONATAFLOW)
    async with running(client, [ir]) as (service, _):
        started = await service.start(ir, {"request": "r-1"})
        await _wait_for_state(service, started.instance_id, "WaitForApproval")
        event = {"specversion": "1.0", "id": "e-1", "source": "/anywhere", "type": "com.example.approved"}
        await service.send_event(started.instance_id, parse_event({**event, "data": {"ok": True}}))
        result = await service.result(started.instance_id)
        status = await service.describe(started.instance_id)
    assert result == {"request": "r-1", "approval": {"ok": True}}
    produced = {event["type"]: event.get("data") for event in status["produced_events"]}
    assert produced == {"com.example.announced": {"request": "r-1"}, "com.example.finished": {"ok": True}}


async def test_input_schema_with_a_sibling_ref_checks_the_input(client):
    ir = compile_path(FLOWS / "lines.sw.json", dialect=SONATAFLOW)
    async with running(client, [ir]) as (service, _):
        with pytest.raises(InputError):
            await service.run(ir, {"lines": [{"sku": "a"}]})
        result = await service.run(ir, {"lines": [{"sku": "a", "quantity": 2}, {"sku": "b", "quantity": 3}]})
    assert result["response"] == 5


STANDARD_ECHO = """
id: strict
specVersion: "0.8"
start: Echo
functions: [{name: echo, type: custom, operation: builtin.echo}]
states:
  - name: Echo
    type: operation
    actions: [{functionRef: {refName: echo, arguments: {value: ".x", number: "1"}}}]
    end: true
"""


@pytest.mark.parametrize(
    ("dialect", "expected"),
    [("standard", {"value": ".x", "number": "1"}), (SONATAFLOW, {"value": 7, "number": 1})],
)
async def test_a_bare_string_is_an_expression_only_in_the_dialect(client, dialect, expected):
    ir = compile_text(STANDARD_ECHO, source="strict.sw.yaml", dialect=dialect)
    async with running(client, [ir]) as (service, _):
        result = await service.run(ir, {"x": 7})
    assert {key: result[key] for key in expected} == expected


async def _wait_for_state(service: Any, instance_id: str, state: str) -> None:
    for _ in range(100):
        if (await service.describe(instance_id))["current_state"] == state:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{instance_id} never reached {state}")


CITIES = [{"name": "Ljubljana", "population": 290000}, {"name": "Paris", "population": 2100000}]


@pytest.mark.parametrize(("region", "where"), [("EU", "europe"), ("US", "elsewhere")])
async def test_jsonpath_documents_run_on_the_guarded_evaluator(client, region, where):
    ir = compile_path(FLOWS / "cities.sw.yaml", dialect=SONATAFLOW)
    async with running(client, [ir]) as (service, _):
        result = await service.run(ir, {"region": region, "cities": CITIES})
    assert result["picked"] == {
        "small": ["Ljubljana"],  # an indefinite path yields the list of matches
        "first": "Ljubljana",
        "text": "Hello World",  # not JSONPath: text
        "missing": "$.nowhere",  # a definite path that matches nothing: SonataFlow keeps the text
    }
    assert result["where"] == where


class _Numbers(BaseHTTPRequestHandler):
    """The numbers service the rest: functions call (a real HTTP server on this machine)."""

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._send(4)

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        multiplier = int(self.path.split("/")[2])
        self._send(
            {"total": sum(n * multiplier for n in body["inputNumbers"]), "trace": self.headers["x-trace"]}
        )


@pytest.fixture
def numbers_service(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Numbers)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    monkeypatch.setenv("SWENGINE_REST_ALLOW", f"127.0.0.1:{httpd.server_address[1]}")
    monkeypatch.setenv("SWENGINE_REST_BASE", f"http://127.0.0.1:{httpd.server_address[1]}")
    yield httpd.server_address[1]
    httpd.shutdown()


async def test_rest_custom_functions_call_the_url_they_name(client, numbers_service):
    ir = compile_path(FLOWS / "numbers.sw.json", dialect=SONATAFLOW)
    async with running(client, [ir]) as (service, _):
        result = await service.run(ir, {"multiplier": 3, "numbers": [1, 2]})
    assert result["sum"] == {"total": 9, "trace": "t-1"}
    assert result["random"] == 4
