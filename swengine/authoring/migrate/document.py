"""A whole 0.8 document as a 1.0 one: ``document``, ``input``, ``use``, ``do`` (the states, the start first),
``timeout``, and notes for what the workflow level cannot keep."""

from __future__ import annotations

from typing import Any

from swengine.authoring.migrate import jq
from swengine.authoring.migrate.context import TODO_KEY, Translation, semver, slug
from swengine.authoring.migrate.states import translate_state

DSL = "1.0.3"
NAMESPACE = "default"
KEPT_OUT = {
    "keepActive": "keepActive has no 1.0 equivalent: the migrated workflow ends when its tasks do",
    "auth": "auth definitions are not migrated: give each call its 1.0 authentication",
    "secrets": "secrets are not migrated: 1.0's use.secrets is not supported by swengine yet",
    "extensions": "extensions have no 1.0 equivalent",
}


def translate_document(tr: Translation) -> dict[str, Any]:
    data = tr.data
    header: dict[str, Any] = {
        "dsl": DSL,
        "namespace": NAMESPACE,
        "name": slug(data.get("id") or data.get("key") or data.get("name") or "workflow"),
        "version": semver(data.get("version")),
    }
    if data.get("name"):
        header["title"] = str(data["name"])
    if data.get("description"):
        header["summary"] = str(data["description"])
    notes: dict[str, Any] = {}
    out: dict[str, Any] = {"document": header}
    schema = _input_schema(data.get("dataInputSchema"), tr, notes)
    if schema is not None:
        out["input"] = {"schema": {"format": "json", "document": schema}}
    tasks = []
    for index in _order(data.get("states") or [], data.get("start")):
        state = data["states"][index]
        if not state.get("usedForCompensation"):
            tasks += translate_state(state, ("states", index), tr)
    if tr.functions:
        out["use"] = {"functions": tr.functions}
    out["do"] = tasks
    timeouts: dict[str, Any] = data["timeouts"] if isinstance(data.get("timeouts"), dict) else {}
    workflow_timeout = timeouts.get("workflowExecTimeout")
    if workflow_timeout:
        duration = (
            workflow_timeout.get("duration") if isinstance(workflow_timeout, dict) else workflow_timeout
        )
        out["timeout"] = {"after": duration}
        if isinstance(workflow_timeout, dict) and workflow_timeout.get("runBefore"):
            tr.note(
                ("timeouts", "workflowExecTimeout", "runBefore"), "runBefore has no 1.0 equivalent", notes
            )
    for key, message in KEPT_OUT.items():
        if data.get(key):
            tr.note((key,), message, notes)
    if isinstance(data.get("start"), dict):
        tr.note(("start",), "a scheduled start is not migrated: add a 1.0 schedule", notes)
    for variable, message in (
        ("$WORKFLOW", "SonataFlow's $WORKFLOW has no exact 1.0 twin ($workflow)"),
        ("$SECRETS", "$SECRETS is not migrated"),
    ):
        for where in _mentions(data, variable):
            tr.note(where, message, notes)
    if notes.get(TODO_KEY):
        out[TODO_KEY] = notes[TODO_KEY]
    return _ordered(out)


def _input_schema(given: Any, tr: Translation, notes: dict[str, Any]) -> dict[str, Any] | None:
    if isinstance(given, dict) and isinstance(given.get("schema"), dict):
        if given.get("failOnValidationErrors") is False:
            tr.note(("dataInputSchema",), "a schema that only warns has no 1.0 equivalent: left out", notes)
            return None
        return given["schema"]
    if given is not None:
        tr.note(("dataInputSchema",), "a dataInputSchema by reference is not migrated", notes)
    return None


def _mentions(node: Any, variable: str, where: tuple = ()) -> list[tuple]:
    """Paths of the strings that name ``variable`` (expressions 1.0 cannot read the same way)."""
    if isinstance(node, str):
        return [where] if variable in node else []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    return [found for key, item in items for found in _mentions(item, variable, (*where, key))]


def _order(states: list[dict[str, Any]], start: Any) -> list[int]:
    """The start state first (1.0 runs a list from its top), the others in document order."""
    name = start.get("stateName") if isinstance(start, dict) else start
    first = next((i for i, state in enumerate(states) if state.get("name") == name), 0)
    return [first, *(i for i in range(len(states)) if i != first)]


def _ordered(out: dict[str, Any]) -> dict[str, Any]:
    order = [TODO_KEY, "document", "input", "use", "do", "timeout", "output", "schedule"]
    return {key: out[key] for key in order if key in out}


__all__ = ["translate_document", "jq"]
