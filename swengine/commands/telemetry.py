"""The metrics option shared by the commands that run a worker (``worker``, ``serve``)."""

from __future__ import annotations

import argparse
import sys

from swengine.core.settings import Settings
from swengine.runtime.metrics import enable_sdk_metrics


def add_metrics_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--metrics-address",
        metavar="HOST:PORT",
        help="serve the worker's Prometheus metrics (Temporal SDK and swengine instances and states) at"
        " http://HOST:PORT/metrics (default: SWENGINE_METRICS_ADDRESS; unset: off)",
    )


def start_metrics(settings: Settings) -> None:
    """Turn on the SDK's Prometheus endpoint, before any client connects."""
    if settings.metrics_address:
        enable_sdk_metrics(settings.metrics_address)
        print(f"worker metrics at http://{settings.metrics_address}/metrics", file=sys.stderr)
