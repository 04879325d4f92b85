"""Record the histories replayed by test_replay.py: ``python -m tests.replay.record [NAME...]`` (starts a
dev server; with names, only those scenarios, so a new scenario never re-records the others).

Re-record only for a deliberate, patched change: old histories are what prove old instances still replay.
Record a new scenario by its name alone, leaving the others as they were recorded.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from swengine.compiler.pipeline import compile_path, compile_text
from swengine.runtime.devserver import start_dev_server
from tests.integration.conftest import running
from tests.replay.scenarios import SCENARIOS, Scenario

HISTORIES = Path(__file__).resolve().parent / "histories"


def _compile(source: Path | str):  # noqa: ANN202 - WorkflowIR
    return compile_path(source) if isinstance(source, Path) else compile_text(source)


async def record(scenario: Scenario, client) -> None:  # noqa: ANN001 - temporalio Client
    ir = _compile(scenario.source)
    definitions = [ir, *(compile_text(text) for text in scenario.extra_definitions)]
    async with running(client, definitions, mocks=scenario.mocks) as (service, _):
        service.lifecycle_events = scenario.lifecycle
        started = await service.start(ir, scenario.input, instance_id=f"replay-{scenario.name}")
        for signal in scenario.signals:
            await service.handle(started.instance_id).signal(signal)
        for event in scenario.events:
            await service.send_event(started.instance_id, event)
        await service.result(started.instance_id)
        history = await service.handle(started.instance_id).fetch_history()
    (HISTORIES / f"{scenario.name}.json").write_text(history.to_json(), encoding="utf-8")
    print(f"recorded {scenario.name}: {len(history.events)} events")


async def main(names: list[str]) -> None:
    HISTORIES.mkdir(exist_ok=True)
    env = await start_dev_server()
    try:
        for scenario in SCENARIOS:
            if not names or scenario.name in names:
                await record(scenario, env.client)
    finally:
        await env.shutdown()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
