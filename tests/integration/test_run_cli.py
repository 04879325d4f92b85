"""``swengine run`` against a real Temporal: ``--mock`` reads the same format as ``*.test.yaml`` mocks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from swengine.cli import main

ORDER = """id: mocked
specVersion: "0.8"
start: Charge
errors:
  - {name: declined, code: card_declined}
functions:
  - {name: charge, type: custom, operation: shop.charge}
states:
  - name: Charge
    type: operation
    actions:
      - functionRef: {refName: charge, arguments: {amount: 3}}
        actionDataFilter: {toStateData: "${ .receipt }"}
    onErrors:
      - errorRef: declined
        transition: Declined
    end: true
  - name: Declined
    type: inject
    data: {declined: true}
    end: true
"""


@pytest.fixture
def address(temporal_env, monkeypatch: pytest.MonkeyPatch) -> str:
    target = str(temporal_env.client.service_client.config.target_host)
    monkeypatch.setenv("TEMPORAL_ADDRESS", target)
    return target


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_mock_formats_are_those_of_workflow_tests(
    address: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    workflow = tmp_path / "mocked.sw.yaml"
    workflow.write_text(ORDER, encoding="utf-8")
    mocks = {
        '{"error": {"type": "card_declined", "message": "no funds"}}': {"declined": True},
        '{"returns": {"id": "r-1"}}': {"receipt": {"id": "r-1"}},
        '{"id": "r-2"}': {"receipt": {"id": "r-2"}},  # anything else is the value itself, as in tests
    }
    for mock, expected in mocks.items():
        code, out, err = run(capsys, "run", str(workflow), "--mock", f"charge={mock}")
        assert code == 0, err
        assert json.loads(out) == expected


WAITS = """id: waits
specVersion: "0.8"
start: Wait
events:
  - name: nudge
    type: com.example.nudge
    source: /nudges
    correlation: [{contextAttributeName: ticket}]
states:
  - name: Wait
    type: event
    onEvents: [{eventRefs: [nudge]}]
    timeouts: {eventTimeout: PT2S}
    transition: After
  - name: After
    type: inject
    data: {moved: later}
    end: true
"""


def test_run_says_what_the_instance_waits_for(
    address: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    workflow = tmp_path / "waits.sw.yaml"
    workflow.write_text(WAITS, encoding="utf-8")
    code, out, err = run(capsys, "run", str(workflow))
    assert code == 0, err
    assert json.loads(out) == {"moved": "later"}
    waiting = [line for line in err.splitlines() if "waiting for" in line]
    assert waiting, err
    assert "in state Wait: waiting for com.example.nudge from /nudges (ticket=any) until " in waiting[0]


FAILS = """id: fails
specVersion: "0.8"
start: Boom
functions:
  - {name: fail, type: custom, operation: builtin.fail}
states:
  - name: Boom
    type: operation
    actions: [{functionRef: {refName: fail, arguments: {type: broken, message: on purpose}}}]
    end: true
"""


def test_json_logs_are_one_object_a_line_without_tracebacks(
    address: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    workflow = tmp_path / "fails.sw.yaml"
    workflow.write_text(FAILS, encoding="utf-8")
    code, out, err = run(capsys, "-v", "--log-format", "json", "run", str(workflow))
    assert code == 1 and out == ""
    assert "Traceback" not in err
    entries = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert entries and all({"time", "level", "logger", "message"} <= set(entry) for entry in entries)
    assert any(entry.get("code") == "broken" for entry in entries), err
    assert any("instance of fails failed: broken" in entry["message"] for entry in entries), err
    assert "swengine run: broken: " in err  # the command's own verdict, once


def test_run_without_an_address_starts_its_own_temporal_first_and_stops_it(tmp_path: Path) -> None:
    """The command line as users run it: the throwaway Temporal starts before the engine is imported, serves
    the instance, and is gone when the command ends."""
    import os
    import re
    import socket
    import subprocess
    import sys

    environment = {key: value for key, value in os.environ.items() if key != "TEMPORAL_ADDRESS"}
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-m", "swengine.cli", "-v", "run", str(root / "specs" / "hello.sw.yaml")],
                          env=environment, capture_output=True, text=True, timeout=120, cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"greeting": "Hello from swengine!"}
    port = int(re.search(r"temporal at 127.0.0.1:(\d+)", done.stderr).group(1))  # type: ignore[union-attr]
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0  # nobody listens there any more
