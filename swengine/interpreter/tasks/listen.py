"""``listen``: consume events from the instance's inbox (deduplicated by source + id, fed by the router)
by strategy: ``one``, ``all`` (each filter once, any order), ``any`` (the first, or until ``until`` holds).
The output is the consumed events in arrival order, read as ``data``, ``envelope`` or ``raw`` (with
``foreach``, each event's output of the iterator's tasks, run as it is consumed); events consumed only to
satisfy an ``until`` strategy are left out."""

from __future__ import annotations

from typing import Any

from temporalio import workflow

from swengine.core import patterns
from swengine.core.ir_tasks import EventFilter, ListenTask
from swengine.interpreter.tasks.run import Outcome, TaskRun, Variables

READ = {
    "data": lambda event: event.get("data"),
    "envelope": lambda event: event,
    "raw": lambda event: event.get("data"),
}


class _Listening:
    """The filters still open and the correlation values learned, for one listen task."""

    def __init__(self, task: ListenTask, data: Any, run: TaskRun, variables: Variables) -> None:
        self.task, self.data, self.run, self.variables = task, data, run, variables
        self.learned: dict[str, Any] = {}
        self.consumed: list[Any] = []
        """Events kept for the output, read as the task says (what a string ``until`` sees)."""
        self.outputs: list[Any] = []

    async def keep(self, event: dict[str, Any]) -> None:
        """An event for the output: read, and run through ``foreach`` when there is one."""
        item = READ[self.task.read](event)
        self.consumed.append(item)
        iterator = self.task.foreach
        if iterator is None:
            self.outputs.append(item)
            return
        local = {**self.variables, iterator.item: item, iterator.at: len(self.consumed) - 1}
        output, _ = await self.run.run_list(iterator.tasks, item, local)
        output = self.run.evaluate(iterator.output_as, output, local)
        if iterator.export_as is not None:
            self.run.context = self.run.evaluate(iterator.export_as, output, {**local, "output": output})
        self.outputs.append(output)

    def accepts(self, event_filter: EventFilter, event: dict[str, Any]) -> bool:
        for name, expected in event_filter.attributes.items():
            if not _attribute_matches(event.get(name), expected):
                return False
        for name, expr in event_filter.computed.items():
            if not self.run.truthy(expr, event.get(name), self.variables):
                return False
        return all(
            self._correlates(rule.key, rule.source, rule.expect, event) for rule in event_filter.correlate
        )

    def _correlates(self, key: str, source: str, expect: str | None, event: dict[str, Any]) -> bool:
        value = self.run.evaluate(source, event, self.variables)
        if expect is not None:
            return bool(value == self.run.evaluate(expect, self.data, self.variables))
        return self.learned.get(key, value) == value

    def learn(self, event_filter: EventFilter, event: dict[str, Any]) -> None:
        for rule in event_filter.correlate:
            self.learned.setdefault(rule.key, self.run.evaluate(rule.source, event, self.variables))

    async def next(self, filters: list[EventFilter]) -> tuple[int, dict[str, Any]]:
        """Wait for the oldest event some filter accepts (an empty list accepts any); (filter index, event)."""
        inbox = self.run.ctx.inbox

        def chosen(event: dict[str, Any]) -> bool:
            return not filters or any(self.accepts(f, event) for f in filters)

        await workflow.wait_condition(lambda: inbox.find_where(chosen) is not None)
        index = inbox.find_where(chosen)
        assert index is not None
        event = inbox.take_at(index)
        which = next((i for i, f in enumerate(filters) if self.accepts(f, event)), -1)
        if which >= 0:
            self.learn(filters[which], event)
        return which, event


def _attribute_matches(actual: Any, expected: Any) -> bool:
    if actual == expected:
        return True
    if not isinstance(actual, str) or not isinstance(expected, str):
        return False
    try:
        return patterns.fullmatch(expected, actual)
    except patterns.PatternUnsupported:
        return False


async def execute_listen(task: ListenTask, data: Any, run: TaskRun, variables: Variables) -> Outcome:
    listening = _Listening(task, data, run, variables)
    await CONSUME[task.strategy](listening, task.filters, task)
    return listening.outputs, None


async def _one(listening: _Listening, filters: list[EventFilter], task: ListenTask) -> None:
    _, event = await listening.next(filters)
    await listening.keep(event)


async def _all(listening: _Listening, filters: list[EventFilter], task: ListenTask) -> None:
    remaining = list(filters)
    while remaining:
        which, event = await listening.next(remaining)
        remaining.pop(which)
        await listening.keep(event)


async def _any(listening: _Listening, filters: list[EventFilter], task: ListenTask) -> None:
    if task.until is None and task.until_strategy is None:
        return await _one(listening, filters, task)
    wanted = filters or [EventFilter()]  # ``any: []``: every event
    until_open = list(task.until_filters)
    while True:
        # An event that ends the listening is checked first: with ``any: []`` it would match both.
        which, event = await listening.next([*until_open, *wanted])
        if which < len(until_open):  # consumed for the until strategy: never part of the output
            until_open.pop(which)
            if task.until_strategy != "all" or not until_open:
                return
            continue
        await listening.keep(event)
        if task.until is not None and listening.run.truthy(
            task.until, listening.consumed, listening.variables
        ):
            return


CONSUME = {"one": _one, "all": _all, "any": _any}
