"""Engine activity for 1.0 ``run.shell`` and ``run.script``: one bounded subprocess, only when the operator
turned processes on (``SWENGINE_PROCESSES``).

Bounded: a fresh working folder (removed after), an environment holding only ``PATH``, ``HOME``, ``LANG`` and
the task's ``environment`` (never the worker's, where secrets and tokens live), a time limit (the command and
all it started are killed past it, even what left the process group: ``launcher``), a data-memory and CPU
limit (``setrlimit``), and an output limit per stream (killed past it). Nothing it starts outlives its task. A non-zero exit is a ``runtime`` error (500) unless the task returns the code.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from temporalio import activity

from swengine.activities.secrets import SecretBox, fault, with_secrets
from swengine.core.ir_tasks import PROCESS_ACTIVITY
from swengine.core.settings import Settings

SAFE_PATH = "/usr/local/bin:/usr/bin:/bin"
CHUNK = 65536
SETTLE_SECONDS = 5.0
SCRIPT_FILES = {"python": "script.py", "js": "script.mjs", "javascript": "script.mjs"}
_detached: set[asyncio.Task[None]] = set()
"""Processes not awaited (``await: false``), kept referenced until their bounds end them."""
MAX_DETACHED = 16
"""Processes not awaited that one worker runs at once: awaited ones count against the worker's concurrent
activities, these return at once, so without a bound a loop of them starts processes without end."""


def _python(path: Path) -> list[str]:
    return [sys.executable, "-I", str(path)]  # isolated: no user site, no PYTHON* variables


def _node(path: Path) -> list[str]:
    node = shutil.which("node", path=SAFE_PATH)
    if node is None:
        raise fault("runtime", "run.script in js needs node, which this worker does not have")
    return [node, str(path)]


INTERPRETERS: dict[str, Callable[[Path], list[str]]] = {"python": _python, "js": _node, "javascript": _node}


def _shell(spec: dict[str, Any], folder: Path) -> list[str]:
    return ["/bin/sh", "-c", str(spec["command"]), "sh", *map(str, spec.get("arguments") or ())]


def _script(spec: dict[str, Any], folder: Path) -> list[str]:
    language = str(spec.get("language"))
    if language not in INTERPRETERS:
        raise fault("runtime", f"run.script language '{language}' is not python or js")
    path = folder / SCRIPT_FILES[language]
    path.write_text(str(spec.get("code", "")), encoding="utf-8")
    return [*INTERPRETERS[language](path), *map(str, spec.get("arguments") or ())]


COMMANDS: dict[str, Callable[[dict[str, Any], Path], list[str]]] = {"shell": _shell, "script": _script}


LAUNCHER = str(Path(__file__).with_name("launcher.py"))
"""Sets the limits and outlives the command to end whatever it leaves behind (see ``launcher``)."""


def _limited(settings: Settings, command: list[str]) -> list[str]:
    # Data, not address space: V8 reserves gigabytes it never touches, so RLIMIT_AS would stop node at start.
    cpu = int(settings.process_timeout) + 1
    return [sys.executable, "-I", LAUNCHER, str(settings.process_memory), str(cpu), *command]


def _environment(spec: dict[str, Any], folder: Path) -> dict[str, str]:
    given = spec.get("environment") or {}
    return {
        "PATH": SAFE_PATH,
        "HOME": str(folder),
        "LANG": "C.UTF-8",
        **{str(k): str(v) for k, v in given.items()},
    }


async def _read(
    stream: asyncio.StreamReader, limit: int, process: asyncio.subprocess.Process
) -> bytes | None:
    """What the process writes to one stream, or None past ``limit``: its process group is then killed, and the
    stream still read to its end. A stream nobody reads pauses its pipe once its buffer fills, and asyncio counts
    a process finished only when every pipe has closed: waiting for it would then never end."""
    kept: bytearray | None = bytearray()
    while chunk := await stream.read(CHUNK):
        if kept is None:
            continue
        kept += chunk
        if len(kept) > limit:
            _kill(process)
            kept = None
    return None if kept is None else bytes(kept)


async def _settle(process: asyncio.subprocess.Process) -> None:
    """After the kill: read what is left (so no pipe stays paused) and reap the launcher; should it not be done
    within ``SETTLE_SECONDS`` (a platform without subreapers), its whole process group is killed."""
    assert process.stdout and process.stderr
    leftovers = asyncio.gather(process.stdout.read(), process.stderr.read(), process.wait())
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(leftovers, SETTLE_SECONDS)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def _kill(process: asyncio.subprocess.Process) -> None:
    """Ask the launcher to end the command and everything it started, in its process group or not."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(process.pid, signal.SIGTERM)


