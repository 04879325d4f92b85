"""Load held: N new instances per second through the REST API of ``swengine serve``, for minutes.

``python bench/load.py [--rate 5] [--minutes 3] [--mode direct|routed] [--quick]``

A fresh ``swengine serve`` (temporary data directory, free ports, its embedded Temporal) gets one definition:
a function call (``builtin.echo``), a wait for a CloudEvent, the end. Every 1/N seconds an order begins:

- ``direct``: ``POST /instances`` starts it; once it waits, its payment event goes to ``POST
  /instances/{id}/events``.
- ``routed``: an "order placed" CloudEvent to ``POST /events`` starts it (event-started, correlated by order
  id); once it waits, the "paid" event goes to ``POST /events`` too, and the router finds the instance by its
  correlation.

Each order then long-polls its result and checks the output is its own. At the end (after a drain) every
instance is accounted for: started, completed, failed (ended in failure, or completed with someone else's
data) and lost (accepted but neither completed nor failed: must be 0). Event delivery latency is the time
from sending the payment event to the instance's completion, which follows the event at once. Prints a table
and writes bench/load.json (the latest run of each mode, rate and duration).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).with_name("load.json")
STRUCTURED = {"content-type": "application/cloudevents+json"}
WAIT_STATE = "AwaitPayment"
DRAIN_SECONDS = 60.0
"""After the last start, how long unfinished orders may still take before they count as lost."""

DEFINITION = """id: load-order
version: "1.0"
specVersion: "0.8"
name: Load order
start: {start}
events:
  - name: placed
    type: com.example.load.placed
    source: /load
    correlation: [{{contextAttributeName: orderid}}]
  - name: paid
    type: com.example.load.paid
    source: /load
    correlation: [{{contextAttributeName: orderid}}]
functions:
  - {{name: reserve, type: custom, operation: builtin.echo}}
states:
{placed}  - name: Reserve
    type: operation
    actions:
      - functionRef: {{refName: reserve, arguments: {{order: "${{ .order }}", reserved: true}}}}
        actionDataFilter: {{toStateData: "${{ .reservation }}"}}
    transition: {wait}
  - name: {wait}
    type: event
    onEvents: [{{eventRefs: [paid], eventDataFilter: {{toStateData: "${{ .payment }}"}}}}]
    timeouts: {{eventTimeout: PT10M}}
    transition: Done
  - {{name: Done, type: inject, data: {{status: paid}}, end: true}}
"""
PLACED_STATE = """  - name: Placed
    type: event
    onEvents: [{eventRefs: [placed]}]
    transition: Reserve
"""


def definition(mode: str) -> str:
    if mode == "routed":
        return DEFINITION.format(start="Placed", placed=PLACED_STATE, wait=WAIT_STATE)
    return DEFINITION.format(start="Reserve", placed="", wait=WAIT_STATE)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def summary_ms(values: list[float]) -> dict[str, float | int | None]:
    def ms(value: float | None) -> float | None:
        return None if value is None else round(value * 1000, 1)

    return {
        "count": len(values),
        "p50": ms(percentile(values, 0.50)),
        "p90": ms(percentile(values, 0.90)),
        "p99": ms(percentile(values, 0.99)),
        "max": ms(max(values) if values else None),
        "mean": ms(statistics.fmean(values) if values else None),
    }


# --- the server under load --------------------------------------------------------------------------------


class ServeProcess:
    """``swengine serve`` in its own process group, on a temporary data directory; always stopped."""

    def __init__(self, workdir: Path, mode: str) -> None:
        self.workdir = workdir
        specs = workdir / "specs"
        specs.mkdir()
        (specs / "load-order.sw.yaml").write_text(definition(mode))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "serve.log"
        self.args = [sys.executable, "-m", "swengine.cli", "serve", "--specs", str(specs),
                     "--data-dir", str(workdir / "data"), "--port", str(self.port),
                     "--temporal-port", str(free_port())]  # fmt: skip
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, seconds: float = 120.0) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TEMPORAL_", "SWENGINE_", "K_SINK"))}
        env["PYTHONPATH"] = str(REPO)
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(self.args, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)  # fmt: skip
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"swengine serve exited:\n{self.log_path.read_text(errors='replace')}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"swengine serve not ready after {seconds}s")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
        try:  # whatever is left of its group (its embedded Temporal, evaluator processes)
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if self.process.poll() is None:
            self.process.wait(timeout=30)

    def errors_logged(self) -> int:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return text.count("Traceback")


# --- one order ----------------------------------------------------------------------------------------------


@dataclass
class Order:
    number: int
    order_id: str
    instance_id: str | None = None
    outcome: str = "pending"
    """pending (not accepted yet), started, completed, failed, wrong (completed with other data), refused."""
    detail: str = ""
    start_latency: float | None = None
    event_latency: float | None = None
    """Payment event sent to completion seen."""
    post_latency: float | None = None
    """The event POST's own answer time."""
    total: float | None = None


