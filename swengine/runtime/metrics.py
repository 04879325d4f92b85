"""Prometheus metrics of this process (``GET /metrics`` on the API). A worker's metrics are the Temporal SDK's
own endpoint (``runtime.logs.install_runtime``), which also carries the interpreter's instance and state metrics.

The API's metrics live in their own registry, so two apps in one process (tests) never collide.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector

from swengine.expressions import stats

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class ExpressionCollector(Collector):
    """The jq counters of ``expressions.stats`` (process-wide; in ``serve`` they include the worker's)."""

    def collect(self) -> Iterator[CounterMetricFamily]:
        counts = stats.COUNTS
        evaluations = CounterMetricFamily(
            "swengine_jq_evaluations", "jq evaluations by where they ran", labels=["path"]
        )
        evaluations.add_metric(["native"], counts.native)
        evaluations.add_metric(["local"], counts.local)
        evaluations.add_metric(["pooled"], counts.pooled)
        yield evaluations
        yield CounterMetricFamily(
            "swengine_jq_limit_hits",
            "jq evaluations stopped by the time or memory bound",
            value=counts.limit_hits,
        )


class ApiMetrics:
    """What the API counts: instances it started, events routed, and what became of each delivery."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.instances_started = Counter(
            "swengine_api_instances_started", "instances started through POST /instances",
            ["definition"], registry=self.registry,
        )  # fmt: skip
        self.events = Counter(
            "swengine_events_routed", "events routed, by whether they reached anyone (delivered, started,"
            " matched_nobody)", ["outcome"], registry=self.registry,
        )  # fmt: skip
        self.deliveries = Counter(
            "swengine_event_deliveries", "events delivered to an instance, by what it did with them"
            " (consumed, buffered, unmatched, unknown)", ["fate"], registry=self.registry,
        )  # fmt: skip
        self.registry.register(ExpressionCollector())

    def routed(self, delivered: int, started: int, fates: dict[str, str]) -> None:
        if delivered:
            self.events.labels("delivered").inc()
        if started:
            self.events.labels("started").inc()
        if not delivered and not started:
            self.events.labels("matched_nobody").inc()
        for fate in fates.values():
            self.deliveries.labels(fate).inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
