"""The validator: our schema and the semantic checks, every problem at once with a stable code and a line."""

from __future__ import annotations

import copy
import json
import random
import re
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from bench.generate import generate_document
from swengine import expressions
from swengine.core.errors import DocumentError, ExpressionLimitExceeded, Problem
from swengine.dsl.loader import load_text
from swengine.dsl.schema_check import load_schema, schema_findings
from swengine.dsl.validator import load_valid, validate, validate_file, validate_text

BROKEN = Path(__file__).resolve().parent / "broken"
EXPECT = re.compile(r"^\s*(?:#|//)\s*expect:\s*(\d+):(\d+)\s+(\w+)\s*$")


def workflow(*states: dict[str, Any], **top: Any) -> dict[str, Any]:
    """A definition with the given states (and top-level properties)."""
    return {"id": "w", "version": "1.0", "specVersion": "0.8", **top, "states": list(states)}


def inject(name: str, **more: Any) -> dict[str, Any]:
    """An inject state; it ends unless given a transition (or an explicit end)."""
    flow = {} if "transition" in more or "end" in more else {"end": True}
    return {"name": name, "type": "inject", "data": {}, **flow, **more}


def problems_of(document: dict[str, Any]) -> list[Problem]:
    problems = validate_text(json.dumps(document, indent=2), source="w.json")
    assert all(p.line is not None and p.column is not None for p in problems), problems
    return problems


def codes(document: dict[str, Any], severity: str | None = None) -> list[str]:
    return [p.code for p in problems_of(document) if severity is None or p.severity == severity]


def test_our_schema_is_a_valid_draft_2020_12_schema() -> None:
    Draft202012Validator.check_schema(load_schema())


def test_the_schema_file_alone_gives_the_same_verdicts_as_the_compiled_checks() -> None:
    """The validator inlines $refs and dispatches states by type for speed; the verdicts must not change."""
    full = Draft202012Validator(load_schema())
    samples = [
        RICH,
        workflow(inject("A")),
        workflow({"name": "A", "type": "delay"}),
        workflow(inject("A", end="x")),
    ]
    samples += [
        workflow({"name": "A", "type": kind, "end": True})
        for kind in ("event", "switch", "sleep", "callback")
    ]
    samples += [{**RICH, "states": [{**state, "extra": 1}]} for state in RICH["states"]]
    for sample in samples:
        assert full.is_valid(sample) == (not schema_findings(sample)), sample


def test_a_valid_definition_has_no_problems() -> None:
    assert problems_of(workflow(inject("A", transition="B"), inject("B"))) == []


