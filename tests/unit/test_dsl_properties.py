"""Properties of the loader and the validator over generated input (issue 11: fuzzing in CI, bounded).

The loader turns any text into a Document or a DocumentError whose problems are located; the validator
turns any JSON-shaped mapping into a list of problems. Neither ever raises anything else.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from swengine.core.errors import DocumentError
from swengine.dsl.loader import Document, load_text
from swengine.dsl.validator import validate_text

BOUNDED = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

YAML_PIECES = ["id: w\n", "states:\n", "  - name: A\n", "    type: inject\n", "    end: true\n", "- ", ": ",
               "[", "]", "{", "}", "&a ", "*a", "!!python/object ", "? ", "|\n", ">-\n", "'", '"', "#",
               "\t", "  ", "\n", "---\n", "...\n", "%YAML 1.1\n", "\\ud800", "1e400", "NaN", "<<: *a\n",
               "${ .a }", "\ufeff", "\x00", "key", ",", "@", "`"]  # fmt: skip


def _yaml_like() -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(YAML_PIECES), max_size=40).map("".join)


@BOUNDED
@given(text=st.one_of(st.text(max_size=300), _yaml_like(), st.binary(max_size=200)))
def test_any_text_loads_or_is_refused_with_located_problems(text: str | bytes) -> None:
    try:
        document = load_text(text, source="fuzz.yaml")
    except DocumentError as refused:
        assert refused.problems
        assert all(p.line is not None and p.column is not None for p in refused.problems), refused.problems
        return
    assert isinstance(document, Document)


KEYS = ["id", "version", "specVersion", "name", "start", "states", "type", "end", "transition", "data",
        "actions", "functions", "events", "functionRef", "refName", "arguments", "onEvents", "eventRefs",
        "dataConditions", "condition", "defaultCondition", "branches", "iterationParam", "inputCollection",
        "stateDataFilter", "actionDataFilter", "eventDataFilter", "toStateData", "input", "output",
        "timeouts", "onErrors", "errorRef", "retries", "retryRef", "compensatedBy", "usedForCompensation",
        "duration", "subFlowRef", "workflowId", "constants", "secrets", "dataInputSchema", "operation",
        "correlation", "contextAttributeName", "produceEvents", "exclusive", "mode", "metadata"]  # fmt: skip
STATE_TYPES = ["inject", "operation", "switch", "event", "sleep", "parallel", "foreach", "callback", "bogus"]
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["A", "B", "w", "1.0", "0.8", "PT1S", "P", "${ .a }", "${ .[", "${ env }", "${ $x }",
                     "expression", "rest", "custom", "file.json", "../x", "http://x", *STATE_TYPES]),
    st.text(max_size=8),
)  # fmt: skip


def _json_ish() -> st.SearchStrategy[Any]:
    return st.recursive(
        SCALARS,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS), inner, max_size=5)
        ),
        max_leaves=25,
    )


def _state() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"name": st.sampled_from(["A", "B", "C"]), "type": st.sampled_from(STATE_TYPES)},
        optional={key: _json_ish() for key in KEYS if key not in ("name", "type")},
    )


def _workflows() -> st.SearchStrategy[dict[str, Any]]:
    top = {"id": st.just("w"), "version": st.just("1.0"), "specVersion": st.just("0.8"),
           "states": st.lists(_state(), max_size=3)}  # fmt: skip
    return st.one_of(
        st.fixed_dictionaries(top, optional={key: _json_ish() for key in KEYS if key not in top}),
        st.dictionaries(st.sampled_from(KEYS), _json_ish(), max_size=6),
    )


@BOUNDED
@given(mapping=_workflows())
def test_any_mapping_validates_to_problems_and_never_raises(mapping: dict[str, Any]) -> None:
    problems = validate_text(json.dumps(mapping, indent=2), source="fuzz.json")
    assert isinstance(problems, list)
    assert all(p.code and p.message for p in problems), problems
