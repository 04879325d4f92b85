"""Optional OpenTelemetry tracing (``SWENGINE_TRACING=1``): the Temporal SDK's contrib interceptor on every
client, and so on every worker built from one. Spans go to the global tracer provider, which the operator
sets up as usual (``opentelemetry-instrument`` with ``OTEL_*`` variables, or code); ``pip install
swengine[tracing]`` brings the SDK."""

from __future__ import annotations

from typing import Any

from swengine.core.errors import SwengineError
from swengine.core.settings import Settings


def interceptors(settings: Settings) -> list[Any]:
    if not settings.tracing:
        return []
    try:
        from temporalio.contrib.opentelemetry import TracingInterceptor
    except ImportError:
        raise SwengineError(
            "SWENGINE_TRACING is set but OpenTelemetry is not installed: pip install 'swengine[tracing]'",
            code="tracing_unavailable",
        ) from None
    return [TracingInterceptor()]