class TestSchema:
    def test_missing_property_names_its_owner(self) -> None:
        problems = problems_of(workflow({"name": "A", "data": {}, "end": True}))
        assert [(p.code, p.message, p.path) for p in problems] == [
            ("schema_violation", "states[0]: 'type' is required", "$.states[0]")
        ]

    def test_unknown_property_is_located_at_its_key(self) -> None:
        text = "id: w\nspecVersion: '0.8'\nstates:\n  - name: A\n    type: inject\n    data: {}\n    foo: 1\n    end: true\n"
        (problem,) = validate_text(text)
        assert (problem.code, problem.line, problem.column) == ("schema_violation", 7, 5)
        assert problem.message == "states[0]: unknown property 'foo'"
        assert problem.path == "$.states[0].foo"

    def test_version_0_7_event_timeout_gets_a_hint(self) -> None:
        switch = {
            "name": "S",
            "type": "switch",
            "eventTimeout": "PT1H",
            "eventConditions": [],
            "defaultCondition": {},
        }
        messages = [p.message for p in problems_of(workflow(switch)) if p.code == "schema_violation"]
        assert "states[0]: unknown property 'eventTimeout' (0.8 puts it in timeouts.eventTimeout)" in messages

    def test_unknown_state_type_lists_the_valid_types(self) -> None:
        (problem,) = problems_of(workflow({"name": "A", "type": "delay", "end": True}))
        assert problem.code == "unknown_state_type"
        assert problem.path == "$.states[0].type"
        for kind in ("event", "operation", "switch", "sleep", "parallel", "inject", "foreach", "callback"):
            assert kind in problem.message

    def test_alternatives_report_the_one_that_was_meant(self) -> None:
        problems = problems_of(workflow(inject("A", end="yes")))
        assert [p.message for p in problems] == ["states[0].end: expected boolean or object, got string"]
        problems = problems_of(workflow(inject("A", end={"terminate": "yes"})))
        assert [p.message for p in problems] == ["states[0].end.terminate: expected boolean, got string"]

    def test_action_needs_exactly_one_kind_of_reference(self) -> None:
        operation = {"name": "A", "type": "operation", "actions": [{"name": "x"}], "end": True}
        assert [p.message for p in problems_of(workflow(operation))] == [
            "states[0].actions[0]: one of 'functionRef', 'eventRef', 'subFlowRef' is required"
        ]

    def test_id_and_key(self) -> None:
        document = workflow(inject("A"))
        del document["id"]
        assert [p.message for p in problems_of(document)] == ["document: one of 'id', 'key' is required"]
        assert codes({**workflow(inject("A")), "key": "k"}) == ["schema_violation"]

    def test_additional_top_level_properties_are_allowed(self) -> None:
        assert problems_of({**workflow(inject("A")), "loglevel": "Info"}) == []


class TestReferences:
    def test_dangling_transition_is_located(self) -> None:
        text = "id: w\nspecVersion: '0.8'\nstates:\n  - name: A\n    type: inject\n    data: {}\n    transition: B\n"
        (problem,) = validate_text(text)
        assert (problem.code, problem.line, problem.column, problem.path) == (
            "unknown_state",
            7,
            5,
            "$.states[0].transition",
        )

    @pytest.mark.parametrize(
        "document",
        [
            workflow(inject("A"), start="Nope"),
            workflow(inject("A", transition={"nextState": "Nope"})),
            workflow(
                {
                    "name": "S",
                    "type": "switch",
                    "dataConditions": [{"condition": ".a", "transition": "Nope"}],
                    "defaultCondition": {"end": True},
                }
            ),
            workflow(inject("A", end=True, compensatedBy="Nope")),
        ],
    )
    def test_unknown_state(self, document: dict[str, Any]) -> None:
        assert "unknown_state" in codes(document)

    def test_duplicate_definitions(self) -> None:
        function = {"name": "f", "operation": "x"}
        event = {"name": "e", "type": "t", "source": "s"}
        document = workflow(inject("A"), inject("A"), functions=[function, function], events=[event, event])
        assert {"duplicate_state", "duplicate_function", "duplicate_event"} <= set(codes(document))

    def test_unknown_function_event_error_and_retry(self) -> None:
        action = {"functionRef": "nof", "retryRef": "nor", "retryableErrors": ["noe"]}
        state = {
            "name": "A",
            "type": "event",
            "onEvents": [{"eventRefs": ["noev"], "actions": [action]}],
            "onErrors": [{"errorRef": "noe2", "end": True}],
            "end": True,
        }
        found = codes(workflow(state))
        assert sorted(found) == [
            "unknown_error",
            "unknown_error",
            "unknown_event",
            "unknown_function",
            "unknown_retry",
        ]

    def test_event_kinds_must_match_their_use(self) -> None:
        events = [
            {"name": "in", "type": "t", "source": "s"},
            {"name": "out", "type": "t", "kind": "produced"},
        ]
        state = {"name": "A", "type": "event", "onEvents": [{"eventRefs": ["out"]}]}
        state["end"] = {"produceEvents": [{"eventRef": "in"}]}
        found = codes(workflow(state, events=events))
        # a produced event without ``kind`` is also how SonataFlow documents read: a warning says so
        assert [code for code in found if code != "sonataflow_dialect"] == [
            "wrong_event_kind",
            "wrong_event_kind",
        ]
        assert found.count("sonataflow_dialect") == 1

    def test_subflow_without_workflow_id(self) -> None:
        operation = {
            "name": "A",
            "type": "operation",
            "actions": [{"subFlowRef": {"version": "1"}}],
            "end": True,
        }
        assert codes(workflow(operation)) == ["invalid_reference"]

    def test_expression_function_calls_are_references(self) -> None:
        functions = [
            {"name": "rest", "operation": "x"},
            {"name": "isAdult", "type": "expression", "operation": ".a"},
        ]
        switch = {
            "name": "S",
            "type": "switch",
            "dataConditions": [
                {"condition": "${ fn:isAdult }", "end": True},
                {"condition": "${ fn:rest }", "end": True},
                {"condition": "${ fn:nothing }", "end": True},
            ],
            "defaultCondition": {"end": True},
        }
        assert codes(workflow(switch, functions=functions)) == ["invalid_reference", "unknown_function"]


