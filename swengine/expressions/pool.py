"""A small pool of long-lived jq evaluator processes, each bounded in memory (rlimit) and time (killed).

Thread-safe: a caller takes an idle evaluator (waiting while all are busy), sends one request and reads the
reply against a wall-clock deadline. An evaluator that overruns, crashes or runs out of memory is killed and
replaced lazily on its next use, so a breach fails only the expression that caused it.

An evaluator whose request was interrupted before its reply was read (a timeout, a cancellation, Temporal's
deadlock detector raising into the workflow thread: any exception) is killed, never lent again with a reply
still pending; every reply also carries its request's id, and one that does not match is never returned.
Which evaluator a thread holds is recorded on the evaluator, not in the caller's locals, so an exception
raised into the thread at any point still gives it back.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from swengine.core import lifeline
from swengine.core.errors import ExpressionLimitExceeded

CHILD_SCRIPT = str(Path(__file__).with_name("evaluator.py"))
START_TIMEOUT = 15.0
STDERR_TAIL = 4096


class EvaluatorPool:
    """``size`` evaluator processes; :meth:`run` sends one jq program and its input to an idle one.

    Lending is one attribute, ``owner`` (a thread id), set and cleared in single steps: an exception raised
    into a thread between two steps can never lose an evaluator or lend it twice. One a thread still holds
    (its give-back was interrupted) serves that thread again; one held by a thread that no longer exists is
    taken back.
    """

    WAIT_SECONDS = 0.5
    """A waiter looks again this often: a wake-up consumed by an interrupted thread is never waited for."""

    def __init__(self, *, size: int, timeout: float, memory_bytes: int) -> None:
        self.timeout = timeout
        self.memory_bytes = memory_bytes
        self.max_output = min(memory_bytes // 4, 64 * 2**20)
        self._all = [_Evaluator(self) for _ in range(size)]
        self._changed = threading.Condition()
        self._closed = threading.Event()
        self._returns = 0

    def run(self, program: str, input_text: str, *, compile_only: bool = False) -> tuple[str, str]:
        """``(tag, payload)``: tag ``R`` (payload: JSON output), ``E`` runtime error, ``C`` compile error, ``K``.

        Raises :class:`ExpressionLimitExceeded` when the evaluator overruns its time or memory, or crashes.
        """
        header = json.dumps({"p": program, "c": compile_only}).encode()
        body = input_text.encode() + b"\n"
        thread = threading.get_ident()
        try:
            return self._take(thread).request(header, body)
        finally:
            self._give_back(thread)

    def _take(self, thread: int) -> _Evaluator:
        with self._changed:
            while True:
                evaluator = self._free_for(thread)
                if evaluator is not None:
                    break
                self._changed.wait(self.WAIT_SECONDS)
            if evaluator.pending:
                evaluator.stop()
            evaluator.owner = thread
            return evaluator

    def _free_for(self, thread: int) -> _Evaluator | None:
        held = [e for e in self._all if e.owner == thread]
        if held:
            return held[0]
        idle = [e for e in self._all if e.owner is None]
        if not idle:
            live = {t.ident for t in threading.enumerate()}
            idle = [e for e in self._all if e.owner not in live]
        return max(idle, key=lambda e: e.returned, default=None)  # the warmest cache serves first

    def _give_back(self, thread: int) -> None:
        with self._changed:
            for evaluator in self._all:
                if evaluator.owner == thread:
                    if evaluator.pending or self._closed.is_set():
                        evaluator.stop()  # its reply may still come: nobody may read it as theirs
                    self._returns += 1
                    evaluator.returned = self._returns
                    evaluator.owner = None
                    self._changed.notify()

    def close(self) -> None:
        """Stop every evaluator; busy ones stop when their request ends."""
        self._closed.set()
        with self._changed:
            for evaluator in self._all:
                if evaluator.owner is None:
                    evaluator.stop()

    def forget(self) -> None:
        """Drop the processes without touching them (in a forked child, they belong to the parent)."""
        for evaluator in self._all:
            evaluator.process = None
            evaluator.pending = False
            evaluator.owner = None


class _Evaluator:
    def __init__(self, pool: EvaluatorPool) -> None:
        self.pool = pool
        self.process: subprocess.Popen[bytes] | None = None
        self.stderr_tail = b""
        self.pending = False
        """A request was sent whose reply has not been read."""
        self.owner: int | None = None
        """The thread it is lent to."""
        self.returned = 0
        """When it was last given back (a count): the most recent is the warmest."""
        self.last_id = 0

    def request(self, header: bytes, body: bytes) -> tuple[str, str]:
        self.last_id += 1
        request_id = b"%d" % self.last_id
        for attempt in (1, 2):
            process = self._ensure_started()
            try:
                assert process.stdin is not None
                self.pending = True
                process.stdin.write(request_id + b" " + header + b"\n" + body)
                process.stdin.flush()
                break
            except (BrokenPipeError, ConnectionResetError):
                self.stop()  # died while idle (killed from outside): one fresh start, then give up
                if attempt == 2:
                    raise ExpressionLimitExceeded(
                        "expression evaluator died before it could evaluate"
                    ) from None
        reply_id, _, reply = self._read_reply(time.monotonic() + self.pool.timeout).partition(b" ")
        if reply_id != request_id:
            self.stop()
            raise ExpressionLimitExceeded("expression evaluator answered another request; it was replaced")
        self.pending = False
        tag, payload = reply[:1].decode(), reply[1:].decode()
        if tag == "L":
            self.stop()
            raise ExpressionLimitExceeded(
                f"expression exceeded its {_mib(self.pool.memory_bytes)} memory limit"
            )
        return tag, (json.loads(payload) if tag in "ECL" and payload else payload)

    def stop(self) -> None:
        process, self.process = self.process, None
        self.pending = False
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
        args = [str(self.pool.memory_bytes), str(alarm), str(self.pool.max_output), str(os.getpid())]
        self.pending = True  # its "ready" line is a reply too: interrupted before reading it, it is killed
        self.process = lifeline.spawn(  # from the long-lived thread its parent-death signal is tied to
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
        self.pending = False
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