async def _run(kind: str, spec: dict[str, Any], settings: Settings) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of one bounded process."""
    with tempfile.TemporaryDirectory(prefix="swengine-run-") as name:
        folder = Path(name)
        process = await asyncio.create_subprocess_exec(
            *_limited(settings, COMMANDS[kind](spec, folder)),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=folder,
            env=_environment(spec, folder),
            start_new_session=True,  # its own process group: a timeout kills its children too
        )
        assert process.stdin and process.stdout and process.stderr
        stdin = spec.get("stdin")
        try:
            outputs = asyncio.gather(
                _feed(process.stdin, stdin),
                _read(process.stdout, settings.process_output, process),
                _read(process.stderr, settings.process_output, process),
                process.wait(),
            )
            _, out, err, code = await asyncio.wait_for(outputs, settings.process_timeout)
        except TimeoutError:
            raise fault(
                "timeout", f"the process ran past {settings.process_timeout:g} s and was killed"
            ) from None
        finally:
            _kill(process)
            await _settle(process)
    if out is None or err is None:
        raise fault("runtime", f"the process wrote more than {settings.process_output} bytes")
    return code, _text(out), _text(err)


async def _feed(pipe: asyncio.StreamWriter, stdin: Any) -> None:
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        if stdin is not None:
            pipe.write(str(stdin).encode())
            await pipe.drain()
        pipe.close()


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace").removesuffix("\n")


RESULTS: dict[str, Callable[[int, str, str], Any]] = {
    "stdout": lambda code, out, err: out,
    "stderr": lambda code, out, err: err,
    "code": lambda code, out, err: code,
    "all": lambda code, out, err: {"code": code, "stdout": out, "stderr": err},
    "none": lambda code, out, err: None,
}
REPORTS_CODE = ("code", "all")
"""Returns that carry the exit code: a non-zero one is reported, not raised."""


@activity.defn(name=PROCESS_ACTIVITY)
async def run_process(payload: dict[str, Any]) -> Any:
    """``payload``: ``{"shell"|"script": the process, "await": bool, "return": ..., "input": task input}``."""
    return await with_secrets(payload, _invoke)


async def _invoke(payload: dict[str, Any], box: SecretBox) -> Any:
    settings = Settings.from_env()
    if not settings.processes:
        raise fault(
            "authorization", "this worker does not run shell commands or scripts (SWENGINE_PROCESSES)"
        )
    kind = "shell" if "shell" in payload else "script"
    spec = payload[kind]
    if not payload.get("await", True):
        if running_detached() >= MAX_DETACHED:
            raise fault(
                "runtime", f"this worker already runs {MAX_DETACHED} processes not awaited; try later"
            )
        detached = asyncio.create_task(_quietly(_run(kind, spec, settings)))
        _detached.add(detached)
        detached.add_done_callback(_detached.discard)
        return payload.get("input")
    code, out, err = await _run(kind, spec, settings)
    returned = str(payload.get("return") or "stdout")
    if code != 0 and returned not in REPORTS_CODE:
        raise fault("runtime", f"the process exited with code {code}", detail=err[-1000:] or None)
    return RESULTS[returned](code, out, err)


def running_detached() -> int:
    """Processes not awaited that this worker runs now."""
    return len(_detached)


async def _quietly(work: Any) -> None:
    with contextlib.suppress(Exception):
        await work