class TestFlow:
    def test_start_defaults_to_the_first_state(self) -> None:
        assert codes(workflow(inject("A", transition="B"), inject("B"))) == []

    def test_no_states_means_no_start(self) -> None:
        assert codes(workflow()) == ["missing_start"]

    def test_unreachable_state(self) -> None:
        problems = problems_of(workflow(inject("A"), inject("Island")))
        assert [(p.code, p.path) for p in problems] == [("unreachable_state", "$.states[1]")]

    def test_cycle_without_exit(self) -> None:
        found = codes(workflow(inject("A", transition="B"), inject("B", transition="A")))
        assert found == ["no_exit_path", "no_exit_path"]

    def test_cycle_with_an_exit_is_fine(self) -> None:
        switch = {
            "name": "S",
            "type": "switch",
            "dataConditions": [{"condition": ".done", "end": True}],
            "defaultCondition": {"transition": "A"},
        }
        assert codes(workflow(inject("A", transition="S"), switch)) == []

    def test_ending_only_through_an_error_handler_is_a_warning(self) -> None:
        errors = [{"name": "boom"}]
        a = inject("A", transition="B", onErrors=[{"errorRef": "boom", "end": True}])
        problems = problems_of(workflow(a, inject("B", transition="A"), errors=errors))
        assert [(p.code, p.severity, p.path) for p in problems] == [
            ("ends_only_by_error", "warning", "$.states[0]"),
            ("ends_only_by_error", "warning", "$.states[1]"),
        ]

    def test_run_before_and_compensation_states_are_reachable(self) -> None:
        timeouts = {"workflowExecTimeout": {"duration": "PT1H", "runBefore": "Cleanup"}}
        a = inject("A", end=True, compensatedBy="Undo")
        undo = {"name": "Undo", "type": "inject", "data": {}, "usedForCompensation": True}
        assert codes(workflow(a, undo, inject("Cleanup"), timeouts=timeouts)) == []

    def test_compensation_rules(self) -> None:
        a = inject("A", transition="Undo", compensatedBy="NotMarked")
        undo = {
            "name": "Undo",
            "type": "inject",
            "data": {},
            "usedForCompensation": True,
            "compensatedBy": "Undo",
        }
        assert codes(workflow(a, undo, inject("NotMarked"))).count("invalid_compensation") == 3

    def test_transition_and_end_are_exclusive(self) -> None:
        assert codes(workflow(inject("A", transition="B", end=True), inject("B"))) == [
            "conflicting_transition"
        ]
        assert codes(workflow({"name": "A", "type": "inject", "data": {}})) == ["missing_transition"]
        assert codes(workflow(inject("A", end=False, transition="B"), inject("B"))) == []

    def test_switch_has_one_kind_of_condition(self) -> None:
        switch = {
            "name": "S",
            "type": "switch",
            "dataConditions": [{"condition": ".a", "end": True}],
            "eventConditions": [{"eventRef": "e", "end": True}],
            "defaultCondition": {"end": True},
        }
        events = [{"name": "e", "type": "t", "source": "s"}]
        assert codes(workflow(switch, events=events)) == ["invalid_state"]


