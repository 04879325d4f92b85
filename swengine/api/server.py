"""Serving the API inside a command's own asyncio loop, beside the worker, until SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
from collections.abc import Iterator, Sequence
from typing import Any

import uvicorn
from fastapi import FastAPI

from swengine.core.errors import SwengineError

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class ApiServer(uvicorn.Server):
    """uvicorn without its own signal handling: the command owns the signals and stops every part in order
    (uvicorn would re-raise a captured SIGTERM after its own shutdown and kill the process mid-cleanup)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def bind(host: str, port: int) -> socket.socket:
    """Listen now, so a taken port fails the command before anything else starts."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto must say TCP: asyncio sets TCP_NODELAY on accepted connections only then, and without it
    # every keep-alive response waits ~40 ms for a delayed ACK between its headers and its body
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as err:
        sock.close()
        raise SwengineError(
            f"cannot listen on {host}:{port}: {err.strerror}", code="address_in_use"
        ) from None
    sock.listen(2048)
    sock.setblocking(False)
    return sock


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def cancel_on_signals() -> None:
    """While a command starts its parts, SIGINT/SIGTERM cancel it, so the parts already started are stopped
    (SIGTERM's default would kill the process and leave an embedded Temporal behind); ``serve_api`` then
    takes the signals over."""
    task = asyncio.current_task()
    assert task is not None
    for sig in STOP_SIGNALS:
        asyncio.get_running_loop().add_signal_handler(sig, task.cancel)


def stop_on_signals(server: uvicorn.Server) -> asyncio.Event:
    """The first SIGINT/SIGTERM asks for a clean stop; a second one stops waiting for open connections."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def request_stop() -> None:
        if stop.is_set():
            server.force_exit = True
        stop.set()
        server.should_exit = True

    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, request_stop)
    return stop


async def serve_api(
    app: FastAPI, sock: socket.socket, *, watch: Sequence[asyncio.Future[Any]] = (), access_log: bool = False
) -> None:
    """Serve until a signal arrives, or until a watched part (the worker) ends on its own; the caller then
    stops the other parts, after the API, so no new work comes in while they wind down."""
    config = uvicorn.Config(app, log_level="info" if access_log else "warning", access_log=access_log,
                            lifespan="on", timeout_graceful_shutdown=10)  # fmt: skip
    server = ApiServer(config)
    stop = stop_on_signals(server)
    api = asyncio.ensure_future(server.serve(sockets=[sock]))
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait([api, stopped, *watch], return_when=asyncio.FIRST_COMPLETED)
    finally:
        server.should_exit = True
        stopped.cancel()
        await api
        for sig in STOP_SIGNALS:  # from here on, a further Ctrl-C interrupts the remaining cleanup
            asyncio.get_running_loop().remove_signal_handler(sig)
