"""How many jq evaluations this process ran (in Python, in-process libjq or pooled evaluator) and how many hit a
limit: plain counters, read by the metrics endpoint, so expressions never depend on a metrics library."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Counts:
    native: int = 0
    """Evaluations answered in Python (the simplest programs: :mod:`swengine.expressions.native`)."""
    local: int = 0
    """Evaluations on the in-process fast path (cost model says they are cheap)."""
    pooled: int = 0
    """Evaluations sent to the bounded evaluator processes."""
    limit_hits: int = 0
    """Evaluations stopped by the time or memory bound (``expression_limit_exceeded``)."""


COUNTS = Counts()
