"""The operator's allow-list for ``rest`` functions: which origins (scheme, host and port) a call may reach.

An entry is ``host`` (the scheme's default port only), ``host:port`` or ``scheme://host:port``. Every URL
the activity requests (the OpenAPI document and the operation's final URL) is checked, so neither a path
parameter nor a ``servers`` entry can reach another port of an allowed host (Temporal's, the API's own).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}


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


def parse_origin(entry: str) -> Origin:
    """One allow-list entry; a malformed one raises ``ValueError``."""
    text = entry.strip().lower()
    parts = urlsplit(text if "://" in text else f"//{text}")
    if parts.scheme not in ("", *DEFAULT_PORTS) or not parts.hostname or parts.path not in ("", "/"):
        raise ValueError(f"SWENGINE_REST_ALLOW entry {entry!r} is not host, host:port or scheme://host:port")
    return Origin(parts.scheme or None, parts.hostname, parts.port)


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
