"""A small pool of long-lived jq evaluator processes, each bounded in memory (rlimit) and time (killed).

Thread-safe: a caller takes an idle evaluator (waiting while all are busy), sends one request and reads the
reply against a wall-clock deadline. An evaluator that overruns, crashes or runs out of memory is killed and
replaced lazily on its next use, so a breach fails only the expression that caused it.
"""

from __future__ import annotations

import json
import os
import queue
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from swengine.core.errors import ExpressionLimitExceeded

CHILD_SCRIPT = str(Path(__file__).with_name("evaluator.py"))
START_TIMEOUT = 15.0
STDERR_TAIL = 4096


class EvaluatorPool:
    """``size`` evaluator processes; :meth:`run` sends one jq program and its input to an idle one."""

    def __init__(self, *, size: int, timeout: float, memory_bytes: int) -> None:
        self.timeout = timeout
        self.memory_bytes = memory_bytes
        self.max_output = min(memory_bytes // 4, 64 * 2**20)
        self._idle: queue.LifoQueue[_Evaluator] = queue.LifoQueue()  # LIFO: the warmest cache serves first
        self._closed = threading.Event()
        for _ in range(size):
            self._idle.put(_Evaluator(self))

    def run(self, program: str, input_text: str, *, compile_only: bool = False) -> tuple[str, str]:
        """``(tag, payload)``: tag ``R`` (payload: JSON output), ``E`` runtime error, ``C`` compile error, ``K``.

        Raises :class:`ExpressionLimitExceeded` when the evaluator overruns its time or memory, or crashes.
        """
        header = json.dumps({"p": program, "c": compile_only}).encode() + b"\n"
        request = header + input_text.encode() + b"\n"
        evaluator = self._idle.get()
        try:
            return evaluator.request(request)
        finally:
            if self._closed.is_set():
                evaluator.stop()
            self._idle.put(evaluator)

    def close(self) -> None:
        """Stop every evaluator; busy ones stop when their request ends."""
        self._closed.set()
        stopped = []
        while True:
            try:
                evaluator = self._idle.get_nowait()
            except queue.Empty:
                break
            evaluator.stop()
            stopped.append(evaluator)
        for evaluator in stopped:
            self._idle.put(evaluator)

    def forget(self) -> None:
        """Drop the processes without touching them (in a forked child, they belong to the parent)."""
        while True:
            try:
                self._idle.get_nowait().process = None
            except queue.Empty:
                return


class _Evaluator:
    def __init__(self, pool: EvaluatorPool) -> None:
        self.pool = pool
        self.process: subprocess.Popen[bytes] | None = None
        self.stderr_tail = b""

    def request(self, request: bytes) -> tuple[str, str]:
        for attempt in (1, 2):
            process = self._ensure_started()
            try:
                assert process.stdin is not None
                process.stdin.write(request)
                process.stdin.flush()
                break
            except (BrokenPipeError, ConnectionResetError):
                self.stop()  # died while idle (killed from outside): one fresh start, then give up
                if attempt == 2:
                    raise ExpressionLimitExceeded(
                        "expression evaluator died before it could evaluate"
                    ) from None
        reply = self._read_reply(time.monotonic() + self.pool.timeout)
        tag, payload = reply[:1].decode(), reply[1:].decode()
        if tag == "L":
            self.stop()
            raise ExpressionLimitExceeded(
                f"expression exceeded its {_mib(self.pool.memory_bytes)} memory limit"
            )
        return tag, (json.loads(payload) if tag in "ECL" and payload else payload)

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.kill()
        if process is not None:
            process.wait()
            for stream in (process.stdin, process.stdout, process.stderr):
                if stream is not None:
                    stream.close()

    def _ensure_started(self) -> subprocess.Popen[bytes]:
        if self.process is not None and self.process.poll() is None:
            return self.process
        self.stop()
        alarm = max(2, int(self.pool.timeout * 4) + 1)
        args = [str(self.pool.memory_bytes), str(alarm), str(self.pool.max_output)]
        self.process = subprocess.Popen(
            [sys.executable, "-I", CHILD_SCRIPT, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={},
            close_fds=True,
            start_new_session=True,  # terminal signals meant for the worker do not kill evaluations
        )
        self.stderr_tail = b""
        if self._read_reply(time.monotonic() + START_TIMEOUT, starting=True) != b"ready":
            self.stop()
            raise ExpressionLimitExceeded("expression evaluator failed to start")
        return self.process

    def _read_reply(self, deadline: float, *, starting: bool = False) -> bytes:
        process = self.process
        assert process is not None and process.stdout is not None and process.stderr is not None
        out_fd, err_fd = process.stdout.fileno(), process.stderr.fileno()
        poller = select.poll()
        poller.register(out_fd, select.POLLIN)
        poller.register(err_fd, select.POLLIN)
        chunks: list[bytes] = []
        size = 0
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.stop()
                if starting:
                    raise ExpressionLimitExceeded("expression evaluator did not start in time")
                raise ExpressionLimitExceeded(f"expression exceeded its {self.pool.timeout:g} s time limit")
            for fd, _event in poller.poll(remaining * 1000):
                try:
                    chunk = os.read(fd, 1 << 16)
                except OSError:
                    chunk = b""  # the pipe broke: as good as the end of it
                if fd == err_fd:
                    if not chunk:
                        poller.unregister(err_fd)
                    self.stderr_tail = (self.stderr_tail + chunk)[-STDERR_TAIL:]
                    continue
                if not chunk:
                    raise self._crashed()
                chunks.append(chunk)
                size += len(chunk)
                if chunk.endswith(b"\n"):
                    return b"".join(chunks)[:-1]
                if size > self.pool.max_output + 1024:
                    self.stop()
                    raise ExpressionLimitExceeded(f"expression output exceeded {_mib(self.pool.max_output)}")

    def _crashed(self) -> ExpressionLimitExceeded:
        process = self.process
        assert process is not None
        try:
            code = process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        if process.stderr is not None and code is not None:
            self.stderr_tail = (self.stderr_tail + process.stderr.read())[-STDERR_TAIL:]
        self.stop()
        if b"cannot allocate memory" in self.stderr_tail or code == -signal.SIGKILL:
            return ExpressionLimitExceeded(
                f"expression exceeded its {_mib(self.pool.memory_bytes)} memory limit"
            )
        if code == -signal.SIGALRM:
            return ExpressionLimitExceeded(f"expression exceeded its {self.pool.timeout:g} s time limit")
        if code == -signal.SIGABRT:
            return ExpressionLimitExceeded("expression evaluator crashed (jq aborted)")
        how = f"signal {signal.Signals(-code).name}" if code is not None and code < 0 else f"exit code {code}"
        return ExpressionLimitExceeded(f"expression evaluator crashed ({how})")


def _mib(size: int) -> str:
    return f"{size / 2**20:g} MiB"
