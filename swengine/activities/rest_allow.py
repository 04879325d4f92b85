"""The operator's allow-list for ``rest`` functions: which origins (scheme, host and port) a call may reach.

An entry is ``host`` (the scheme's default port only), ``host:port`` or ``scheme://host:port``. Every URL
the activity requests (the OpenAPI document and the operation's final URL) is checked, so neither a path
parameter nor a ``servers`` entry can reach another port of an allowed host (Temporal's, the API's own).
Nothing is reachable unless listed; and a listed name must not resolve to a loopback, link-local or metadata
address (``address_refusal``) unless it is ``localhost``: such addresses are allowed only by writing them.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from temporalio.exceptions import ApplicationError

DEFAULT_PORTS = {"http": 80, "https": 443}
METADATA = frozenset(map(ipaddress.ip_address, ("fd00:ec2::254", "100.100.100.200")))
"""Cloud metadata services outside the link-local range (AWS IPv6, Alibaba); 169.254.169.254 is link-local."""
LOOPBACK_NAMES = ("localhost",)
"""Names whose loopback address the operator allows by listing them."""


@dataclass(frozen=True, slots=True)
class Origin:
    scheme: str | None
    """None: either http or https (an entry without a scheme)."""
    host: str
    port: int | None
    """None: the scheme's default port."""

    def admits(self, scheme: str, host: str, port: int) -> bool:
        if self.scheme is not None and scheme != self.scheme:
            return False
        return host == self.host and port == (self.port or DEFAULT_PORTS[scheme])


ROUTING_HEADERS = frozenset({"host", "connection", "content-length", "transfer-encoding", "te", "upgrade"})
"""Headers a document or its data may not set: they choose which site of an allowed server answers, or how the
request is framed, after its URL passed the allow-list (``Host: admin.internal`` to a shared proxy)."""


def routing_header(names: Iterable[str]) -> str | None:
    """The first of ``names`` that is a routing header, or None."""
    return next((name for name in names if str(name).strip().lower() in ROUTING_HEADERS), None)


def parse_origin(entry: str) -> Origin:
    """One allow-list entry; a malformed one raises ``ValueError``."""
    text = entry.strip().lower()
    parts = urlsplit(text if "://" in text else f"//{text}")
    if parts.scheme not in ("", *DEFAULT_PORTS) or not parts.hostname or parts.path not in ("", "/"):
        raise ValueError(f"SWENGINE_REST_ALLOW entry {entry!r} is not host, host:port or scheme://host:port")
    return Origin(parts.scheme or None, parts.hostname, parts.port)


def _inward(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 connects to 127.0.0.1, and Python 3.11 calls it neither
    return ip.is_loopback or ip.is_link_local or ip.is_unspecified or ip.is_multicast or ip in METADATA


async def address_refusal(url: str) -> str | None:
    """Why ``url``'s host may not be reached though its name is allowed: a name (other than ``localhost``)
    that resolves to a loopback, link-local, unspecified, multicast or metadata address (DNS pointing
    inwards). An address written in the URL, as the operator listed it, is theirs to allow; so is a name
    that does not resolve (the request then fails as any unreachable host does)."""
    return (await checked_address((urlsplit(url).hostname or "").lower()))[1]


async def checked_address(host: str) -> tuple[str | None, str | None]:
    """(the address ``host`` resolved to and may be reached at, or None: connect as usual; why not, or None).
    Connecting to the address checked, not to the name, keeps a second answer (DNS rebinding) from counting."""
    try:
        ipaddress.ip_address(host)
        return None, None
    except ValueError:
        pass
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return None, None
    try:
        found = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        return None, None
    addresses = [str(info[4][0]) for info in found]
    inward = sorted({address for address in addresses if _inward(address)})
    if inward:
        return None, f"{host} resolves to {', '.join(inward)}, an address only a literal entry may allow"
    return (addresses[0] if addresses else None), None


class PinnedTransport(httpx.AsyncBaseTransport):
    """httpx's transport, connecting to the address a name was checked at (the name kept for ``Host`` and TLS):
    a name that answers outwards to the check and inwards to the connection reaches nothing inward."""

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        address, refusal = await checked_address(host.lower())
        if refusal is not None:
            raise ApplicationError(f"{request.url}: {refusal}", type="rest_not_allowed", non_retryable=True)
        if address is None:
            return await self._inner.handle_async_request(request)
        named, extensions = request.url, request.extensions
        request.url = named.copy_with(host=address)
        request.extensions = {**extensions, "sni_hostname": host}
        try:
            return await self._inner.handle_async_request(request)
        finally:  # what the caller reads of its request (outputs, messages) names the host, not the address
            request.url, request.extensions = named, extensions

    async def aclose(self) -> None:
        await self._inner.aclose()


def url_allowed(url: str, entries: Iterable[str]) -> bool:
    """Whether ``url`` is http(s), has no credentials, and its scheme, host and port match an entry."""
    try:
        parts = urlsplit(url)
        port = parts.port
        origins = [parse_origin(entry) for entry in entries]
    except ValueError:
        return False
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname or parts.username or parts.password:
        return False
    port = port or DEFAULT_PORTS[scheme]
    return any(origin.admits(scheme, parts.hostname.lower(), port) for origin in origins)
