"""The one rule for every call an activity makes to the outside: its URL must match the operator's allow-list
(``SWENGINE_REST_ALLOW``: scheme, host and port). Nothing is reachable unless listed, so loopback, link-local
and cloud metadata addresses are refused unless the operator lists them by name."""

from __future__ import annotations

from swengine.activities.rest_allow import url_allowed
from swengine.activities.secrets import fault
from swengine.core.settings import Settings


def allowed_origins() -> tuple[str, ...]:
    return Settings.from_env().rest_allow


def check_origin(url: str, caller: str) -> None:
    """Fault with ``authorization`` (403) when ``url`` is not an allowed origin."""
    if not url_allowed(url, allowed_origins()):
        raise fault("authorization", f"call '{caller}': {url} is not an allowed origin")
