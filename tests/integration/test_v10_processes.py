"""1.0 ``run.shell`` and ``run.script`` in real subprocesses: off unless the operator turns them on; stdin,
arguments, environment, every ``return``, a failing exit, ``await: false``, and the bounds (time, memory,
output, the worker's environment kept out)."""

from __future__ import annotations

import asyncio
import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest

from swengine.activities.process import MAX_DETACHED, running_detached
from swengine.compiler.pipeline import DocumentError, compile_text
from tests.integration.conftest import outcome

ERRORS = "https://serverlessworkflow.io/spec/1.0.0/errors/"


@pytest.fixture
def processes_on(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setenv("SWENGINE_PROCESSES", "true")
    return monkeypatch


def document(run: str) -> Any:
    head = "document: {dsl: '1.0.3', namespace: process, name: run, version: '1.0.0'}\ndo:\n  - proc:\n"
    return compile_text(head + textwrap.indent(textwrap.dedent(run), " " * 6))


SHELL = """
input: {from: '${ .message }'}
run:
  shell:
    stdin: '${ . }'
    command: |
      input=$(cat)
      echo "STDIN was: $input"
      echo "ARGS are $1 $2"
      echo "ENV is $GREETING"
    arguments: [Foo, Bar]
    environment: {GREETING: '${ "hi " + . }'}
"""


async def test_processes_are_off_unless_the_operator_turns_them_on(client, monkeypatch):
    monkeypatch.delenv("SWENGINE_PROCESSES", raising=False)
    refused = await outcome(client, document(SHELL), {"message": "Hello"})
    assert (refused["fault"]["type"], refused["fault"]["status"]) == (ERRORS + "authorization", 403)


async def test_a_shell_command_reads_stdin_arguments_and_environment(client, processes_on):
    output = await outcome(client, document(SHELL), {"message": "Hello"})
    assert output == "STDIN was: Hello\nARGS are Foo Bar\nENV is hi Hello"


FAILED = "fault"


@pytest.mark.parametrize(
    ("returned", "on_success", "on_failure"),
    [
        ("stdout", "out", FAILED),
        ("stderr", "err", FAILED),
        ("code", 0, 3),
        ("all", {"code": 0, "stdout": "out", "stderr": "err"}, {"code": 3, "stdout": "out", "stderr": "err"}),
        ("none", None, FAILED),
    ],
)
async def test_return_picks_what_the_task_outputs(client, processes_on, returned, on_success, on_failure):
    """A non-zero exit is a runtime error (with stderr as its detail) unless the output carries the code."""
    command = "run: {shell: {command: 'echo out; echo err >&2; exit %s'}, return: " + returned + "}\n"
    assert await outcome(client, document(command % 0)) == on_success
    answer = await outcome(client, document(command % 3))
    if on_failure == FAILED:
        assert (answer[FAILED]["type"], answer[FAILED]["status"], answer[FAILED]["detail"]) == (
            ERRORS + "runtime",
            500,
            "err",
        )
    else:
        assert answer == on_failure


async def test_a_python_script_reads_stdin_argv_and_environment(client, processes_on):
    run = """
    run:
      script:
        language: python
        stdin: '${ .name }'
        arguments: [one]
        environment: {foo: bar}
        code: |
          import os, sys
          print(sys.stdin.read(), sys.argv[1:], os.environ["foo"], sep="|")
      return: stdout
    """
    assert await outcome(client, document(run), {"name": "ada"}) == "ada|['one']|bar"


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
async def test_a_js_script_runs_on_node(client, processes_on):
    run = """
    run:
      script:
        language: js
        stdin: Hello Workflow
        environment: {foo: bar}
        arguments: [hello]
        code: |
          import { readFileSync } from 'node:fs';
          const stdin = readFileSync(process.stdin.fd, 'utf8');
          const [_, __, arg] = process.argv;
          console.log([stdin, arg, process.env.foo].join('|'));
    """
    assert await outcome(client, document(run)) == "Hello Workflow|hello|bar"


async def test_the_workers_environment_stays_out(client, processes_on):
    processes_on.setenv("SWENGINE_SECRET_SOMETHING", "hidden")
    run = "run: {shell: {command: 'env | grep -c SWENGINE || true'}}\n"
    assert await outcome(client, document(run)) == "0"


async def test_a_process_past_its_time_is_killed_with_a_timeout(client, processes_on):
    processes_on.setenv("SWENGINE_PROCESS_TIMEOUT", "1")
    refused = await outcome(client, document("run: {shell: {command: 'sleep 30'}}\n"))
    assert (refused["fault"]["type"], refused["fault"]["status"]) == (ERRORS + "timeout", 408)


async def test_output_past_the_limit_kills_the_process(client, processes_on):
    processes_on.setenv("SWENGINE_PROCESS_OUTPUT", "1K")
    refused = await outcome(client, document("run: {shell: {command: 'yes'}}\n"))
    assert (refused["fault"]["type"], refused["fault"]["status"]) == (ERRORS + "runtime", 500)


async def test_a_flood_of_output_past_the_limit_still_ends_the_task(client, processes_on):
    """Megabytes written at once fill the reader's buffer, which pauses the pipe: the task still ends (it hung,
    waiting for a pipe nobody read any more to close)."""
    processes_on.setenv("SWENGINE_PROCESS_OUTPUT", "1K")
    flood = document("run: {shell: {command: 'head -c 8000000 /dev/zero; head -c 8000000 /dev/zero >&2'}}\n")
    refused = await asyncio.wait_for(outcome(client, flood), 60)
    assert (refused["fault"]["type"], refused["fault"]["status"]) == (ERRORS + "runtime", 500)


async def test_memory_past_the_limit_fails_the_process(client, processes_on):
    processes_on.setenv("SWENGINE_PROCESS_MEMORY", "64M")
    run = "run: {script: {language: python, code: 'x = bytearray(256 * 1024 * 1024)'}, return: code}\n"
    assert await outcome(client, document(run)) != 0


async def test_await_false_outputs_the_task_input_while_the_process_runs_on(client, processes_on, tmp_path):
    flag = tmp_path / "flag"
    run = (
        f"run: {{shell: {{command: 'cat > \"$1\"', stdin: finished, arguments: ['{flag}']}}, await: false}}\n"
    )
    assert await outcome(client, document(run), {"kept": True}) == {"kept": True}
    for _ in range(100):
        if flag.exists() and flag.read_text() == "finished":
            break
        await asyncio.sleep(0.1)
    assert flag.read_text() == "finished"


async def test_processes_not_awaited_are_bounded_per_worker(client, processes_on):
    processes_on.setenv("SWENGINE_PROCESS_TIMEOUT", "3")  # the ones started end by themselves
    run = f"""
    for: {{in: '${{ [range({MAX_DETACHED + 1})] }}'}}
    do:
      - start: {{run: {{shell: {{command: 'sleep 30'}}, await: false}}}}
    """
    refused = await outcome(client, document(run))
    assert (refused["fault"]["type"], refused["fault"]["status"]) == (ERRORS + "runtime", 500)
    for _ in range(100):  # the others end within their 3 s, so later tests start with none running
        if running_detached() == 0:
            break
        await asyncio.sleep(0.1)
    assert running_detached() == 0


def _alive(marker: str) -> bool:
    """Whether a process whose command line holds ``marker`` still runs (zombies aside)."""
    for entry in Path("/proc").iterdir():
        try:
            if (
                marker in (entry / "cmdline").read_bytes().decode(errors="replace")
                and " Z " not in (entry / "stat").read_text()
            ):
                return True
        except OSError:
            continue
    return False


@pytest.mark.parametrize(("command", "faults"), [("setsid sleep 3600.25 & echo started", False),
                                                 ("setsid sleep 3600.5 & sleep 30", True)])  # fmt: skip
async def test_nothing_a_process_starts_outlives_its_task(client, processes_on, command, faults):
    """Even what left the process group (``setsid``): when the command ends, and when its time is up."""
    processes_on.setenv("SWENGINE_PROCESS_TIMEOUT", "2")
    marker = command.split()[2]
    answer = await outcome(client, document(f"run: {{shell: {{command: '{command}'}}}}\n"))
    assert ("fault" in answer) == faults
    for _ in range(50):
        if not _alive(marker):
            break
        await asyncio.sleep(0.1)
    assert not _alive(marker)


def test_run_container_is_refused():
    with pytest.raises(DocumentError) as refused:
        document("run: {container: {image: alpine}}\n")
    assert [problem.code for problem in refused.value.problems] == ["unsupported_feature"]
