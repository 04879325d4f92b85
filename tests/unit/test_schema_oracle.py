"""Our schema against the official 0.8 schema (the oracle): everything the oracle accepts, we accept.

The oracle lives in ../shared/oracle/sw-0.8-schema (read at run time, never copied) and ``$ref``s its sibling
files, so a ``referencing`` registry is built from the files of that directory. Features we refuse (rpc
functions, auth ...) still pass our schema: they are refused by the semantic checks, with
``unsupported_feature``. Only the schema verdicts are compared here.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator
from referencing import Registry, Resource

from swengine.core.errors import DocumentError
from swengine.dsl.loader import load_file
from swengine.dsl.schema_check import schema_findings

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
ORACLE = SHARED / "oracle" / "sw-0.8-schema"
EXAMPLES = SHARED / "examples" / "v08"
_NOT_REFERENCED = re.compile(
    r"^(json|yaml|input\.json|event[\w-]*\.json|mock-[\w-]+\.json|expected[\w-]*\.json|sub-[\w-]+\.(json|yaml))$"
)


@cache
def oracle() -> Draft7Validator:
    registry: Registry = Registry()
    for path in ORACLE.glob("*.json"):
        schema = json.loads(path.read_text())
        registry = registry.with_resource(schema["$id"], Resource.from_contents(schema))
    return Draft7Validator(json.loads((ORACLE / "workflow.json").read_text()), registry=registry)


def verdicts(data: dict[str, Any]) -> tuple[bool, bool]:
    """(oracle accepts, we accept) for one definition."""
    return not any(True for _ in oracle().iter_errors(data)), not schema_findings(copy.deepcopy(data))


@pytest.fixture(autouse=True)
def _needs_the_oracle() -> None:
    if not (ORACLE / "workflow.json").is_file():
        pytest.skip(f"the official 0.8 schema is not at {ORACLE}")


def example_names() -> list[str]:
    if not EXAMPLES.is_dir():
        return []
    pattern = r"\d\d-[\w-]+(\.sub-[\w-]+)?\.(json|yaml)"
    return sorted(path.name for path in EXAMPLES.iterdir() if re.fullmatch(pattern, path.name))


def stage(name: str, directory: Path) -> Path:
    """Copy a definition and the files it references (under the names it uses) into ``directory``."""
    prefix = name.split(".", 1)[0]
    for path in EXAMPLES.glob(prefix + ".*"):
        suffix = path.name[len(prefix) + 1 :]
        if not _NOT_REFERENCED.match(suffix):
            shutil.copy(path, directory / suffix)
    shutil.copy(EXAMPLES / name, directory / name)
    return directory / name


@pytest.mark.parametrize("name", example_names())
def test_examples_get_the_oracles_verdict(name: str, tmp_path: Path) -> None:
    try:
        document = load_file(stage(name, tmp_path))
    except DocumentError as error:
        pytest.skip(f"{name} does not load ({error.problems[0].code}); the loader tests cover it")
    oracle_accepts, we_accept = verdicts(document.data)
    assert we_accept == oracle_accepts, (name, schema_findings(document.data))


def state(name: str, kind: str, **more: Any) -> dict[str, Any]:
    return {"name": name, "type": kind, **more}


ACTION = {"functionRef": {"refName": "f", "arguments": {"a": "${ .a }"}, "invoke": "sync"}}
BOTH_ACCEPT: dict[str, dict[str, Any]] = {
    "every state kind and most optional properties": {
        "key": "rich",
        "name": "Rich",
        "version": "2.1",
        "specVersion": "0.8",
        "annotations": ["demo"],
        "dataInputSchema": {"schema": "file://input.json", "failOnValidationErrors": False},
        "constants": {"limit": 5},
        "start": {
            "stateName": "Wait",
            "schedule": {"cron": {"expression": "0 * * * *", "validUntil": "2030-01-01"}},
        },
        "expressionLang": "jq",
        "timeouts": {
            "workflowExecTimeout": {"duration": "PT1H", "interrupt": True, "runBefore": "Cleanup"},
            "stateExecTimeout": {"single": "PT1M", "total": "PT5M"},
            "actionExecTimeout": "PT30S",
        },
        "errors": [{"name": "boom", "code": "500", "description": "server"}],
        "keepActive": False,
        "metadata": {"owner": "team"},
        "autoRetries": True,
        "retries": [
            {"name": "r", "delay": "PT1S", "maxAttempts": "5", "multiplier": "1.5", "jitter": "PT0.1S"}
        ],
        "events": [
            {
                "name": "in",
                "type": "t",
                "source": "s",
                "correlation": [{"contextAttributeName": "id"}],
                "dataOnly": False,
            },
            {"name": "out", "type": "t", "kind": "produced"},
        ],
        "functions": [
            {"name": "f", "operation": "x"},
            {"name": "g", "operation": ".a", "type": "expression"},
        ],
        "states": [
            state(
                "Wait",
                "event",
                exclusive=False,
                onEvents=[{"eventRefs": ["in"], "actionMode": "parallel", "actions": [ACTION]}],
                timeouts={"eventTimeout": "PT1M", "actionExecTimeout": "PT10S"},
                transition={"nextState": "Work", "produceEvents": [{"eventRef": "out", "data": "${ . }"}]},
                compensatedBy="Undo",
            ),
            state(
                "Work",
                "operation",
                actionMode="sequential",
                actions=[
                    {**ACTION, "retryRef": "r", "retryableErrors": ["boom"], "sleep": {"before": "PT1S"}},
                    {
                        "eventRef": {
                            "triggerEventRef": "out",
                            "resultEventRef": "in",
                            "contextAttributes": {"k": "v"},
                        }
                    },
                    {
                        "subFlowRef": {
                            "workflowId": "child",
                            "invoke": "async",
                            "onParentComplete": "continue",
                        }
                    },
                    {
                        "functionRef": "g",
                        "actionDataFilter": {"results": "${ .x }", "useResults": True},
                        "condition": ".y",
                    },
                ],
                onErrors=[{"errorRefs": ["boom"], "transition": "Decide"}],
                stateDataFilter={"input": "${ . }", "output": "${ . }"},
                transition="Decide",
            ),
            state(
                "Decide",
                "switch",
                dataConditions=[{"name": "done", "condition": "${ .done }", "end": {"terminate": True}}],
                defaultCondition={"transition": {"nextState": "Fan", "compensate": True}},
            ),
            state(
                "Fan",
                "parallel",
                branches=[{"name": "a", "actions": [ACTION], "timeouts": {"branchExecTimeout": "PT1M"}}] * 2,
                completionType="atLeast",
                numCompleted="1",
                transition="Each",
            ),
            state(
                "Each",
                "foreach",
                inputCollection="${ .items }",
                outputCollection="${ .out }",
                iterationParam="item",
                batchSize=2,
                mode="sequential",
                actions=[ACTION],
                transition="Ask",
            ),
            state(
                "Ask",
                "callback",
                action=ACTION,
                eventRef="in",
                eventDataFilter={"data": "${ .data }", "toStateData": "${ .answer }"},
                transition="Pause",
            ),
            state("Pause", "sleep", duration="PT1S", transition="Ping"),
            state(
                "Ping",
                "switch",
                eventConditions=[{"eventRef": "in", "end": True}],
                timeouts={"eventTimeout": "PT1M"},
                defaultCondition={"end": {"continueAs": {"workflowId": "rich", "data": "${ . }"}}},
            ),
            state("Undo", "inject", data={"undone": True}, usedForCompensation=True),
            state("Cleanup", "inject", data={}, end=True, metadata={"why": "timeout"}),
        ],
    },
    "features we refuse later, not in the schema": {
        "id": "refused",
        "specVersion": "0.8",
        "auth": [{"name": "a", "scheme": "bearer", "properties": {"token": "t"}}],
        "secrets": ["TOKEN"],
        "functions": [{"name": "f", "operation": "svc.proto#S#m", "type": "rpc", "authRef": "a"}],
        "states": [state("A", "operation", actions=[{"functionRef": "f"}], end=True)],
    },
}

MINIMAL = {"id": "w", "specVersion": "0.8", "states": [state("A", "inject", data={}, end=True)]}


def changed(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    """MINIMAL with the node at ``path`` set to ``value`` (deleted when ``value`` is ...)."""
    document = copy.deepcopy(MINIMAL)
    *parents, last = path
    node: Any = document
    for step in parents:
        node = node[step]
    if value is ...:
        del node[last]
    else:
        node[last] = value
    return document


BOTH_REFUSE: dict[str, dict[str, Any]] = {
    "no states": changed(("states",), ...),
    "no specVersion": changed(("specVersion",), ...),
    "id and key": changed(("key",), "k"),
    "state without name": changed(("states", 0, "name"), ...),
    "unknown state type": changed(("states", 0, "type"), "delay"),
    "end is not boolean or object": changed(("states", 0, "end"), "yes"),
    "transition is a number": changed(("states", 0), state("A", "inject", data={}, transition=3)),
    "action without a reference": changed(
        ("states", 0), state("A", "operation", actions=[{"name": "x"}], end=True)
    ),
    "functionRef without refName": changed(
        ("states", 0), state("A", "operation", actions=[{"functionRef": {"arguments": {}}}], end=True)
    ),
    "switch without defaultCondition": changed(
        ("states", 0), state("A", "switch", dataConditions=[{"condition": ".a", "end": True}])
    ),
    "eventTimeout in the 0.7 place": changed(
        ("states", 0),
        state(
            "A",
            "switch",
            eventConditions=[{"eventRef": "e", "end": True}],
            eventTimeout="PT1H",
            defaultCondition={"end": True},
        ),
    ),
    "event without type": changed(("events",), [{"name": "e", "source": "s"}]),
    "consumed event without source": changed(("events",), [{"name": "e", "type": "t"}]),
    "retry without maxAttempts": changed(("retries",), [{"name": "r", "delay": "PT1S"}]),
    "unknown function type": changed(("functions",), [{"name": "f", "operation": "x", "type": "soap"}]),
    "error handler without errorRef": changed(("states", 0, "onErrors"), [{"end": True}]),
}


@pytest.mark.parametrize("name", sorted(BOTH_ACCEPT))
def test_documents_the_oracle_accepts_we_accept(name: str) -> None:
    assert verdicts(BOTH_ACCEPT[name]) == (True, True), schema_findings(copy.deepcopy(BOTH_ACCEPT[name]))


@pytest.mark.parametrize("name", sorted(BOTH_REFUSE))
def test_documents_both_refuse(name: str) -> None:
    assert verdicts(BOTH_REFUSE[name]) == (False, False)
