"""JSONPath (Jayway's reading) translated to jq, evaluated by the guarded jq evaluator."""

from __future__ import annotations

import pytest

from swengine import expressions
from swengine.core.errors import ExpressionError
from swengine.expressions.jsonpath import JsonPathError, to_jq

DATA = {
    "name": "Ada",
    "language": "English",
    "a": {"b": 5, "c": [1, 2, 3]},
    "people": [{"name": "x", "age": 30}, {"name": "y", "age": "old"}, {"name": "z"}],
}


@pytest.mark.parametrize(
    ("path", "mode", "value"),
    [
        ("$.name", "value", "Ada"),
        ("name", "value", "Ada"),  # Jayway reads a bare name from the root
        ("$['name']", "value", "Ada"),
        ("$.a.c[1]", "value", 2),
        ("$.a.c[*]", "value", [1, 2, 3]),
        ("$.a.c[0:2]", "value", [1, 2]),
        ("$.a.c[0,2]", "value", [1, 3]),
        ("$..b", "value", [5]),
        ("$.people[?(@.age > 20)].name", "value", ["x"]),  # "old" never compares with a number
        ("$.people[?(@.age)].name", "value", ["x", "y"]),
        ("$.people[?(!(@.age) || @.name == 'x')].name", "value", ["x", "z"]),
        ("$.[?(@.language == 'English')]", "bool", True),
        ("$.[?(@.language == 'Spanish')]", "bool", False),
        ("$CONST.limit", "value", 7),
    ],
)
def test_paths_read_as_jayway_reads_them(path, mode, value):
    assert expressions.evaluate(to_jq(path, mode=mode), DATA, {"CONST": {"limit": 7}}) == value


def test_a_definite_path_that_matches_nothing_fails():
    with pytest.raises(ExpressionError):
        expressions.evaluate(to_jq("$.a.missing"), DATA)


def test_an_assignment_target_is_a_plain_path():
    assert expressions.evaluate_path(to_jq("$.a.new", mode="path"), DATA) == ["a", "new"]
    with pytest.raises(JsonPathError):
        to_jq("$.a.c[*]", mode="path")


@pytest.mark.parametrize(
    "text", ["$.greeting $.name", "Hello World", "$.a.", "Hello, World!", "$.[?(@.a ==)]"]
)
def test_what_is_not_jsonpath_is_refused(text):
    with pytest.raises(JsonPathError):
        to_jq(text)
