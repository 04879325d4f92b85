"""The workflow test runner (``swengine test``) tested on the time-skipping test server."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
import yaml
from temporalio.testing import WorkflowEnvironment

from swengine.authoring.testing.cases import CaseFileError, find_test_files, load_test_file
from swengine.authoring.testing.record import record
from swengine.authoring.testing.runner import CaseResult, Runner
from swengine.cli import main
from tests.integration.conftest import time_skipping_server

REPO = Path(__file__).resolve().parents[2]

HELLO = """
id: hello
specVersion: "0.8"
start: Greet
states:
  - {name: Greet, type: inject, data: {greeting: Hello}, end: true}
"""

PAY = """
id: pay
specVersion: "0.8"
start: Charge
errors:
  - {name: declined, code: card_declined}
events:
  - {name: paid, type: com.example.paid, kind: produced}
functions:
  - {name: charge, type: custom, operation: myteam.charge}
states:
  - name: Charge
    type: operation
    actions:
      - functionRef: {refName: charge, arguments: {amount: "${ .amount }"}}
        actionDataFilter: {toStateData: "${ .receipt }"}
    onErrors:
      - errorRef: declined
        transition: Declined
    end:
      produceEvents:
        - eventRef: paid
          data: "${ {amount: .amount, receipt: .receipt} }"
  - {name: Declined, type: inject, data: {declined: true}, end: true}
"""

WAIT = """
id: wait
specVersion: "0.8"
start: Wait
events:
  - {name: go, type: com.example.go, source: /ops}
states:
  - name: Wait
    type: switch
    eventConditions:
      - {name: got go, eventRef: go, transition: Went}
    defaultCondition: {transition: Gave up}
    timeouts: {eventTimeout: PT1H}
  - {name: Went, type: inject, data: {went: true}, end: true}
  - {name: Gave up, type: inject, data: {went: false}, end: true}
"""

WEEK = """
id: week
specVersion: "0.8"
start: Rest
states:
  - {name: Rest, type: sleep, duration: P7D, transition: Done}
  - {name: Done, type: inject, data: {rested: true}, end: true}
"""

PARENT = """
id: parent
specVersion: "0.8"
start: Call
states:
  - name: Call
    type: operation
    actions:
      - subFlowRef: week
    end: true
