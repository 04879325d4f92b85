"""``swengine test --record``: write what each case observed into the test file as its expectation.

Other fields of the file and of each case are kept; the comment lines at the top of a YAML file are kept,
comments elsewhere are not (the file is rewritten from its data).
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from swengine.authoring.testing.cases import CaseFile
from swengine.authoring.testing.compare import Observed

REPLACED = ("status", "error", "error_message", "output", "output_subset", "visited", "produced_events")


def recorded_expectation(previous: dict[str, Any], observed: Observed) -> dict[str, Any]:
    """The case's ``expect`` rewritten from what happened: output (or error) and states visited."""
    kept = {key: value for key, value in previous.items() if key not in REPLACED}
    expect: dict[str, Any] = {"status": observed.status}
    if observed.status == "failed":
        expect["error"] = observed.error
    else:
        expect["output"] = observed.output
    if observed.visited is not None:
        expect["visited"] = list(observed.visited)
    if observed.produced_events:
        expect["produced_events"] = [
            {"type": e.get("type"), "data": e.get("data")} for e in observed.produced_events
        ]
    return {**expect, **kept}


def record(case_file: CaseFile, observations: dict[str, Observed]) -> int:
    """Rewrite the file with the observed expectations of the named cases; returns how many were recorded."""
    raw = case_file.raw
    recorded = 0
    for case in case_file.cases:
        observed = observations.get(case.name)
        if observed is None or observed.status not in ("completed", "failed"):
            continue
        item = raw["cases"][case.index]
        item["expect"] = recorded_expectation(item.get("expect") or {}, observed)
        recorded += 1
    if recorded:
        case_file.path.write_text(render(case_file), encoding="utf-8")
    return recorded


def render(case_file: CaseFile) -> str:
    if case_file.path.suffix == ".json":
        return json.dumps(case_file.raw, indent=2, ensure_ascii=False) + "\n"
    text = case_file.path.read_text(encoding="utf-8")
    header = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        header.append(line + "\n")
    body = yaml.safe_dump(case_file.raw, sort_keys=False, allow_unicode=True, width=110)
    return "".join(header) + body
