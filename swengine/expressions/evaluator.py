"""The evaluator child process: runs the jq programs its parent sends, inside memory and time rlimits.

Started by :mod:`swengine.expressions.pool` as ``python -I evaluator.py <memory_bytes> <alarm_seconds>
<max_output_bytes> <parent_pid>`` with an empty environment. It imports nothing from swengine (it runs
isolated), so it arms its own parent-death signal (as ``swengine.core.lifeline.die_with_parent`` does): on
Linux it dies with its parent even in the middle of an evaluation; elsewhere it ends at the end of its
input (the parent's pipe closes when the parent dies) or at its ``alarm``. Protocol, one request at
a time over stdin/stdout:

- request: a header line, the request's id, a space and ``{"p": program, "c": compile_only}``, then the
  input as one line of JSON;
- reply: one line, the request's id and a space, then ``R`` + the program's first output as JSON,
  ``E`` / ``C`` / ``L`` + a JSON string (runtime error, compile error, limit), or ``K`` when a compile-only
  request compiled. The id lets the parent refuse a reply that is not to the request it sent.

A breach the process cannot survive (jq aborts when malloc fails under ``RLIMIT_AS``) ends it; the parent
sees end of file and classifies the exit. ``alarm`` is only a backstop for a dead parent: the parent kills
a child that overruns its time limit long before.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import signal
import sys
from collections import OrderedDict
from typing import Any

CACHE_SIZE = 1024


def main(argv: list[str]) -> int:
    memory_bytes, alarm_seconds, max_output, parent = (int(arg) for arg in argv[1:5])
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before the signal was armed
        return 1
    os.environ.clear()  # even a builtin that slipped past validation finds nothing to read
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    import jq

    programs: OrderedDict[str, Any] = OrderedDict()
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    stdout.write(b"ready\n")
    stdout.flush()
    while True:
        header = stdin.readline()
        data = stdin.readline()
        if not header or not data:
            return 0
        request_id, _, header = header.partition(b" ")
        request = json.loads(header)
        signal.alarm(alarm_seconds)
        try:
            reply = _serve(jq, programs, request["p"], bool(request.get("c")), data, max_output)
        except MemoryError:
            stdout.write(request_id + b" L" + json.dumps("memory").encode() + b"\n")
            stdout.flush()
            return 0  # after a MemoryError the interpreter's state is suspect: start afresh
        signal.alarm(0)
        stdout.write(request_id + b" " + reply)
        stdout.flush()


def _serve(
    jq: Any, programs: OrderedDict[str, Any], text: str, compile_only: bool, data: bytes, max_output: int
) -> bytes:
    program = programs.get(text)
    if program is None:
        try:
            program = jq.compile(text)
        except ValueError as exc:
            return b"C" + json.dumps(str(exc)).encode() + b"\n"
        programs[text] = program
        if len(programs) > CACHE_SIZE:
            programs.popitem(last=False)
    else:
        programs.move_to_end(text)
    if compile_only:
        return b"K\n"
    try:
        value: Any = next(iter(program.input_text(data.decode())), [])
    except ValueError as exc:
        return b"E" + json.dumps(str(exc)).encode() + b"\n"
    output = json.dumps(value, separators=(",", ":"))
    if len(output) > max_output:
        return b"L" + json.dumps(f"output of {len(output)} bytes").encode() + b"\n"
    return b"R" + output.encode() + b"\n"


if __name__ == "__main__":
    sys.exit(main(sys.argv))
