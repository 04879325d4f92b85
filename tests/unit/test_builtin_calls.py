"""``builtin.*`` calls are checked against the verbs' signatures at validation, and ``${ }`` in inject data
is flagged; the signature table agrees with the activities themselves."""

from __future__ import annotations

import asyncio
import re

import pytest
from temporalio.exceptions import ApplicationError

from builtin_activities import ACTIVITIES
from swengine.dsl.builtin_calls import BUILTIN_PREFIX, SIGNATURES
from swengine.dsl.validator import validate_text

CALLS = """id: calls
specVersion: "0.8"
start: Work
functions:
  - {{name: newId, type: custom, operation: builtin.uuid}}
  - {{name: merge, type: custom, operation: builtin.merge}}
  - {{name: echo, type: custom, operation: builtin.echo}}
  - {{name: nope, type: custom, operation: builtin.teleport}}
states:
  - name: Work
    type: operation
    actions:
{actions}
    end: true
"""


def problems(*actions: str) -> list[tuple[str, str, int | None]]:
    text = CALLS.format(actions="\n".join(f"      - {action}" for action in actions))
    return [(p.code, p.message, p.line) for p in validate_text(text) if p.code != "unknown_builtin"]


def test_a_call_without_arguments_would_receive_the_state_data() -> None:
    [(code, message, line)] = problems("functionRef: newId")
    assert code == "invalid_arguments" and "arguments: {}" in message and line == 13
    assert problems("functionRef: {refName: newId, arguments: {}}") == []
    assert problems("functionRef: echo") == []  # echo takes anything, the state data included


def test_unknown_and_missing_arguments_are_named_at_their_lines() -> None:
    found = problems("functionRef: {refName: merge, arguments: {object: {a: 1}}}")
    assert [code for code, _, _ in found] == ["invalid_arguments", "invalid_arguments"]
    assert any("takes no argument 'object'" in message and "objects" in message for _, message, _ in found)
    assert any("needs the argument(s) objects" in message for _, message, _ in found)
    assert problems('functionRef: {refName: merge, arguments: {objects: ["${ .a }", {b: 1}]}}') == []


def test_an_unknown_verb_is_refused() -> None:
    text = CALLS.format(actions="      - functionRef: {refName: nope, arguments: {}}")
    [unknown] = [p for p in validate_text(text) if p.code == "unknown_builtin"]
    assert "builtin.teleport" in unknown.message and unknown.line == 8


def test_expressions_in_inject_data_are_a_warning() -> None:
    text = """id: literal
specVersion: "0.8"
start: Set
states:
  - name: Set
    type: inject
    data:
      plain: hello
      meant: "${ .name }"
      nested: [{deeper: "Hello ${ .name }"}]
    end: true
"""
    found = [(p.code, p.severity, p.line) for p in validate_text(text)]
    assert found == [("expression_in_literal", "warning", 9), ("expression_in_literal", "warning", 10)]


ACTIVITY_NAMES = {getattr(fn, "__temporal_activity_definition").name: fn for fn in ACTIVITIES}


def test_the_table_names_every_builtin_activity() -> None:
    assert {BUILTIN_PREFIX + verb for verb in SIGNATURES} == set(ACTIVITY_NAMES)


@pytest.mark.parametrize("verb", sorted(verb for verb, s in SIGNATURES.items() if not s.any_arguments))
def test_the_table_agrees_with_what_each_verb_accepts(verb: str) -> None:
    """Our own refusal (``invalid_arguments``) lists what the verb expects: the same names as the table."""
    activity = ACTIVITY_NAMES[BUILTIN_PREFIX + verb]
    with pytest.raises(ApplicationError) as refused:
        asyncio.run(activity({"not_an_argument": 1}))
    assert refused.value.type == "invalid_arguments"
    listed = re.search(r"expected: (.*)$", refused.value.message)
    assert listed is not None
    expected = set() if listed[1] == "none" else set(listed[1].split(", "))
    assert expected == set(SIGNATURES[verb].names)
    if SIGNATURES[verb].required:
        with pytest.raises(ApplicationError, match=SIGNATURES[verb].required[0]):
            asyncio.run(activity({}))
