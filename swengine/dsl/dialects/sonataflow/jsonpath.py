"""SonataFlow's ``expressionLang: jsonpath``: every expression translated to jq (``expressions.jsonpath``).

Sources: ``JsonPathExpression`` (Jayway json-path; ``${ }`` trimmed first; ``isValid`` is whether it
compiles), ``WorkflowJacksonJsonNodeJsonProvider`` (``$CONST``, ``$WORKFLOW``, ``$SECRET``). Filters and
conditions are always expressions; an argument string is one when it compiles, and keeps its text when the
evaluation fails (a missing property, as Jayway throws). A condition holds when its path matches something.
"""

from __future__ import annotations

from typing import Any

from swengine.dsl.constructs import Construct
from swengine.dsl.dialects.sonataflow import jq
from swengine.dsl.facts import collect
from swengine.dsl.source_map import JsonPath
from swengine.expressions.jsonpath import JsonPathError, to_jq

LANGUAGE = "jsonpath"
MODES = {"condition": "bool", "toStateData": "path", "outputCollection": "path"}
"""Properties whose JSONPath is a condition or an assignment target; every other one is a value."""


def uses_jsonpath(data: dict[str, Any]) -> bool:
    language = data.get("expressionLang")
    return isinstance(language, str) and language.strip().lower() == LANGUAGE


def translate_jsonpath(data: dict[str, Any]) -> list[Construct]:
    """Rewrite every expression of a JSONPath document to jq, and the document to ``expressionLang: jq``."""
    constructs = [
        Construct("jsonpath", ("expressionLang",), "expressionLang: jq (each expression translated)")
    ]
    for site in collect(data).expressions:
        mode = MODES.get(str(site.path[-1]), "value")
        body = jq.body_of(site.text)
        try:
            program = to_jq(body, mode=mode)
        except JsonPathError as error:
            if site.always:
                constructs.append(_unreadable(site.path, site.text, str(error)))
            continue  # an argument that is not JSONPath is text, as in SonataFlow
        rewritten = (
            f"${{ {program} }}" if site.always else f"${{ try ({program}) catch {jq.quoted(site.text)} }}"
        )
        _replace(data, site.path, rewritten)
    data["expressionLang"] = "jq"
    return constructs


def _unreadable(path: JsonPath, text: str, why: str) -> Construct:
    return Construct(
        "jsonpath", path, "a jq expression", refused=f"JSONPath {text!r} is not read here: {why}"
    )


def _replace(data: dict[str, Any], path: JsonPath, value: str) -> None:
    holder: Any = data
    for step in path[:-1]:
        holder = holder[step]
    holder[path[-1]] = value