"""


@pytest_asyncio.fixture
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    """A server per test: time skips only while no activity runs, so an activity another test left running on
    the shared server would hold these hours-long cases in real time."""
    async with time_skipping_server() as env:
        yield env


def write(directory: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (directory / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return directory


async def run_tests(env: WorkflowEnvironment, directory: Path) -> dict[str, CaseResult]:
    """Every case under ``directory`` by name (test files that do not load are left out)."""
    runner = Runner(env)
    results: dict[str, CaseResult] = {}
    for path in find_test_files([directory]):
        try:
            case_file = load_test_file(path)
        except CaseFileError:
            continue
        async for result in runner.run_file(case_file):
            results[result.case] = result
    return results


async def test_a_passing_and_a_failing_case_with_a_readable_diff(
    time_skipping_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    write(
        tmp_path,
        {
            "hello.sw.yaml": HELLO,
            "hello.test.yaml": """
                cases:
                  - name: greets
                    input: {who: Ada}
                    expect: {output: {who: Ada, greeting: Hello}, visited: [Greet]}
                  - name: wrong greeting
                    input: {who: Ada}
                    expect: {output: {who: Ada, greeting: Hi}, visited: [Start, Greet]}
            """,
        },
    )
    results = await run_tests(time_skipping_env, tmp_path)
    assert results["greets"].outcome == "passed"
    failed = results["wrong greeting"]
    assert failed.outcome == "failed"
    output, visited = failed.problems
    assert output.splitlines()[:3] == ["output differs:", "--- expected", "+++ actual"]
    assert '-  "greeting": "Hi",' in output.splitlines()
    assert '+  "greeting": "Hello",' in output.splitlines()
    assert '-  "Start",' in visited.splitlines()


async def test_mocked_results_errors_and_produced_events(
    time_skipping_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    write(
        tmp_path,
        {
            "pay.sw.yaml": PAY,
            "pay.test.yaml": """
                cases:
                  - name: paid
                    input: {amount: 5}
                    mocks: {charge: {returns: r-9}}
                    expect:
                      output: {amount: 5, receipt: r-9}
                      produced_events: [{type: com.example.paid, data: {receipt: r-9}}]
                  - name: declined by a mocked error
                    input: {amount: 5}
                    mocks: {charge: {error: {type: card_declined, message: "no funds"}}}
                    expect: {output: {amount: 5, declined: true}, visited: [Charge, Declined]}
                  - name: an unknown error fails the instance
                    input: {amount: 5}
                    mocks: {charge: {error: {type: fraud, message: "stolen card"}}}
                    expect: {error: fraud, error_message: stolen, visited: [Charge]}
                  - name: expects an event that is not produced
                    input: {amount: 5}
                    mocks: {charge: {sequence: [r-1, r-2]}}
                    expect:
                      produced_events: [{type: com.example.paid, data: {receipt: r-2}}]
                  - name: expects the wrong error
                    input: {amount: 5}
                    mocks: {charge: {error: {type: fraud}}}
                    expect: {error: card_declined}
            """,
        },
    )
    results = await run_tests(time_skipping_env, tmp_path)
    assert {name: r.outcome for name, r in results.items()} == {
        "paid": "passed",
        "declined by a mocked error": "passed",
        "an unknown error fails the instance": "passed",
        "expects an event that is not produced": "failed",
        "expects the wrong error": "failed",
    }
    assert results["paid"].observed is not None
    assert results["paid"].observed.produced_events[0]["source"] == "/swengine/pay"
    assert results["expects an event that is not produced"].problems[0].startswith("produced events do not")
    assert results["expects the wrong error"].problems == [
        "error: expected card_declined, got fraud",
    ]


async def test_events_with_delays_and_event_timeouts(
    time_skipping_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    write(
        tmp_path,
        {
            "wait.sw.yaml": WAIT,
            "wait.test.yaml": """
                cases:
                  - name: the event arrives in time
                    events: [{after: PT30M, type: com.example.go}]
                    expect: {output: {went: true}, visited: [Wait, Went]}
                  - name: the event comes after the timeout
                    events: [{after: PT2H, type: com.example.go}]
                    expect: {output: {went: false}, visited: [Wait, Gave up]}
                  - name: no event at all
                    expect: {output: {went: false}}
                  - name: an event of another source is not consumed
                    events: [{type: com.example.go, source: /elsewhere}]
                    expect: {output: {went: false}}
            """,
        },
    )
    results = await run_tests(time_skipping_env, tmp_path)
    assert {name: (r.outcome, r.problems) for name, r in results.items()} == {
        name: ("passed", []) for name in results
    }
    assert len(results) == 4
    assert all(r.seconds < 10 for r in results.values())


async def test_a_week_long_sleep_finishes_in_seconds(
    time_skipping_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    write(
        tmp_path,
        {
            "week.sw.yaml": WEEK,
            "week.test.yaml": "cases:\n  - name: a week passes\n    expect: {output: {rested: true}}\n",
        },
    )
    result = (await run_tests(time_skipping_env, tmp_path))["a week passes"]
    assert (result.outcome, result.problems) == ("passed", [])
    assert result.seconds < 10


async def test_subflows_come_from_the_files_beside_the_workflow(
    time_skipping_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    write(
        tmp_path,
        {
            "week.sw.yaml": WEEK,
            "parent.sw.yaml": PARENT,
            "parent.test.yaml": "cases:\n  - name: calls its child\n    expect: {output: {rested: true}}\n",
        },
    )
    result = (await run_tests(time_skipping_env, tmp_path))["calls its child"]
    assert (result.outcome, result.problems) == ("passed", [])


async def test_cases_that_cannot_run_are_errors(
    time_skipping_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    write(
        tmp_path,
        {
            "pay.sw.yaml": PAY,
            "pay.test.yaml": """
                cases:
                  - name: unknown mock
                    mocks: {refund: 1}
                  - name: activity nobody registered
                    input: {amount: 5}
            """,
            "typo.test.yaml": """
                workflow: pay.sw.yaml
                cases:
                  - name: misspelt expectation
                    expect: {outptu: {}}
            """,
        },
    )
    results = await run_tests(time_skipping_env, tmp_path)
    assert results["unknown mock"].outcome == "error"
    assert "mock 'refund' names no function" in results["unknown mock"].problems[0]
    assert results["activity nobody registered"].outcome == "error"
    assert "charge (myteam.charge)" in results["activity nobody registered"].problems[0]
    assert len(results) == 2
    with pytest.raises(CaseFileError, match=r"case 'misspelt expectation' expect: unknown key\(s\) outptu"):
        load_test_file(tmp_path / "typo.test.yaml")


async def test_input_refused_by_the_workflow_is_an_expected_failure(
    time_skipping_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    typed = HELLO.replace(
        "start: Greet", "dataInputSchema:\n  schema: {type: object, required: [who]}\nstart: Greet"
    )
    write(
        tmp_path,
        {
            "typed.sw.yaml": typed,
            "typed.test.yaml": """
                cases:
                  - name: refused
                    input: {nobody: true}
                    expect: {error: invalid_input, error_message: who}
                  - name: accepted
                    input: {who: Ada}
                    expect: {output_subset: {who: Ada}}
            """,
        },
    )
    results = await run_tests(time_skipping_env, tmp_path)
    assert {name: (r.outcome, r.problems) for name, r in results.items()} == {
        "refused": ("passed", []),
        "accepted": ("passed", []),
    }


async def test_record_writes_what_was_observed(
    time_skipping_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    write(
        tmp_path,
        {
            "pay.sw.yaml": PAY,
            "pay.test.yaml": """
                # Recorded by swengine test --record.
                workflow: pay.sw.yaml
                cases:
                  - name: paid
                    input: {amount: 5}
                    mocks: {charge: r-9}
                    timeout: 30
                    expect: {output_subset: {amount: 1}}
                  - name: declined
                    input: {amount: 7}
                    mocks: {charge: {error: {type: fraud}}}
            """,
        },
    )
    case_file = load_test_file(tmp_path / "pay.test.yaml")
    runner = Runner(time_skipping_env)
    observed = {r.case: r.observed async for r in runner.run_file(case_file) if r.observed is not None}
    assert record(case_file, observed) == 2
    text = (tmp_path / "pay.test.yaml").read_text(encoding="utf-8")
    assert text.startswith("# Recorded by swengine test --record.\n")
    data = yaml.safe_load(text)
    assert data["workflow"] == "pay.sw.yaml"
    paid, declined = data["cases"]
    assert (paid["input"], paid["mocks"], paid["timeout"]) == ({"amount": 5}, {"charge": "r-9"}, 30)
    assert paid["expect"] == {
        "status": "completed",
        "output": {"amount": 5, "receipt": "r-9"},
        "visited": ["Charge"],
        "produced_events": [{"type": "com.example.paid", "data": {"amount": 5, "receipt": "r-9"}}],
    }
    assert declined["expect"] == {"status": "failed", "error": "fraud", "visited": ["Charge"]}
    rerun = await run_tests(time_skipping_env, tmp_path)
    assert {r.outcome for r in rerun.values()} == {"passed"}


def test_the_command_records_then_passes(tmp_path: Path, capsys) -> None:  # noqa: ANN001 - pytest fixture
    write(
        tmp_path, {"hello.sw.yaml": HELLO, "hello.test.yaml": "cases:\n  - name: greets\n    input: {a: 1}\n"}
    )
    assert main(["test", "--record", str(tmp_path)]) == 0
    assert "RECORDED 1 case(s)" in capsys.readouterr().out
    expect = yaml.safe_load((tmp_path / "hello.test.yaml").read_text(encoding="utf-8"))["cases"][0]["expect"]
    assert expect == {"status": "completed", "output": {"a": 1, "greeting": "Hello"}, "visited": ["Greet"]}
    assert main(["test", str(tmp_path), "-k", "greets"]) == 0
    assert "1 passed in" in capsys.readouterr().out


def swengine(*argv: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "swengine.cli", *argv], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_the_specs_tests_pass() -> None:
    """CI runs the workflow tests written next to specs/."""
    done = swengine("test", "specs/")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert all(line.startswith("PASSED specs/") for line in lines[:-1]), done.stdout
    assert "specs/approval.test.yaml::no decision within seven days" in done.stdout
    # 1.0: a mock by task name, an error item in a sequence retried by catch.retry, an RFC 7807 error matched
    assert "PASSED specs/v1/checkout.test.yaml::unavailable twice then paid" in done.stdout
    assert "PASSED specs/v1/checkout.test.yaml::a declined card is not retried" in done.stdout
    assert lines[-1].startswith(f"{len(lines) - 1} passed in ")


def test_the_command_reports_failures_like_pytest(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "hello.sw.yaml": HELLO,
            "hello.test.yaml": "cases:\n  - name: wrong\n    expect: {output: {greeting: Hi}}\n",
            "broken.test.yaml": "cases: {}\n",
        },
    )
    done = swengine("test", str(tmp_path), cwd=tmp_path)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines[0] == "ERROR broken.test.yaml: a test file is a mapping with a 'cases' list"
    assert lines[1].startswith("FAILED hello.test.yaml::wrong (")
    assert lines[2:5] == ["    output differs:", "    --- expected", "    +++ actual"]
    assert lines[-1].startswith("1 failed, 1 error in ")
    assert swengine("test", "no/such/dir").returncode == 2
    assert swengine("test", str(tmp_path), "--activities", "no.such.module").returncode == 2
