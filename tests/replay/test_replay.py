"""Recorded histories replay with the current interpreter: a change that alters commands must be patched."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer, UnsandboxedWorkflowRunner

from swengine.core.ir import WORKFLOW_NAME, definition_of_type
from swengine.interpreter.workflow import DefinitionInterpreter, Interpreter
from swengine.runtime.worker import sandbox_runner
from tests.replay.scenarios import SCENARIOS

HISTORIES = Path(__file__).resolve().parent / "histories"


def test_every_scenario_has_a_recorded_history():
    recorded = {p.stem for p in HISTORIES.glob("*.json")}
    assert {s.name for s in SCENARIOS} <= recorded


def test_histories_cover_both_workflow_types():
    """Instances started under the old single type and under their definition's own both replay."""
    kinds = {
        WorkflowHistory.from_json(path.stem, path.read_text(encoding="utf-8"))
        .events[0]
        .workflow_execution_started_event_attributes.workflow_type.name
        for path in HISTORIES.glob("*.json")
    }
    assert WORKFLOW_NAME in kinds
    assert any(definition_of_type(kind) for kind in kinds), kinds


RUNNERS = {"unsandboxed": UnsandboxedWorkflowRunner, "sandboxed": sandbox_runner}


@pytest.mark.parametrize("runner", sorted(RUNNERS))
@pytest.mark.parametrize("path", sorted(HISTORIES.glob("*.json")), ids=lambda p: p.stem)
async def test_history_replays(path: Path, runner: str):
    history = WorkflowHistory.from_json(f"replay-{path.stem}", path.read_text(encoding="utf-8"))
    replayer = Replayer(workflows=[DefinitionInterpreter, Interpreter], workflow_runner=RUNNERS[runner]())
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{path.stem} no longer replays: {result.replay_failure}"
