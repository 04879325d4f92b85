"""``$secrets`` in 1.0 documents: the paths expressions read (``$secrets.db.user``, ``$secrets["my-key"]``) and
where a document may read them.

A secret's value must never enter the workflow (its history, status, logs): the interpreter binds ``$secrets``
to markers and only an engine activity puts the values in their place. So ``$secrets`` is allowed only where
its value goes to an activity: a call's ``with``, a ``run`` process, a task's ``input.from``, and the
``use.functions`` and ``use.authentications`` they name. Elsewhere (``if``, ``set``, ``switch``...) a marker
would be compared or shown in place of the value, so it is refused. ``$authorization`` is refused too: its
``parameter`` is the credential itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from swengine.dsl.facts import Finding
from swengine.dsl.source_map import JsonPath

_STEP = r'\.[A-Za-z_][A-Za-z0-9_]*|\.?\[\s*"(?:[^"\\]|\\.)*"\s*\]|\."(?:[^"\\]|\\.)*"'
_REFERENCE = re.compile(rf"\$secrets\b((?:{_STEP})*)")
_STEPS = re.compile(_STEP)
_AUTHORIZATION = re.compile(r"\$authorization\b")
READERS = ("with", "run")
"""Keys of a task under which ``$secrets`` reaches an activity (a call's arguments, a run's process)."""
SECTIONS = ("functions", "authentications")
AUTHORIZATION_REFUSED = "$authorization is not provided: its parameter is the credential, which stays in the activity that sends it"
SCHEMES = ("basic", "bearer", "digest", "oauth2", "oidc", "certificate")


def references(expression: str) -> list[list[str]]:
    """Each ``$secrets`` path of a jq expression, as keys (empty: ``$secrets`` read whole)."""
    return [_keys(match.group(1)) for match in _REFERENCE.finditer(expression)]


def _keys(steps: str) -> list[str]:
    keys = []
    for step in _STEPS.findall(steps):
        quoted = step.lstrip(".").strip("[] ")
        keys.append(json.loads(quoted) if quoted.startswith('"') else quoted)
    return keys


def document_paths(node: Any) -> list[list[str]]:
    """Every ``$secrets`` path in any string of the document, without repeats, in document order."""
    found: list[list[str]] = []
    for text in _strings(node):
        for path in references(text):
            if path and path not in found:
                found.append(path)
    return found


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def declared(data: dict[str, Any]) -> list[str]:
    use = data.get("use")
    names = use.get("secrets") if isinstance(use, dict) else None
    return [name for name in names if isinstance(name, str)] if isinstance(names, list) else []


def check_secret_uses(sites: dict[JsonPath, str], data: dict[str, Any]) -> list[Finding]:
    """Each expression reads only declared secrets, by name, where the value goes to an activity."""
    names = declared(data)
    findings = []
    for path, body in sites.items():
        paths = references(body)
        if paths and not _reader(path):
            message = "$secrets is read only by a call's with, a run process or a task's input.from"
            findings.append(Finding("unsupported_feature", message, path))
            continue
        for keys in paths:
            if not keys:
                findings.append(
                    Finding("unknown_secret", "$secrets must be read by name ($secrets.name)", path)
                )
            elif keys[0] not in names:
                findings.append(Finding("unknown_secret", _unknown(keys[0], names), path))
    findings += [
        Finding("unsupported_feature", AUTHORIZATION_REFUSED, path)
        for path, body in sites.items()
        if _AUTHORIZATION.search(body)
    ]
    return findings + list(_policy_secrets(data, names))


def _reader(path: JsonPath) -> bool:
    if path[:1] == ("use",):
        return path[1:2] in (("functions",), ("authentications",))
    return any(key in READERS for key in path) or tuple(path[-2:]) == ("input", "from") and len(path) > 2


def _policy_secrets(data: dict[str, Any], names: list[str]) -> Iterator[Finding]:
    """``basic: {use: secret}`` (any scheme): the scheme's properties are that secret's."""
    for path, policy in _policies(data, ()):
        for scheme in SCHEMES:
            used = policy.get(scheme, {}).get("use") if isinstance(policy.get(scheme), dict) else None
            if isinstance(used, str) and used not in names:
                yield Finding("unknown_secret", _unknown(used, names), (*path, scheme, "use"))


def _policies(node: Any, path: JsonPath) -> Iterator[tuple[JsonPath, dict[str, Any]]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "authentication" and isinstance(value, dict):
                yield (*path, key), value
            yield from _policies(value, (*path, key))
        authentications = node.get("authentications") if path == ("use",) else None
        for name, policy in (authentications or {}).items():
            if isinstance(policy, dict):
                yield (*path, "authentications", name), policy
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _policies(value, (*path, index))


def _unknown(name: str, names: list[str]) -> str:
    known = ", ".join(repr(each) for each in names) or "none"
    return f"no secret named '{name}' in use.secrets (declared: {known})"