class TestValues:
    @pytest.mark.parametrize(
        ("field", "state"),
        [
            ("duration", {"name": "A", "type": "sleep", "duration": "5 seconds", "end": True}),
            ("timeouts", inject("A", timeouts={"stateExecTimeout": {"total": "PT1X"}})),
            (
                "action sleep",
                {
                    "name": "A",
                    "type": "operation",
                    "actions": [{"subFlowRef": "w", "sleep": {"after": "1s"}}],
                    "end": True,
                },
            ),
        ],
    )
    def test_invalid_durations(self, field: str, state: dict[str, Any]) -> None:
        assert codes(workflow(state)) == ["invalid_duration"], field

    def test_retry_and_schedule_durations(self) -> None:
        retries = [{"name": "r", "maxAttempts": 3, "delay": "PT1S", "maxDelay": "soon", "increment": "PT1S"}]
        document = workflow(inject("A"), retries=retries, start={"stateName": "A", "schedule": "R/P1Q"})
        assert codes(document) == ["invalid_duration", "invalid_duration"]
        assert (
            codes(workflow(inject("A"), start={"stateName": "A", "schedule": "R5/2024-01-01T00:00:00Z/PT2H"}))
            == []
        )

    def test_invalid_cron(self) -> None:
        start = {"stateName": "A", "schedule": {"cron": "every day"}}
        assert codes(workflow(inject("A"), start=start)) == ["invalid_cron"]

    def test_invalid_jq_is_located(self) -> None:
        text = "id: w\nspecVersion: '0.8'\nstates:\n  - name: A\n    type: inject\n    data: {}\n    stateDataFilter:\n      output: '${ .a | }'\n    end: true\n"
        (problem,) = validate_text(text)
        assert (problem.code, problem.line, problem.path) == (
            "invalid_expression",
            8,
            "$.states[0].stateDataFilter.output",
        )

    @pytest.mark.parametrize("expression", ["$ENV.HOME", "env.PATH", "now", "input", ".a | now | floor"])
    def test_forbidden_builtins(self, expression: str) -> None:
        state = inject("A", stateDataFilter={"output": "${ " + expression + " }"})
        assert "forbidden_builtin" in codes(workflow(state))

    def test_conditions_filters_and_operations_are_expressions_without_wrapper(self) -> None:
        functions = [{"name": "f", "type": "expression", "operation": "env"}]
        switch = {
            "name": "S",
            "type": "switch",
            "dataConditions": [{"condition": ".a >", "end": True}],
            "defaultCondition": {"transition": "O"},
        }
        action = {"functionRef": "f", "actionDataFilter": {"results": "$ENV"}}
        operation = {"name": "O", "type": "operation", "actions": [action], "end": True}
        found = codes(workflow(switch, operation, functions=functions))
        assert sorted(found) == ["forbidden_builtin", "forbidden_builtin", "invalid_expression"]

    def test_arguments_are_expressions_only_when_wrapped(self) -> None:
        functions = [{"name": "f", "operation": "x"}]
        arguments = {"plain": "now is the time", "nested": {"list": ["${ $ENV }"]}}
        action = {"functionRef": {"refName": "f", "arguments": arguments}}
        operation = {"name": "O", "type": "operation", "actions": [action], "end": True}
        problems = problems_of(workflow(operation, functions=functions))
        assert [(p.code, p.path) for p in problems] == [
            ("forbidden_builtin", "$.states[0].actions[0].functionRef.arguments.nested.list[0]")
        ]

    def test_many_problems_in_one_expression_batch_are_each_found(self) -> None:
        states = [
            inject(f"S{i}", transition=f"S{i + 1}", stateDataFilter={"output": f"${{ .v{i} }}"})
            for i in range(40)
        ]
        states[7]["stateDataFilter"]["output"] = "${ .a | }"
        states[31]["stateDataFilter"]["output"] = "${ $ENV }"
        states.append(inject("S40"))
        problems = problems_of(workflow(*states))
        assert [(p.code, p.path) for p in problems] == [
            ("invalid_expression", "$.states[7].stateDataFilter.output"),
            ("forbidden_builtin", "$.states[31].stateDataFilter.output"),
        ]

    def test_an_expression_past_the_evaluator_limits_is_reported_not_raised(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        real = expressions.find_problems

        def find_problems(program: str, known: frozenset[str] | None = None) -> list[tuple[str, str]]:
            if "slow_marker" in program:
                raise ExpressionLimitExceeded("expression exceeded its 1 s time limit")
            return real(program, known)

        monkeypatch.setattr(expressions, "find_problems", find_problems)
        states = [
            inject(f"S{i}", transition=f"S{i + 1}", stateDataFilter={"output": f"${{ .w{i} }}"})
            for i in range(9)
        ]
        states[4]["stateDataFilter"]["output"] = "${ .slow_marker }"
        problems = problems_of(workflow(*states, inject("S9")))
        assert [(p.code, p.path) for p in problems] == [
            ("invalid_expression", "$.states[4].stateDataFilter.output")
        ]
        assert "could not be checked" in problems[0].message

    def test_an_unended_string_cannot_hide_in_a_batch(self) -> None:
        a = inject("A", transition="B", stateDataFilter={"output": '${ "abc }'})
        b = inject("B", stateDataFilter={"output": '${ def" }'})
        assert codes(workflow(a, b)) == ["invalid_expression", "invalid_expression"]


class TestUnsupported:
    @pytest.mark.parametrize("kind", ["graphql", "odata", "asyncapi"])
    def test_function_types(self, kind: str) -> None:
        document = workflow(inject("A"), functions=[{"name": "f", "operation": "x", "type": kind}])
        assert codes(document) == ["unsupported_feature"]

    @pytest.mark.parametrize(
        "top",
        [
            {"expressionLang": "javascript"},
            {"auth": [{"name": "a", "properties": {"token": "t"}}]},
            {"secrets": ["PASSWORD"]},
            {"specVersion": "0.7"},
            {"functions": [{"name": "f", "operation": "x", "authRef": "a"}]},
        ],
    )
    def test_refused_features(self, top: dict[str, Any]) -> None:
        assert codes(workflow(inject("A"), **top)) == ["unsupported_feature"]

    @pytest.mark.parametrize("kind", ["rest", "custom", "expression"])
    def test_supported_function_types(self, kind: str) -> None:
        assert codes(workflow(inject("A"), functions=[{"name": "f", "operation": ".a", "type": kind}])) == []


class TestApi:
    def test_problems_are_sorted_by_line_and_all_reported(self) -> None:
        text = (
            "id: w\nspecVersion: '0.8'\nstates:\n"
            "  - name: A\n    type: sleep\n    duration: soon\n    transition: Missing\n"
            "  - name: B\n    type: inject\n    data: {}\n    end: true\n"
        )
        problems = validate_text(text)
        assert [(p.code, p.line) for p in problems] == [
            ("invalid_duration", 6),
            ("unknown_state", 7),
            ("unreachable_state", 8),
        ]

    def test_loading_problems_come_back_as_problems(self) -> None:
        assert [p.code for p in validate_text("a: [\n")] == ["parse_error"]
        assert [p.code for p in validate_file("/nonexistent/flow.yaml")] == ["file_not_found"]

    def test_load_valid_raises_with_errors_only(self, tmp_path: Path) -> None:
        with pytest.raises(DocumentError) as caught:
            load_valid(json.dumps(workflow(inject("A", transition="B"))))
        assert [p.code for p in caught.value.problems] == ["unknown_state"]
        errors = [{"name": "boom"}]
        a = inject("A", transition="B", onErrors=[{"errorRef": "boom", "end": True}])
        b = {"name": "B", "type": "switch", "dataConditions": [{"condition": ".x", "transition": "A"}]}
        b["defaultCondition"] = {"transition": "A"}
        warned = json.dumps(workflow(a, b, errors=errors))
        assert {p.severity for p in validate_text(warned)} == {"warning"}
        assert load_valid(warned).data["id"] == "w"
        path = tmp_path / "flow.json"
        path.write_text(warned)
        assert load_valid(path).source == str(path)

    def test_a_thousand_states_validate_clean(self) -> None:
        """Speed is measured by ``bench/compile.py`` side by side, never by a timed assertion here."""
        document = load_text(generate_document(1000), source="big.yaml")
        assert validate(document) == []
        assert len(document.data["states"]) == 1000


def broken_cases() -> list[Path]:
    return sorted(path for path in BROKEN.iterdir() if path.suffix in (".yaml", ".json"))


@pytest.mark.parametrize("path", broken_cases(), ids=lambda path: path.name)
def test_broken_corpus(path: Path) -> None:
    """Each file says on its first line which problem comes first: ``# expect: <line>:<col> <code>``."""
    first, _, rest = path.read_text().partition("\n")
    expected = EXPECT.match(first)
    assert expected, f"{path.name}: first line must be '# expect: <line>:<col> <code>'"
    # JSON has no comments: blank the expectation line out, keeping every other line where it is.
    text = "\n" + rest if path.suffix == ".json" else path.read_text()
    # the hint that a document reads like SonataFlow's (a kind-less produced event) is not what these test
    problems = [p for p in validate_text(text, source=path.name) if p.code != "sonataflow_dialect"]
    assert problems, f"{path.name} was accepted"
    assert all(p.line is not None and p.column is not None for p in problems)
    got = problems[0]
    assert (got.line, got.column, got.code) == (int(expected[1]), int(expected[2]), expected[3]), problems


RICH = workflow(
    {
        "name": "Wait",
        "type": "event",
        "onEvents": [{"eventRefs": ["in"], "actions": [{"functionRef": "f"}]}],
        "timeouts": {"eventTimeout": "PT1M"},
        "onErrors": [{"errorRef": "boom", "transition": "Work"}],
        "transition": "Work",
        "compensatedBy": "Undo",
    },
    {
        "name": "Work",
        "type": "operation",
        "actions": [
            {
                "functionRef": {"refName": "f", "arguments": {"a": "${ .a }"}},
                "retryRef": "r",
                "retryableErrors": ["boom"],
            },
            {"eventRef": {"triggerEventRef": "out", "resultEventRef": "in", "data": "${ . }"}},
            {"subFlowRef": {"workflowId": "child", "version": "1"}, "sleep": {"after": "PT1S"}},
        ],
        "stateDataFilter": {"output": "${ . }"},
        "transition": {"nextState": "Decide", "produceEvents": [{"eventRef": "out"}]},
    },
    {
        "name": "Decide",
        "type": "switch",
        "dataConditions": [{"condition": ".done", "end": True}],
        "defaultCondition": {"transition": "Fan"},
    },
    {
        "name": "Fan",
        "type": "parallel",
        "branches": [{"name": "b", "actions": [{"functionRef": "g"}]}],
        "completionType": "atLeast",
        "numCompleted": 1,
        "transition": "Each",
    },
    {
        "name": "Each",
        "type": "foreach",
        "inputCollection": ".items",
        "actions": [{"functionRef": "g"}],
        "transition": "Ask",
    },
    {
        "name": "Ask",
        "type": "callback",
        "action": {"functionRef": "f"},
        "eventRef": "in",
        "transition": "Nap",
    },
    {"name": "Nap", "type": "sleep", "duration": "PT1S", "end": {"terminate": True}},
    {"name": "Undo", "type": "inject", "data": {}, "usedForCompensation": True},
    start={"stateName": "Wait", "schedule": {"cron": "0 * * * *"}},
    timeouts={"workflowExecTimeout": {"duration": "PT1H", "runBefore": "Nap"}},
    functions=[{"name": "f", "operation": "x"}, {"name": "g", "type": "expression", "operation": ".a"}],
    events=[{"name": "in", "type": "t", "source": "s"}, {"name": "out", "type": "t", "kind": "produced"}],
    errors=[{"name": "boom"}],
    retries=[{"name": "r", "maxAttempts": 3, "delay": "PT1S"}],
)
JUNK = [
    7,
    -1,
    1.5,
    None,
    True,
    False,
    "",
    "x",
    "${ . }",
    "${ $ENV }",
    [],
    [1, "a", None],
    {},
    {"a": [1]},
    ...,
]


def _paths(node: Any, path: tuple = ()) -> list[tuple]:
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    return [path] + [found for key, value in children for found in _paths(value, path + (key,))]


def test_the_rich_document_is_valid() -> None:
    assert problems_of(RICH) == []


def test_any_broken_node_gives_problems_never_a_traceback() -> None:
    """Replace (or delete) nodes of a valid definition by junk: always a list of located problems."""
    chooser = random.Random(20240601)
    cases = [(path, junk) for path in _paths(RICH)[1:] for junk in JUNK]
    for path, junk in chooser.sample(cases, 400):
        document = copy.deepcopy(RICH)
        *parents, last = path
        parent: Any = document
        for step in parents:
            parent = parent[step]
        if junk is ...:
            del parent[last]
        else:
            parent[last] = junk
        problems = validate_text(json.dumps(document))
        assert all(isinstance(p, Problem) and p.line and p.column for p in problems), (path, junk)


@pytest.mark.parametrize(
    ("schedule", "where"),
    [
        ("R/PT0.5S", "$.start.schedule.interval"),
        ({"interval": "R/PT1H", "timezone": "Europe/Nowhere"}, "$.start.schedule.timezone"),
        (
            {"cron": {"expression": "0 * * * *", "validUntil": "not-a-date"}},
            "$.start.schedule.cron.validUntil",
        ),
    ],
)
def test_a_schedule_temporal_would_refuse_is_refused_here(schedule: Any, where: str) -> None:
    """Refused when validated: at deploy the refusal came after the version was stored, and at serve's start it
    stopped the server."""
    document = {"id": "tick", "specVersion": "0.8", "start": {"stateName": "S", "schedule": schedule},
                "states": [{"name": "S", "type": "inject", "data": {}, "end": True}]}  # fmt: skip
    problems = validate_text(json.dumps(document))
    assert [(p.code, p.path) for p in problems] == [("invalid_schedule", where)]


@pytest.mark.parametrize(
    "identifier", ["x" * 201, "two words", "new\nline", "nul\u0000", "..", "a/../b", "./a"]
)
def test_an_id_that_cannot_name_a_definition_everywhere_is_refused(identifier: str) -> None:
    document = {"id": identifier, "specVersion": "0.8", "start": "S",
                "states": [{"name": "S", "type": "inject", "data": {}, "end": True}]}  # fmt: skip
    assert [(p.code, p.path) for p in validate_text(json.dumps(document))] == [("invalid_id", "$.id")]


def test_an_ordinary_id_passes() -> None:
    document = {"id": "orders.v2-eu_1", "specVersion": "0.8", "start": "S",
                "states": [{"name": "S", "type": "inject", "data": {}, "end": True}]}  # fmt: skip
    assert validate_text(json.dumps(document)) == []
