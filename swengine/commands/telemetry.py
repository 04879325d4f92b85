"""The telemetry options of the commands that talk to Temporal: the worker's metrics address, and the SDK
runtime that forwards the Temporal core's logs into ours."""

from __future__ import annotations

import argparse
import sys

from swengine.core.settings import Settings
from swengine.runtime.logs import install_runtime


def add_metrics_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--metrics-address",
        metavar="HOST:PORT",
        help="serve the worker's Prometheus metrics (Temporal SDK and swengine instances and states) at"
        " http://HOST:PORT/metrics (default: SWENGINE_METRICS_ADDRESS; unset: off)",
    )


def start_telemetry(settings: Settings) -> None:
    """Before any client connects: the SDK runtime, with the metrics endpoint when an address is set."""
    install_runtime(settings.metrics_address)
    if settings.metrics_address:
        print(f"worker metrics at http://{settings.metrics_address}/metrics", file=sys.stderr)
