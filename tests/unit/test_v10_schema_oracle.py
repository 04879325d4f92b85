"""Our 1.0 schema and checks against the official 1.0.3 schema (the oracle, read from ../shared at run time).

Every workflow of the conformance kit is valid for both (a feature we refuse is refused as such); and a few broken documents are refused by both.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from swengine.dsl.loader import load_text
from swengine.dsl.v10.schema_check import schema_findings
from swengine.dsl.validator import validate
from tests import ctk
from tests.conftest import SHARED

ORACLE = SHARED / "oracle" / "ows-1.0.3" / "workflow.yaml"


@cache
def oracle() -> Draft202012Validator:
    return Draft202012Validator(yaml.safe_load(ORACLE.read_text(encoding="utf-8")))


@pytest.fixture(autouse=True)
def _needs_the_oracle() -> None:
    if not ORACLE.is_file():
        pytest.skip("the official 1.0.3 schema is not beside the checkout")


def oracle_accepts(data: dict[str, Any]) -> bool:
    return not any(True for _ in oracle().iter_errors(data))


@pytest.mark.parametrize("scenario", ctk.scenarios(), ids=lambda s: s.id)
def test_every_ctk_workflow_is_valid_for_us_and_the_oracle(scenario: ctk.Scenario):
    document = load_text(scenario.definition, source=scenario.id)
    assert oracle_accepts(document.data)
    assert schema_findings(copy.deepcopy(document.data)) == []
    # valid, though a feature we do not run yet may be refused, by name
    assert {problem.code for problem in validate(document)} <= {"unsupported_feature"}


BROKEN = {
    "no do": "document: {dsl: '1.0.3', namespace: a, name: b, version: '1.0.0'}\n",
    "task without a kind": "{document: {dsl: '1.0.3', namespace: a, name: b, version: '1.0.0'}, do: [{x: {}}]}",
    "unknown task property": (
        "{document: {dsl: '1.0.3', namespace: a, name: b, version: '1.0.0'}, do: [{x: {set: {a: 1}, y: 2}}]}"
    ),
    "bad name": "{document: {dsl: '1.0.3', namespace: a, name: 'b c', version: '1.0.0'}, do: []}",
    "two items in a list entry": (
        "{document: {dsl: '1.0.3', namespace: a, name: b, version: '1.0.0'},"
        " do: [{x: {set: {a: 1}}, y: {set: {a: 1}}}]}"
    ),
    "raise without status": (
        "{document: {dsl: '1.0.3', namespace: a, name: b, version: '1.0.0'}, do: [{x: {raise: {error: {type: t}}}}]}"
    ),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_documents_are_refused_by_both(name: str):
    data = yaml.safe_load(BROKEN[name])
    assert not oracle_accepts(data)
    assert schema_findings(copy.deepcopy(data))
