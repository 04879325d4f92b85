"""0.8 event definitions as 1.0 ``listen`` filters and ``emit`` tasks, and what 0.8 event data filters see."""

from __future__ import annotations

from typing import Any

from swengine.authoring.migrate import jq
from swengine.authoring.migrate.context import Translation


def event_filter(definition: dict[str, Any]) -> dict[str, Any]:
    """A 1.0 filter for a consumed 0.8 event: its type and source, and its correlation rules."""
    attributes = {key: definition[key] for key in ("type", "source") if definition.get(key)}
    found: dict[str, Any] = {"with": attributes}
    correlate: dict[str, Any] = {}
    for rule in definition.get("correlation") or []:
        name = rule.get("contextAttributeName")
        if not name:
            continue
        correlate[name] = {"from": jq.wrap(f".{name}" if name.isidentifier() else f".[{jq.literal(name)}]")}
        if rule.get("contextAttributeValue") is not None:
            correlate[name]["expect"] = rule["contextAttributeValue"]
    if correlate:
        found["correlate"] = correlate
    return found


def matches(definition: dict[str, Any], event: str) -> str:
    """jq: the event envelope ``event`` is one of ``definition``."""
    prefix = "" if event == "." else event
    tests = [
        f"{prefix}.{key} == {jq.literal(definition[key])}"
        for key in ("type", "source")
        if definition.get(key)
    ]
    return " and ".join(tests) or "true"


def payload(definition: dict[str, Any], event: str) -> str:
    """jq: what 0.8 event data filters see: the event's data, or the whole event when ``dataOnly`` is false."""
    return event if definition.get("dataOnly") is False else f"{event}.data"


def listen_body(definitions: list[dict[str, Any]], strategy: str, tr: Translation) -> dict[str, Any]:
    """A ``listen`` for these events, read as envelopes (the 0.8 filters may need more than the data);
    its output is the first event's payload when one event is awaited."""
    filters = [event_filter(definition) for definition in definitions]
    to: dict[str, Any] = {strategy: filters[0] if strategy == "one" else filters}
    body: dict[str, Any] = {"listen": {"to": to, "read": "envelope"}}
    if strategy == "one":
        body["output"] = {"as": jq.wrap(payload(definitions[0], ".[0]"))}
    return body


def emit_body(
    definition: dict[str, Any], data: Any, attributes: dict[str, Any] | None, tr: Translation
) -> dict[str, Any]:
    """An ``emit`` of a produced 0.8 event whose data is ``data`` (a 1.0 expression, or a value)."""
    # 1.0 requires a source; 0.8 instances here default to /swengine/<id>
    event: dict[str, Any] = {
        "type": definition.get("type", definition.get("name")),
        "source": definition.get("source") or f"/swengine/{tr.data.get('id', 'workflow')}",
    }
    event["data"] = data
    for name, value in (attributes or {}).items():
        event[name] = tr.template(value)
    return {"emit": {"event": {"with": event}}}


def filtered(data_filter: dict[str, Any] | None, event_payload: str, data: str, tr: Translation) -> str:
    """jq: ``data`` with the event payload merged in as the 0.8 ``eventDataFilter`` says."""
    data_filter = data_filter or {}
    if data_filter.get("useData") is False:
        return data
    selected = jq.pipe("$p", tr.expr(data_filter["data"]) if "data" in data_filter else None)
    to = tr.expr(data_filter["toStateData"]) if "toStateData" in data_filter else None
    merged = jq.merged("$d", f"({selected})", to)
    return f"{data} as $d | ({event_payload}) as $p | if $p == null then $d else {merged} end"
