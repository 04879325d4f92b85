"""The API's listening socket: bound up front, and answering without Nagle delays."""

from __future__ import annotations

import asyncio
import socket

import pytest

from swengine.api.server import bind, port_is_free
from swengine.core.errors import SwengineError


async def test_accepted_connections_have_tcp_nodelay() -> None:
    # without it, each keep-alive response waited ~40 ms for a delayed ACK between headers and body
    sock = bind("127.0.0.1", 0)
    seen: list[int] = []

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(writer.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        writer.close()

    server = await asyncio.start_server(accept, sock=sock)
    async with server:
        reader, writer = await asyncio.open_connection(*sock.getsockname())
        await reader.read()
        writer.close()
    assert seen and seen[0] != 0


def test_a_taken_port_fails_up_front() -> None:
    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    try:
        assert not port_is_free("127.0.0.1", port)
        with pytest.raises(SwengineError) as taken:
            bind("127.0.0.1", port)
        assert taken.value.code == "address_in_use"
    finally:
        sock.close()
