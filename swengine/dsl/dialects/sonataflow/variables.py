"""SonataFlow's expression variables: ``$WORKFLOW`` (instance facts) and ``$SECRET`` (configuration values).

Sources: ``JqExpression.getScope`` binds ``$WORKFLOW``, ``$CONST`` and ``$SECRET``; ``KogitoProcessContextResolver``
(with its ``InputKogitoProcessContextResolver`` extension) gives ``$WORKFLOW`` the keys ``instanceId``, ``id``,
``name``, ``input``, ``headers`` and ``prevActionResult``; ``$SECRET.key`` reads the configuration property
``key`` (``ExpressionHandlerUtils.getOptionalSecret``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from swengine.dsl.constructs import Construct
from swengine.dsl.source_map import JsonPath

_VARIABLE = re.compile(r"\$(WORKFLOW|SECRET)\b")


def scan_variables(data: dict[str, Any]) -> list[Construct]:
    """Every string that reads ``$WORKFLOW`` (bound when the instance runs) or ``$SECRET`` (refused)."""
    found: list[Construct] = []
    for text, path in _strings(data, ()):
        names = sorted(set(_VARIABLE.findall(text)))
        if "WORKFLOW" in names:
            found.append(
                Construct("workflow_variable", path, "no 0.8 equivalent: $WORKFLOW is bound by this dialect")
            )
        if "SECRET" in names:
            found.append(
                Construct(
                    "secret_variable",
                    path,
                    "an activity that reads the secret where it is used",
                    refused="$SECRET is not supported yet: secrets must not enter workflow history",
                )
            )
    return found


def _strings(value: Any, path: JsonPath) -> Iterator[tuple[str, JsonPath]]:
    if isinstance(value, str):
        yield value, path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, path + (index,))
