"""Secret values, read by engine activities only: from ``SWENGINE_SECRET_<NAME>`` or the operator's secrets
folder (a file per secret, or a folder of files as Kubernetes mounts a secret), put in place of the run's
markers, and taken out again from whatever the activity returns or raises.

A secret the workflow did not declare, or that the operator does not hold, faults with ``authorization``
(403), as the spec asks.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from temporalio.exceptions import ApplicationError

from swengine.core.secret_markers import GRANT, markers_in
from swengine.core.settings import Settings, secret_variable
from swengine.core.task_errors import standard_error

CONCEALED = "***"
SHORTEST_CONCEALED = 4
"""Shorter secret texts are not searched for in results: hiding every ``a`` would garble them, not protect."""


def fault(name: str, title: str, *, status: int | None = None, detail: str | None = None) -> ApplicationError:
    """An RFC 7807 error the interpreter locates at the calling task."""
    error = standard_error(name, title, status=status, detail=detail)
    del error["instance"]  # the interpreter puts the calling task's pointer there
    return ApplicationError(title, error, type=name, non_retryable=True)


def read_secret(name: str, settings: Settings) -> Any:
    """A secret's value: a JSON object when its text is one, a folder's files as an object, else the text."""
    variable = secret_variable(name)
    if variable in settings.secret_values:
        return _parsed(settings.secret_values[variable])
    folder = settings.secrets_dir
    if folder is not None and name and "/" not in name and not name.startswith("."):
        path = folder / name
        if path.is_dir():
            return {item.name: _text(item) for item in sorted(path.iterdir()) if _visible_file(item)}
        if path.is_file():
            return _parsed(path.read_text(encoding="utf-8"))
    raise fault("authorization", f"secret '{name}' is not available to this worker")


def _visible_file(item: Path) -> bool:
    return item.is_file() and not item.name.startswith(".")  # Kubernetes keeps ``..data`` links beside keys


def _text(item: Path) -> str:
    return item.read_text(encoding="utf-8").removesuffix("\n")


def _parsed(text: str) -> Any:
    if text.lstrip().startswith("{"):
        try:
            return json.loads(text)
        except ValueError:
            pass
    return text.removesuffix("\n")


class SecretBox:
    """One activity's access to its run's secrets: it reveals markers and conceals the values it revealed."""

    def __init__(self, grant: Any, settings: Settings | None = None) -> None:
        grant = grant if isinstance(grant, dict) else {}
        self._nonce = str(grant.get("nonce") or "")
        self._names = {str(name) for name in grant.get("names") or ()}
        self._settings = settings or Settings.from_env()
        self._used: set[str] = set()

    @classmethod
    def of(cls, payload: dict[str, Any]) -> tuple[SecretBox, dict[str, Any]]:
        """The box for a payload's grant, and the payload without it."""
        rest = {key: value for key, value in payload.items() if key != GRANT}
        return cls(payload.get(GRANT)), rest

    def value(self, name: str) -> Any:
        """A declared secret's value (remembered, so results can be cleaned of it)."""
        if name not in self._names:
            raise fault("authorization", f"secret '{name}' is not declared in the workflow's use.secrets")
        found = read_secret(name, self._settings)
        self._used.update(text for text in _texts(found) if len(text) >= SHORTEST_CONCEALED)
        return found

    def reveal(self, node: Any) -> Any:
        """``node`` with this run's markers replaced by values (a string that is one marker: the value itself)."""
        if isinstance(node, dict):
            return {key: self.reveal(value) for key, value in node.items()}
        if isinstance(node, list):
            return [self.reveal(value) for value in node]
        if not isinstance(node, str) or not self._nonce:
            return node
        for text, path in markers_in(node, self._nonce):
            value = self._at(path)
            if text == node:
                return value
            node = node.replace(text, value if isinstance(value, str) else json.dumps(value))
        return node

    def _at(self, path: list[str]) -> Any:
        value = self.value(path[0])
        for key in path[1:]:
            if not isinstance(value, dict) or key not in value:
                raise fault("authorization", f"secret '{path[0]}' has no '{key}'")
            value = value[key]
        return value

    def conceal(self, node: Any) -> Any:
        """``node`` with every revealed secret text replaced by ``***``."""
        if not self._used:
            return node
        if isinstance(node, dict):
            return {self.conceal(key): self.conceal(value) for key, value in node.items()}
        if isinstance(node, list):
            return [self.conceal(value) for value in node]
        if isinstance(node, str):
            for text in sorted(self._used, key=len, reverse=True):
                node = node.replace(text, CONCEALED)
        return node

    def concealed_error(self, error: Exception) -> ApplicationError:
        """The error as the activity may raise it: message and details cleaned of secrets."""
        if isinstance(error, ApplicationError):
            details = [self.conceal(detail) for detail in error.details]
            return ApplicationError(
                self.conceal(error.message), *details, type=error.type, non_retryable=error.non_retryable
            )
        return fault("runtime", self.conceal(f"{type(error).__name__}: {error}"))


async def with_secrets(
    payload: dict[str, Any], work: Callable[[dict[str, Any], SecretBox], Awaitable[Any]]
) -> Any:
    """Run an engine activity's ``work`` on its payload with the run's secrets in place of their markers;
    what it returns or raises is cleaned of them."""
    box, rest = SecretBox.of(payload)
    try:
        return box.conceal(await work(box.reveal(rest), box))
    except Exception as error:
        raise box.concealed_error(error) from None


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _texts(item)]
    if isinstance(value, list):
        return [text for item in value for text in _texts(item)]
    return []
