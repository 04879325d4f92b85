"""Issue 20: nothing outlives swengine. ``swengine run``, ``swengine test`` and ``swengine serve`` are each
SIGKILLed (no cleanup runs, as under ``subprocess.run(timeout=...)``, a CI runner or the OOM killer) while
their Temporal server and an expression evaluator run; within seconds no process they started is alive."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from tests.reliability.conftest import Process, Serve, clean_env, eventually, swengine_command

WAITS = """id: waits
version: "1.0"
specVersion: "0.8"
start: Compute
functions:
  - {name: total, type: expression, operation: "${ [range(5)] | add }"}
  - {name: slow, type: custom, operation: reliability.slow_step}
events:
  - {name: go, type: com.example.go, source: /test}
states:
  - name: Compute
    type: operation
    actions:
      - {functionRef: total, actionDataFilter: {toStateData: "${ .total }"}}
      - {functionRef: {refName: slow, arguments: {value: "${ .total }"}}}
    transition: Wait
  - name: Wait
    type: event
    onEvents: [{eventRefs: [go]}]
    end: true
"""
WAITS_TEST = """cases:
  - name: waits
    input: {}
    expect: {output: {total: 10}}
"""


def _children_of() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    return children


def _identity(pid: int) -> tuple[int, str] | None:
    """(start time, command line) of a live process; None once it is gone or a zombie (dead, unreaped)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return None
    return None if fields[0] in "ZX" else (int(fields[19]), command)


def descendants(pid: int) -> dict[int, tuple[int, str]]:
    """Every live process below ``pid``, with its identity (so a recycled id is never mistaken for it)."""
    children, found, todo = _children_of(), {}, [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            identity = _identity(child)
            if identity is not None:
                found[child] = identity
                todo.append(child)
    return found


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _kill_and_expect_no_survivor(
    process: Process, *kinds: str, busy: str | None = None, by: signal.Signals = signal.SIGKILL
) -> None:
    """Signal ``process`` (SIGKILL unless ``by`` says) once children of every kind run (and one of kind
    ``busy`` has worked a second): within seconds neither it nor any of them is alive."""
    started: dict[int, tuple[int, str]] = {}

    def has_all() -> bool:
        started.update(descendants(process.pid))
        working = [pid for pid, (_, command) in started.items() if busy and busy in command]
        return all(any(kind in command for _, command in started.values()) for kind in kinds) and (
            not busy or any(_cpu_seconds(pid) >= 1 for pid in working)
        )

    await eventually(has_all, 90, f"{process.name} to start {kinds}", interval=0.2)
    if by == signal.SIGKILL:
        process.kill(whole_group=False)  # SIGKILL to swengine alone: its children are not signalled
    else:
        os.kill(process.pid, by)  # to swengine alone, as a supervisor stopping it does
        started[process.pid] = _identity(process.pid) or (0, "swengine")
    began = time.monotonic()

    def survivors() -> list[str]:
        return [
            command for pid, (start, command) in started.items() if (_identity(pid) or (None,))[0] == start
        ]

    await eventually(lambda: not survivors(), 10, "every child to die with its parent", interval=0.1)
    assert time.monotonic() - began < 10, survivors()


def _command(tmp_path: Path, processes: list[Process], name: str, *args: str) -> Process:
    """``swengine NAME ARGS`` whose custom functions are the reliability activities, started."""
    (tmp_path / "waits.sw.yaml").write_text(WAITS)
    markers = tmp_path / "markers"
    markers.mkdir()
    command = swengine_command(name, *args, "--activities", "tests.reliability.slow_activities")
    process = Process(name, command, tmp_path, clean_env(RELIABILITY_MARKERS=str(markers)))
    processes.append(process)
    process.start()
    return process


async def test_swengine_run_killed_leaves_no_process_behind(tmp_path: Path, processes: list[Process]) -> None:
    run = _command(tmp_path, processes, "run", str(tmp_path / "waits.sw.yaml"))
    await _kill_and_expect_no_survivor(run, "start-dev", "evaluator.py")


async def test_swengine_run_terminated_while_its_instance_waits_ends_with_all_it_started(
    tmp_path: Path, processes: list[Process]
) -> None:
    """SIGTERM: the worker cancelled while its instance waits for an event once held the command forever."""
    run = _command(tmp_path, processes, "run", str(tmp_path / "waits.sw.yaml"))
    await _kill_and_expect_no_survivor(run, "start-dev", "evaluator.py", by=signal.SIGTERM)


async def test_swengine_test_killed_leaves_no_process_behind(
    tmp_path: Path, processes: list[Process]
) -> None:
    (tmp_path / "waits.test.yaml").write_text(WAITS_TEST)
    test = _command(tmp_path, processes, "test", str(tmp_path))
    await _kill_and_expect_no_survivor(test, "temporal-test-server", "evaluator.py")


async def test_swengine_serve_killed_leaves_no_process_behind(
    tmp_path: Path, processes: list[Process]
) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "waits.sw.yaml").write_text(WAITS)  # deploying it compiles its pooled expression
    serve = Serve(tmp_path, specs, env={"SWENGINE_ACTIVITIES": "tests.reliability.slow_activities"})
    processes.append(serve)
    serve.start_and_wait()
    await _kill_and_expect_no_survivor(serve, "start-dev", "evaluator.py")


async def test_an_evaluator_in_the_middle_of_an_evaluation_dies_with_swengine_run(
    tmp_path: Path, processes: list[Process]
) -> None:
    """Its pipe closing is no help while jq runs: Linux's parent-death signal stops it (its own alarm, the
    backstop elsewhere, is four times the expression time limit away)."""
    (tmp_path / "spins.sw.yaml").write_text(SPINS)
    run = Process("run", swengine_command("run", str(tmp_path / "spins.sw.yaml")), tmp_path,
                  clean_env(SWENGINE_EXPR_TIMEOUT="60"))  # fmt: skip
    processes.append(run)
    run.start()
    await _kill_and_expect_no_survivor(run, "start-dev", "evaluator.py", busy="evaluator.py")


SPINS = """id: spins
version: "1.0"
specVersion: "0.8"
start: Spin
functions:
  - {name: spin, type: expression, operation: "${ until(false; .) }"}
states:
  - name: Spin
    type: operation
    actions: [{functionRef: spin}]
    end: true
"""