@dataclass
class Load:
    http: httpx.AsyncClient
    mode: str
    orders: list[Order] = field(default_factory=list)

    def event(self, event_type: str, order: Order, data: dict[str, Any]) -> dict[str, Any]:
        return {"specversion": "1.0", "id": f"{event_type.rsplit('.', 1)[1]}-{order.order_id}", "source": "/load",
                "type": event_type, "orderid": order.order_id, "data": data}  # fmt: skip

    async def start(self, order: Order) -> None:
        began = time.monotonic()
        if self.mode == "routed":
            placed = self.event("com.example.load.placed", order, {"order": order.order_id})
            response = await self.http.post("/events", content=json.dumps(placed), headers=STRUCTURED)
            started = response.json().get("started", []) if response.status_code == 200 else []
            instance_id = started[0] if len(started) == 1 else None
        else:
            response = await self.http.post("/instances", json={"definition": "load-order",
                                                                "input": {"order": order.order_id}})  # fmt: skip
            instance_id = response.json().get("instance_id") if response.status_code == 201 else None
        order.start_latency = time.monotonic() - began
        if instance_id is None:
            order.outcome, order.detail = "refused", f"{response.status_code} {response.text[:200]}"
            return
        order.instance_id, order.outcome = instance_id, "started"

    async def wait_until_waiting(self, order: Order, seconds: float = 60.0) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            response = await self.http.get(f"/instances/{order.instance_id}")
            if response.status_code == 200:
                detail = response.json()
                if detail.get("current_state") == WAIT_STATE:
                    return True
                if detail.get("status") not in ("running", None):
                    return False
            await asyncio.sleep(0.1)
        return False

    async def pay(self, order: Order) -> None:
        paid = self.event("com.example.load.paid", order, {"amount": order.number})
        path = "/events" if self.mode == "routed" else f"/instances/{order.instance_id}/events"
        began = time.monotonic()
        response = await self.http.post(path, content=json.dumps(paid), headers=STRUCTURED)
        order.post_latency = time.monotonic() - began
        if response.status_code != 200:
            order.detail = f"event refused: {response.status_code} {response.text[:200]}"
            return
        result = await self.http.get(f"/instances/{order.instance_id}/result",
                                     params={"wait": "true", "timeout": 120})  # fmt: skip
        body = result.json()
        if result.status_code == 200 and body.get("status") == "completed":
            order.event_latency = time.monotonic() - began
            self.check(order, body.get("output"))
        elif result.status_code == 409:
            order.outcome, order.detail = "failed", json.dumps(body)[:300]

    def check(self, order: Order, output: Any) -> None:
        expected = {"order": order.order_id, "reservation": {"order": order.order_id, "reserved": True},
                    "payment": {"amount": order.number}, "status": "paid"}  # fmt: skip
        actual = {key: (output or {}).get(key) for key in expected}
        if actual == expected:
            order.outcome = "completed"
        else:
            order.outcome, order.detail = "wrong", json.dumps(output)[:300]

    async def run_order(self, order: Order) -> None:
        began = time.monotonic()
        try:
            await self.start(order)
            if order.outcome != "started":
                return
            if await self.wait_until_waiting(order):
                await self.pay(order)
            else:
                order.detail = "never reached the wait state"
        except httpx.HTTPError as err:
            order.detail = f"{type(err).__name__}: {err}"
        finally:
            order.total = time.monotonic() - began

    async def account(self, order: Order) -> None:
        """After the drain: what became of an order the run did not see finish."""
        if order.outcome != "started" or order.instance_id is None:
            return
        response = await self.http.get(f"/instances/{order.instance_id}/result")
        body = response.json()
        if response.status_code == 200 and body.get("status") == "completed":
            self.check(order, body.get("output"))
        elif response.status_code == 409:
            order.outcome, order.detail = "failed", json.dumps(body)[:300]
        else:
            order.outcome = "lost"
            order.detail = order.detail or json.dumps(body)[:300]


async def drive(url: str, mode: str, rate: float, seconds: float) -> tuple[list[Order], float]:
    limits = httpx.Limits(max_connections=500, max_keepalive_connections=100)
    async with httpx.AsyncClient(base_url=url, timeout=180, limits=limits) as http:
        load = Load(http, mode)
        run = uuid.uuid4().hex[:6]
        tasks: list[asyncio.Task[None]] = []
        began = time.monotonic()
        total = int(rate * seconds)
        for number in range(total):
            delay = began + number / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            order = Order(number=number, order_id=f"o-{run}-{number}")
            load.orders.append(order)
            tasks.append(asyncio.create_task(load.run_order(order)))
            if number and number % max(1, int(rate * 30)) == 0:
                done = sum(o.outcome == "completed" for o in load.orders)
                print(
                    f"  {time.monotonic() - began:6.0f}s  started {number:6d}  completed {done:6d}",
                    file=sys.stderr,
                )
        offered = time.monotonic() - began
        _, pending = await asyncio.wait(tasks, timeout=DRAIN_SECONDS)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        await asyncio.gather(*(load.account(order) for order in load.orders))
        return load.orders, offered


