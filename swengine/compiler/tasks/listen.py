"""1.0 ``listen``: the consumption strategy (one, all, any with until) and its event filters, plus the event
definitions that let the router find an instance waiting for those events."""

from __future__ import annotations

from typing import Any

from swengine import expressions
from swengine.compiler.tasks.common import Scope, expression, template
from swengine.core import ir
from swengine.core import ir_tasks as t


def compile_listen(body: dict[str, Any], base: dict[str, Any], scope: Scope, compile_list: Any) -> t.Task:
    listen = body["listen"]
    strategy, filters = _strategy(listen["to"])
    until = listen["to"].get("until")
    until_strategy, until_filters = _strategy(until) if isinstance(until, dict) else (None, [])
    return t.ListenTask(
        **base,
        strategy=strategy,
        filters=filters,
        until=None if isinstance(until, dict) else expression(until),
        until_strategy=until_strategy,
        until_filters=until_filters,
        read=listen.get("read", "data"),
        foreach=_iterator(body.get("foreach"), base["pointer"], compile_list),
    )


def _iterator(given: Any, where: str, compile_list: Any) -> t.EventIterator | None:
    if not isinstance(given, dict):
        return None
    return t.EventIterator(
        item=given.get("item", "item"),
        at=given.get("at", "index"),
        tasks=compile_list(given.get("do") or [], where + "/foreach/do"),
        output_as=expression((given.get("output") or {}).get("as")),
        export_as=expression((given.get("export") or {}).get("as")),
    )


def _strategy(to: dict[str, Any]) -> tuple[Any, list[t.EventFilter]]:
    for mode in ("one", "all", "any"):
        if mode in to:
            given = to[mode]
            return mode, [_filter(item) for item in (given if isinstance(given, list) else [given])]
    return "any", []


def _filter(given: dict[str, Any]) -> t.EventFilter:
    attributes: dict[str, Any] = {}
    computed: dict[str, str] = {}
    for name, value in (given.get("with") or {}).items():
        if isinstance(value, str) and expressions.is_expression(value):
            computed[name] = expressions.strip(value)
        elif name == "data":
            computed[name] = f". == {template(value)}"
        else:
            attributes[name] = value
    correlate = [
        t.Correlate(key=key, source=expression(rule["from"]) or ".", expect=_expect(rule.get("expect")))
        for key, rule in (given.get("correlate") or {}).items()
    ]
    return t.EventFilter(attributes=attributes, computed=computed, correlate=correlate)


def _expect(value: Any) -> str | None:
    if value is None:
        return None
    return expressions.strip(value) if expressions.is_expression(value) else template(value)


def consumed_events(tasks: list[t.Task]) -> list[ir.EventDef]:
    """One event definition per listen filter with a literal ``type``: how the router finds the instance."""
    found: list[ir.EventDef] = []
    for node in ir.nodes(tasks):
        if isinstance(node, t.ListenTask):
            for index, event_filter in enumerate([*node.filters, *node.until_filters]):
                event_type = event_filter.attributes.get("type")
                if isinstance(event_type, str):
                    source = event_filter.attributes.get("source")
                    name = f"{node.pointer}#{index}"
                    found.append(ir.EventDef(name=name, type=event_type, source=source))
    return found


def starting_events(to: Any) -> list[ir.EventDef]:
    """``schedule.on`` (``one``, or ``any`` without ``until``; validation refuses the rest): one event
    definition per filter, matched by type and source."""
    if not isinstance(to, dict):
        return []
    _, filters = _strategy(to)
    return [
        ir.EventDef(
            name=f"/schedule/on#{index}",
            type=str(event_filter.attributes["type"]),
            source=event_filter.attributes.get("source"),
        )
        for index, event_filter in enumerate(filters)
    ]
