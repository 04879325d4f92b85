"""The 1.0 front end without a server: problems (codes, paths, lines) and the IR (round trips and lowering)."""

from __future__ import annotations

import json

import pytest
from temporalio.converter import DataConverter

from swengine.compiler.pipeline import compile_text
from swengine.core import ir
from swengine.core import ir_tasks as t
from swengine.core.ir_codec import decode_ir, encode
from swengine.dsl.validator import validate_text
from tests import ctk

HEAD = "document: {dsl: '1.0.3', namespace: unit, name: check, version: '1.0.0'}\n"

PROBLEMS = {
    "duplicate_task": "do:\n  - a: {set: {x: 1}}\n  - a: {set: {x: 2}}\n",
    "unknown_task": "do:\n  - outer:\n      do:\n        - a: {set: {x: 1}, then: b}\n  - b: {set: {x: 1}}\n",
    "unknown_error": "do:\n  - a: {raise: {error: missing}}\n",
    "unknown_retry": "do:\n  - a: {try: [{b: {set: {x: 1}}}], catch: {retry: missing}}\n",
    "unknown_timeout": "do:\n  - a: {set: {x: 1}, timeout: missing}\n",
    "unknown_function": "do:\n  - a: {call: missing}\n",
    "invalid_duration": "do:\n  - a: {wait: soon}\n",
    "invalid_expression": "do:\n  - a: {set: {x: '${ .a + }'}}\n",
    "forbidden_builtin": "do:\n  - a: {switch: [{b: {when: 'env.HOME', then: end}}]}\n",
    "invalid_schema": "do:\n  - a: {set: {x: 1}, output: {schema: {document: {type: 12}}}}\n",
    "invalid_cron": "schedule: {cron: 'not a cron'}\ndo:\n  - a: {set: {x: 1}}\n",
    "invalid_schedule": "schedule: {every: {milliseconds: 500}}\ndo:\n  - a: {set: {x: 1}}\n",
    "unsupported_feature": "do:\n  - a: {run: {container: {image: alpine}}}\n",
    "schema_violation": "do:\n  - a: {set: {x: 1}, bogus: true}\n",
    "engine_activity_refused": "do:\n  - a: {call: activity, with: {name: swengine.http, arguments: {secrets: {}}}}\n",
    "unknown_authentication": (
        "do:\n  - a: {call: http, with: {method: get, endpoint: {uri: 'https://a.example', authentication: {use: x}}}}\n"
    ),
}


@pytest.mark.parametrize("code", sorted(PROBLEMS))
def test_each_problem_has_its_code_and_a_location(code: str):
    problems = validate_text(HEAD + PROBLEMS[code])
    assert [problem.code for problem in problems] == [code]
    assert problems[0].line and problems[0].line > 1 and problems[0].path.startswith("$.")


def test_a_then_in_a_switch_case_must_name_a_task_of_the_same_list():
    text = (
        HEAD
        + "do:\n  - outer:\n      do:\n        - s: {switch: [{c: {then: far}}]}\n  - far: {set: {x: 1}}\n"
    )
    [problem] = validate_text(text)
    assert (problem.code, problem.path) == ("unknown_task", "$.do[0].outer.do[0].s.switch[0].c.then")


@pytest.mark.parametrize("scenario", ctk.scenarios(), ids=lambda s: s.id)
def test_ctk_workflows_survive_the_codec_and_temporal_s_converter(scenario: ctk.Scenario):
    compiled = compile_text(scenario.definition)
    assert decode_ir(json.loads(json.dumps(encode(compiled)))) == compiled
    payload = DataConverter.default.payload_converter.to_payload(encode(compiled))
    assert decode_ir(DataConverter.default.payload_converter.from_payload(payload)) == compiled


def test_a_function_call_pipes_the_callers_with_into_the_function_and_is_known_by_its_name():
    compiled = compile_text(
        HEAD
        + "use:\n  functions:\n    pet: {call: http, with: {method: get, endpoint: 'https://a.example/{id}'}}\n"
        + "do:\n  - fetch: {call: pet, with: {id: '${ .id }'}}\n"
    )
    [state] = compiled.states
    assert isinstance(state, ir.TasksState)
    [call] = state.tasks
    assert isinstance(call, t.CallTask)
    assert (call.function, call.activity, call.pointer) == ("pet", t.HTTP_ACTIVITY, "/do/0/fetch")


def test_schedule_every_and_cron_become_the_definition_schedule():
    compiled = compile_text(
        HEAD + "schedule: {every: {minutes: 5}, cron: '0 * * * *'}\ndo:\n  - a: {set: {x: 1}}\n"
    )
    assert compiled.schedule == ir.Schedule(interval="PT5M", cron="0 * * * *")


def test_schedule_after_and_on_compile_and_what_the_router_cannot_test_is_refused():
    compiled = compile_text(
        HEAD + "schedule:\n  after: {hours: 1}\n  on: {one: {with: {type: com.example.go, source: /s}}}\n"
        "do:\n  - a: {set: {x: 1}}\n"
    )
    assert compiled.schedule == ir.Schedule(
        after="PT1H", on=[ir.EventDef(name="/schedule/on#0", type="com.example.go", source="/s")]
    )
    refused = {
        "all": "schedule:\n  on: {all: [{with: {type: a}}, {with: {type: b}}]}\n",
        "until": "schedule:\n  on: {any: [{with: {type: a}}], until: '${ true }'}\n",
        "a data filter": "schedule:\n  on: {one: {with: {type: a, data: {x: 1}}}}\n",
        "a computed type": "schedule:\n  on: {any: [{with: {type: '${ .t }'}}]}\n",
        "any event at all": "schedule:\n  on: {any: []}\n",
    }
    for why, text in refused.items():
        problems = validate_text(HEAD + text + "do:\n  - a: {set: {x: 1}}\n")
        assert "unsupported_feature" in [p.code for p in problems], why
        assert all(p.path.startswith("$.schedule.on") for p in problems if p.code == "unsupported_feature")


@pytest.mark.parametrize("section", ["output", "export"])
def test_a_listen_foreach_s_bare_expressions_are_checked_like_any_other(section: str):
    listen = (
        "do:\n  - a:\n      listen: {to: {one: {with: {type: ping}}}}\n"
        f"      foreach: {{item: e, {section}: {{as: '$ENV'}}, do: [{{b: {{set: {{x: 1}}}}}}]}}\n"
    )
    assert [problem.code for problem in validate_text(HEAD + listen)] == ["forbidden_builtin"]