def report(
    orders: list[Order], offered: float, args: argparse.Namespace, errors_logged: int
) -> dict[str, Any]:
    count = {name: sum(o.outcome == name for o in orders)
             for name in ("completed", "failed", "wrong", "lost", "refused", "pending")}  # fmt: skip
    started = sum(o.instance_id is not None for o in orders)
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "config": {
            "mode": args.mode,
            "rate_per_s": args.rate,
            "seconds": round(offered, 1),
            "drain_s": DRAIN_SECONDS,
        },  # fmt: skip
        "offered": len(orders),
        "started": started,
        "completed": count["completed"],
        "failed": count["failed"] + count["wrong"],
        "wrong_data": count["wrong"],
        "refused_at_start": count["refused"] + count["pending"],
        "lost": count["lost"],
        "achieved_start_rate_per_s": round(started / offered, 2) if offered else None,
        "start_latency_ms": summary_ms([o.start_latency for o in orders if o.start_latency is not None]),
        "event_post_latency_ms": summary_ms([o.post_latency for o in orders if o.post_latency is not None]),
        "event_delivery_latency_ms": summary_ms(
            [o.event_latency for o in orders if o.event_latency is not None]
        ),
        "order_total_ms": summary_ms(
            [o.total for o in orders if o.total is not None and o.outcome == "completed"]
        ),
        "tracebacks_in_server_log": errors_logged,
        "problems": [
            {"order": o.order_id, "instance": o.instance_id, "outcome": o.outcome, "detail": o.detail}
            for o in orders
            if o.outcome not in ("completed",)
        ][:20],  # fmt: skip
    }
    return result


def save(result: dict[str, Any]) -> None:
    """bench/load.json keeps the latest run of each mode, rate and duration."""
    config = result["config"]
    label = f"{config['mode']} {config['rate_per_s']:g}/s {round(config['seconds'])}s"
    try:
        runs = json.loads(RESULTS.read_text()).get("runs", {})
    except (OSError, ValueError):
        runs = {}
    runs[label] = result
    RESULTS.write_text(json.dumps({"benchmark": "load", "runs": dict(sorted(runs.items()))}, indent=2) + "\n")


def print_table(result: dict[str, Any]) -> None:
    config = result["config"]
    print(f"\nload: {config['rate_per_s']}/s for {config['seconds']} s, mode {config['mode']}"
          f" ({result['machine']['cpus']} CPUs)")  # fmt: skip
    rows = [("offered", result["offered"]), ("started", result["started"]),
            ("completed", result["completed"]), ("failed", result["failed"]),
            ("refused at start", result["refused_at_start"]), ("lost", result["lost"]),
            ("achieved starts/s", result["achieved_start_rate_per_s"]),
            ("tracebacks in server log", result["tracebacks_in_server_log"])]  # fmt: skip
    for name, value in rows:
        print(f"  {name:<26}{value:>10}")
    print(f"\n  {'latency (ms)':<26}{'p50':>9}{'p90':>9}{'p99':>9}{'max':>9}")
    for name, key in [("start (POST answered)", "start_latency_ms"), ("event POST answered", "event_post_latency_ms"),
                      ("event delivery", "event_delivery_latency_ms"), ("whole order", "order_total_ms")]:  # fmt: skip
        s = result[key]
        print(
            f"  {name:<26}"
            + "".join(f"{'-' if s[p] is None else s[p]:>9}" for p in ("p50", "p90", "p99", "max"))
        )
    print(f"\nwrote {RESULTS.relative_to(REPO)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=5.0, help="new instances per second (default 5)")
    parser.add_argument("--minutes", type=float, default=3.0, help="how long to keep starting (default 3)")
    parser.add_argument("--quick", action="store_true", help="20 seconds instead of --minutes")
    parser.add_argument("--mode", choices=["direct", "routed"], default="direct",
                        help="how instances start and events arrive (default direct)")  # fmt: skip
    args = parser.parse_args()
    seconds = 20.0 if args.quick else args.minutes * 60
    workdir = Path(tempfile.mkdtemp(prefix="swengine-load-"))
    serve = ServeProcess(workdir, args.mode)
    try:
        print(f"starting swengine serve in {workdir} ...", file=sys.stderr)
        serve.start()
        print(f"offering {args.rate}/s for {seconds:.0f} s ({args.mode})", file=sys.stderr)
        orders, offered = asyncio.run(drive(serve.url, args.mode, args.rate, seconds))
        result = report(orders, offered, args, serve.errors_logged())
    finally:
        serve.stop()
    save(result)
    print_table(result)
    if result["lost"] == 0 and result["failed"] == 0:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        print(f"kept {workdir} (serve.log) for inspection", file=sys.stderr)
    return 0 if result["lost"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
