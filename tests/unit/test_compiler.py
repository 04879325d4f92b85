"""The compiler lowers every piece of 0.8 sugar: each rule checked on a small inline document."""

from __future__ import annotations

import dataclasses
import datetime
import json
from typing import Any, get_args

import jq
import pytest

from swengine.compiler import COMPILE_ERROR, compile_workflow
from swengine.compiler.retries import DEFAULT_AUTO_RETRY
from swengine.compiler.states import COMPILERS
from swengine.core import ir
from swengine.core.errors import SwengineError
from swengine.expressions import templates

FUNCTIONS = [
    {"name": "restFn", "operation": "http://api.example/openapi.json#op"},
    {"name": "customFn", "type": "custom", "operation": "myteam.charge_card"},
    {"name": "builtinFn", "type": "custom", "operation": "builtin.merge"},
    {"name": "exprFn", "type": "expression", "operation": ".count + 1"},
    {"name": "wrappedExprFn", "type": "expression", "operation": "${ .a | length }"},
    {"name": "isAdult", "type": "expression", "operation": ".age >= 18"},
    {"name": "rpcFn", "type": "rpc", "operation": "file://svc.proto#Svc#Method"},
    {"name": "graphqlFn", "type": "graphql", "operation": "https://api.test/graphql#query#orders"},
]
EVENTS = [
    {
        "name": "In",
        "type": "in.type",
        "source": "in/source",
        "correlation": [{"contextAttributeName": "orderid"}],
    },
    {"name": "Other", "type": "other.type", "source": "other/source"},
    {"name": "Out", "type": "out.type", "source": "out/source", "kind": "produced"},
    {"name": "OutNoSource", "type": "out2.type", "kind": "produced"},
]
ERRORS = [{"name": "Unavailable", "code": "503"}, {"name": "NoCode"}]
RETRIES = [
    {"name": "Basic", "delay": "PT3S", "maxAttempts": 10},
    {
        "name": "Full",
        "delay": "PT1S",
        "maxDelay": "PT1M",
        "increment": "PT2S",
        "multiplier": "1.5",
        "maxAttempts": "5",
        "jitter": 0.3,
    },
    {"name": "Never", "maxAttempts": 0},
    {"name": "AbsoluteJitter", "maxAttempts": 2, "jitter": "PT0.001S"},
]


def document(*states: dict[str, Any], **top: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "wf",
        "version": "1.0",
        "specVersion": "0.8",
        "functions": FUNCTIONS,
        "events": EVENTS,
        "errors": ERRORS,
        "retries": RETRIES,
        "states": list(states),
    }
    data.update(top)
    return data


def compile_state(state: dict[str, Any], **top: Any) -> Any:
    return compile_workflow(document(state, **top)).states[0]


def operation(*actions: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"name": "Op", "type": "operation", "actions": list(actions), "end": True, **fields}


def compile_action(action: dict[str, Any], **top: Any) -> ir.Action:
    return compile_state(operation(action), **top).actions[0]


def run(program: str, data: Any) -> Any:
    return jq.compile(program).input_value(data).first()


def assert_compile_error(data: dict[str, Any], fragment: str) -> None:
    with pytest.raises(SwengineError) as caught:
        compile_workflow(data)
    assert caught.value.code == COMPILE_ERROR
    assert fragment in caught.value.message


END = ir.Transition()


# --- workflow level -------------------------------------------------------------------------------


def test_workflow_fields() -> None:
    data = document(
        {"name": "First", "type": "inject", "data": {}, "transition": "Second"},
        {"name": "Second", "type": "inject", "data": {}, "end": True},
        name="Demo",
        keepActive=True,
        constants={"AGE": {"MIN_ADULT": 18}},
    )
    workflow = compile_workflow(data, content_hash="sha256:abc")
    assert workflow.ir_version == ir.IR_VERSION
    assert workflow.id == "wf"
    assert workflow.version == "1.0"
    assert workflow.name == "Demo"
    assert workflow.content_hash == "sha256:abc"
    assert workflow.start == "First"  # no `start`: the first state
    assert workflow.schedule is None
    assert [state.name for state in workflow.states] == ["First", "Second"]
    assert workflow.constants == {"AGE": {"MIN_ADULT": 18}}
    assert workflow.keep_active is True
    assert workflow.auto_retries is False
    assert workflow.data_input_schema is None
    assert workflow.fail_on_invalid_input is True
    assert workflow.workflow_exec_timeout is None


def test_key_stands_in_for_id_and_version_becomes_text() -> None:
    data = document({"name": "S", "type": "inject", "data": {}, "end": True}, version=2.0)
    del data["id"]
    data["key"] = "domain-key"
    workflow = compile_workflow(data)
    assert workflow.id == "domain-key"
    assert workflow.version == "2.0"


def test_start_as_name_and_with_schedules() -> None:
    states = (
        {"name": "A", "type": "inject", "data": {}, "end": True},
        {"name": "B", "type": "inject", "data": {}, "end": True},
    )
    assert compile_workflow(document(*states, start="B")).start == "B"

    interval = compile_workflow(document(*states, start={"stateName": "B", "schedule": "R/PT2H"}))
    assert interval.start == "B"
    assert interval.schedule == ir.Schedule(interval="R/PT2H")

    cron = compile_workflow(
        document(*states, start={"stateName": "A", "schedule": {"cron": "0 0/15 * * * ?"}})
    )
    assert cron.schedule == ir.Schedule(cron="0 0/15 * * * ?")

    until = datetime.datetime(2021, 11, 5, 8, 15, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=-5)))
    schedule = {"cron": {"expression": "0 15,30,45 * ? * *", "validUntil": until}, "timezone": "Europe/Paris"}
    full = compile_workflow(document(*states, start={"stateName": "A", "schedule": schedule}))
    assert full.schedule == ir.Schedule(
        cron="0 15,30,45 * ? * *", cron_valid_until="2021-11-05T08:15:30-05:00", timezone="Europe/Paris"
    )


def test_unknown_start_state_is_refused() -> None:
    assert_compile_error(
        document({"name": "A", "type": "inject", "data": {}, "end": True}, start="Nope"), "Nope"
    )


def test_event_definitions_in_document_order() -> None:
    events = compile_workflow(document({"name": "S", "type": "inject", "data": {}, "end": True})).events
    assert [event.name for event in events] == ["In", "Other", "Out", "OutNoSource"]
    assert events[0] == ir.EventDef(
        name="In",
        type="in.type",
        source="in/source",
        kind="consumed",
        correlation=[ir.Correlation(context_attribute_name="orderid")],
        data_only=True,
    )
    assert events[2].kind == "produced"
    assert events[3].source is None


def test_event_definition_data_only_and_correlation_value() -> None:
    events = [
        {
            "name": "E",
            "type": "t",
            "source": "s",
            "dataOnly": False,
            "correlation": [
                {"contextAttributeName": "patientId"},
                {"contextAttributeName": "department", "contextAttributeValue": "UrgentCare"},
            ],
        }
    ]
    (event,) = compile_workflow(
        document({"name": "S", "type": "inject", "data": {}, "end": True}, events=events)
    ).events
    assert event.data_only is False
    assert event.correlation == [
        ir.Correlation(context_attribute_name="patientId"),
        ir.Correlation(context_attribute_name="department", context_attribute_value="UrgentCare"),
    ]


@pytest.mark.parametrize(
    ("spec", "schema", "fail"),
    [
        ("file://schemas/input.json", None, True),
        ({"schema": "file://schemas/input.json", "failOnValidationErrors": False}, None, False),
        (
            {"schema": {"type": "object", "required": ["a"]}, "failOnValidationErrors": False},
            {"type": "object", "required": ["a"]},
            False,
        ),
        ({"schema": {"type": "object"}}, {"type": "object"}, True),
        ({"type": "object", "properties": {}}, {"type": "object", "properties": {}}, True),
    ],
)
def test_data_input_schema(spec: Any, schema: Any, fail: bool) -> None:
    workflow = compile_workflow(
        document({"name": "S", "type": "inject", "data": {}, "end": True}, dataInputSchema=spec)
    )
    assert workflow.data_input_schema == schema
    assert workflow.fail_on_invalid_input is fail


def test_constants_become_json_native() -> None:
    constants = {"when": datetime.date(2024, 1, 2), "pair": (1, 2), 404: "not found"}
    workflow = compile_workflow(
        document({"name": "S", "type": "inject", "data": {}, "end": True}, constants=constants)
    )
    assert workflow.constants == {"when": "2024-01-02", "pair": [1, 2], "404": "not found"}


def test_unresolved_file_references_are_refused() -> None:
    data = document(
        {"name": "S", "type": "inject", "data": {}, "end": True}, functions="file://functions.json"
    )
    assert_compile_error(data, "loader")
    data = document(
        {"name": "S", "type": "inject", "data": {}, "end": True}, constants="file://constants.json"
    )
    assert_compile_error(data, "constants")


def test_definition_file_wrapper_is_unwrapped() -> None:
    state = operation({"functionRef": "restFn"})
    workflow = compile_workflow(document(state, functions={"functions": FUNCTIONS}))
    assert workflow.states[0].actions[0].call.function == "restFn"


# --- workflow timeouts -----------------------------------------------------------------------------


def test_workflow_exec_timeout_as_string() -> None:
    workflow = compile_workflow(
        document(
            {"name": "S", "type": "inject", "data": {}, "end": True}, timeouts={"workflowExecTimeout": "PT1H"}
        )
    )
    assert workflow.workflow_exec_timeout == "PT1H"
    assert workflow.interrupt_on_timeout is True
    assert workflow.run_before_timeout is None


def test_workflow_exec_timeout_as_object() -> None:
    states = (
        {"name": "Main", "type": "inject", "data": {}, "end": True},
        {"name": "Report", "type": "inject", "data": {}, "end": True},
    )
    timeouts = {"workflowExecTimeout": {"duration": "PT30D", "interrupt": False, "runBefore": "Report"}}
    workflow = compile_workflow(document(*states, timeouts=timeouts))
    assert workflow.workflow_exec_timeout == "PT30D"
    assert workflow.interrupt_on_timeout is False
    assert workflow.run_before_timeout == "Report"
    default_interrupt = {"workflowExecTimeout": {"duration": "PT1H", "runBefore": "Report"}}
    assert compile_workflow(document(*states, timeouts=default_interrupt)).interrupt_on_timeout is True


DEFAULT_TIMEOUTS = {
    "stateExecTimeout": "PT10M",
    "actionExecTimeout": "PT1M",
    "branchExecTimeout": "PT5M",
    "eventTimeout": "PT2H",
}


def test_state_inherits_workflow_timeouts() -> None:
    state = compile_state(operation({"functionRef": "restFn"}), timeouts=DEFAULT_TIMEOUTS)
    assert state.timeouts == ir.StateTimeouts(
        state_exec="PT10M", action_exec="PT1M", event_timeout="PT2H", branch_exec="PT5M"
    )
    assert state.actions[0].timeout == "PT1M"


def test_state_timeouts_override_workflow_defaults() -> None:
    own = {"stateExecTimeout": {"single": "PT1S", "total": "PT30S"}, "actionExecTimeout": "PT5S"}
    state = compile_state(operation({"functionRef": "restFn"}, timeouts=own), timeouts=DEFAULT_TIMEOUTS)
    assert state.timeouts == ir.StateTimeouts(
        state_exec="PT30S", action_exec="PT5S", event_timeout="PT2H", branch_exec="PT5M"
    )
    assert state.actions[0].timeout == "PT5S"


def test_no_timeouts_anywhere() -> None:
    state = compile_state(operation({"functionRef": "restFn"}))
    assert state.timeouts == ir.StateTimeouts()
    assert state.actions[0].timeout is None


# --- functionRef -----------------------------------------------------------------------------------


def test_function_ref_string_to_rest_function() -> None:
    action = compile_action({"functionRef": "restFn"})
    assert action.call == ir.FunctionCall(
        function="restFn",
        type="rest",
        operation="http://api.example/openapi.json#op",
        activity=ir.REST_ACTIVITY,
        arguments_expr=None,
        invoke="sync",
        local=False,
    )


def test_custom_function_names_an_activity() -> None:
    call = compile_action({"functionRef": {"refName": "customFn"}}).call
    assert call == ir.FunctionCall(
        function="customFn", type="custom", operation="myteam.charge_card", activity="myteam.charge_card"
    )


def test_builtin_custom_function_runs_as_local_activity() -> None:
    call = compile_action({"functionRef": "builtinFn"}).call
    assert call.activity == "builtin.merge"
    assert call.local is True


@pytest.mark.parametrize(("name", "program"), [("exprFn", ".count + 1"), ("wrappedExprFn", ".a | length")])
def test_expression_function_is_bare_jq(name: str, program: str) -> None:
    call = compile_action({"functionRef": name}).call
    assert call.type == "expression"
    assert call.expression == program
    assert call.activity is None


def test_literal_arguments_become_a_jq_literal() -> None:
    arguments = {"order": {"id": 7, "tags": ["a", "b"]}, "note": "plain text", "flag": None}
    call = compile_action({"functionRef": {"refName": "customFn", "arguments": arguments}}).call
    assert json.loads(call.arguments_expr) == arguments
    assert run(call.arguments_expr, {"ignored": True}) == arguments


def test_template_arguments_become_one_jq_program() -> None:
    arguments = {
        "name": "${ .person.name }",
        "nested": {"age": "${ .person.age }", "fixed": 1},
        "list": ["${ .person.name }", "x"],
        "title": "${ .book.title | ascii_upcase }",
    }
    call = compile_action({"functionRef": {"refName": "restFn", "arguments": arguments}}).call
    data = {"person": {"name": "Ada", "age": 36}, "book": {"title": "Dune"}}
    assert run(call.arguments_expr, data) == {
        "name": "Ada",
        "nested": {"age": 36, "fixed": 1},
        "list": ["Ada", "x"],
        "title": "DUNE",
    }


def test_arguments_follow_the_expressions_template_rules() -> None:
    # Whether "text ${ .x } text" interpolates is the expressions module's rule; the compiler just delegates.
    arguments = {"message": "Book ${ .book.title } is on loan", "id": "${ .id }"}
    call = compile_action({"functionRef": {"refName": "restFn", "arguments": arguments}}).call
    assert call.arguments_expr == templates.template_to_jq(arguments)


def test_async_function_yields_no_results_and_no_retry() -> None:
    action = compile_action(
        {"functionRef": {"refName": "restFn", "invoke": "async"}, "retryRef": "Basic"}, autoRetries=True
    )
    assert action.call.invoke == "async"
    assert action.use_results is False
    assert action.retry is None
    assert action.auto_retries is False
    async_with_errors = {
        "functionRef": {"refName": "restFn", "invoke": "async"},
        "retryableErrors": ["Unavailable"],
    }
    assert compile_action(async_with_errors).retryable_errors is None


def test_parallel_branch_needs_a_name() -> None:
    parallel = {"name": "P", "type": "parallel", "branches": [{"actions": []}], "end": True}
    assert_compile_error(document(parallel), "branch needs a name")


def test_unsupported_and_unknown_functions_are_refused() -> None:
    assert_compile_error(document(operation({"functionRef": "graphqlFn"})), "not supported")
    assert_compile_error(document(operation({"functionRef": "rpcFn"})), "proto was not compiled")
    assert_compile_error(document(operation({"functionRef": "missingFn"})), "missingFn")


# --- subFlowRef ------------------------------------------------------------------------------------


def test_subflow_ref_string() -> None:
    assert compile_action({"subFlowRef": "child"}).call == ir.SubflowCall(workflow_id="child")


def test_subflow_ref_object() -> None:
    ref = {"workflowId": "child", "version": 2.0, "invoke": "async", "onParentComplete": "continue"}
    assert compile_action({"subFlowRef": ref}).call == ir.SubflowCall(
        workflow_id="child", version="2.0", invoke="async", on_parent_complete="continue"
    )


# --- eventRef --------------------------------------------------------------------------------------


def test_event_ref_produces_then_waits() -> None:
    action = {
        "eventRef": {
            "triggerEventRef": "Out",
            "resultEventRef": "In",
            "data": "${ .patientInfo }",
            "contextAttributes": {"orderid": "${ .order.id }", "tenant": "acme"},
        },
        "sleep": {"before": "PT1S", "after": "PT2S"},
        "actionDataFilter": {"results": "${ .appointment }"},
    }
    state = compile_state(operation(action, timeouts={"actionExecTimeout": "PT15M"}))
    compiled = state.actions[0]
    call = compiled.call
    assert isinstance(call, ir.EventCall)
    assert call.produce.event == "Out"
    assert call.produce.type == "out.type"
    assert call.produce.source == "out/source"
    assert call.produce.data is None
    assert call.produce.data_expr == ".patientInfo"
    attributes = {
        key: run(program, {"order": {"id": "o-1"}})
        for key, program in call.produce.context_attributes.items()
    }
    assert attributes == {"orderid": "o-1", "tenant": "acme"}
    assert call.result_event == "In"
    assert call.result_timeout == "PT15M"  # defaults to the actionExecTimeout
    assert call.invoke == "sync"
    assert compiled.results == ".appointment"
    assert (compiled.sleep_before, compiled.sleep_after) == (None, None)  # sleep does not apply to eventRef


def test_event_ref_own_timeout_and_literal_data() -> None:
    ref = {
        "triggerEventRef": "OutNoSource",
        "resultEventRef": "In",
        "resultEventTimeout": "PT1M",
        "data": {"a": 1},
    }
    call = (
        compile_state(operation({"eventRef": ref}, timeouts={"actionExecTimeout": "PT15M"})).actions[0].call
    )
    assert call.result_timeout == "PT1M"
    assert call.produce.data == {"a": 1}
    assert call.produce.data_expr is None
    assert call.produce.source is None


def test_event_ref_async_has_no_results() -> None:
    ref = {"triggerEventRef": "Out", "resultEventRef": "In", "invoke": "async"}
    action = compile_action({"eventRef": ref})
    assert action.call.invoke == "async"
    assert action.use_results is False


# --- actions ---------------------------------------------------------------------------------------


def test_action_condition_and_data_filter() -> None:
    action = compile_action(
        {
            "name": "Charge",
            "functionRef": "restFn",
            "condition": "${ .amount > 10 }",
            "actionDataFilter": {
                "fromStateData": "${ .order }",
                "results": "${ .receipt }",
                "toStateData": "${ .payment }",
            },
            "sleep": {"before": "PT1S", "after": "PT2S"},
        }
    )
    assert action.name == "Charge"
    assert action.condition == ".amount > 10"
    assert (action.from_state_data, action.results, action.to_state_data) == (
        ".order",
        ".receipt",
        ".payment",
    )
    assert action.use_results is True
    assert (action.sleep_before, action.sleep_after) == ("PT1S", "PT2S")
    assert action.retry is None
    assert action.auto_retries is False


def test_action_bare_expressions_and_use_results_false() -> None:
    action = compile_action(
        {
            "functionRef": "exprFn",
            "condition": ".go",
            "actionDataFilter": {"toStateData": ".counts.current", "useResults": False},
        }
    )
    assert action.condition == ".go"
    assert action.to_state_data == ".counts.current"
    assert action.use_results is False


def test_retry_ref_resolved() -> None:
    action = compile_action(
        {"functionRef": "restFn", "retryRef": "Basic", "retryableErrors": ["Unavailable", "NoCode"]}
    )
    assert action.retry == ir.Retry(name="Basic", delay="PT3S", max_attempts=10)
    assert action.retryable_errors == ["Unavailable", "503", "NoCode"]
    assert action.non_retryable_errors is None


def test_retry_numbers_written_as_strings() -> None:
    action = compile_action({"functionRef": "restFn", "retryRef": "Full"})
    assert action.retry == ir.Retry(
        name="Full",
        delay="PT1S",
        max_delay="PT1M",
        increment="PT2S",
        multiplier=1.5,
        max_attempts=5,
        jitter=0.3,
    )
    assert isinstance(action.retry.max_attempts, int)


def test_retry_zero_attempts_means_no_retries_and_absolute_jitter_is_dropped() -> None:
    assert compile_action({"functionRef": "restFn", "retryRef": "Never"}).retry.max_attempts == 1
    absolute = compile_action({"functionRef": "restFn", "retryRef": "AbsoluteJitter"}).retry
    assert (absolute.max_attempts, absolute.jitter) == (2, None)


def test_auto_retries_fill_the_default_and_keep_non_retryable_errors() -> None:
    action = compile_action(
        {"functionRef": "restFn", "nonRetryableErrors": ["Unavailable"], "retryableErrors": ["NoCode"]},
        autoRetries=True,
    )
    assert action.auto_retries is True
    assert action.retry == DEFAULT_AUTO_RETRY
    assert action.non_retryable_errors == ["Unavailable", "503"]
    assert action.retryable_errors is None  # the spec: only used without autoRetries
    explicit = compile_action({"functionRef": "restFn", "retryRef": "Basic"}, autoRetries=True)
    assert explicit.retry.name == "Basic"


def test_unknown_retry_and_error_refs_are_refused() -> None:
    assert_compile_error(document(operation({"functionRef": "restFn", "retryRef": "Nope"})), "Nope")
    assert_compile_error(document(operation({"functionRef": "restFn", "retryableErrors": ["Nope"]})), "Nope")


# --- transitions -----------------------------------------------------------------------------------


def inject(**fields: Any) -> dict[str, Any]:
    return {"name": "S", "type": "inject", "data": {}, **fields}


def test_transition_string_and_end_true() -> None:
    assert compile_state(inject(transition="Next")).transition == ir.Transition(next_state="Next")
    end = compile_state(inject(end=True)).transition
    assert end == END
    assert end.is_end


def test_transition_object_with_events_and_compensation() -> None:
    transition = {
        "nextState": "Next",
        "compensate": True,
        "produceEvents": [{"eventRef": "Out", "data": "${ .result }", "contextAttributes": {"k": "v"}}],
    }
    folded = compile_state(inject(transition=transition)).transition
    assert folded.next_state == "Next"
    assert folded.compensate is True
    assert folded.terminate is False
    assert folded.produce_events == [
        ir.ProducedEvent(
            event="Out",
            type="out.type",
            source="out/source",
            data_expr=".result",
            context_attributes={"k": '"v"'},
        )
    ]


def test_end_object() -> None:
    end = {
        "terminate": True,
        "compensate": True,
        "produceEvents": [
            {"eventRef": "Out"},
            {"eventRef": "OutNoSource", "data": {"fixed": [1, 2]}},
            {
                "eventRef": "Out",
                "data": {"total": "${ .sum }"},
                "contextAttributes": [{"buyer": "${ .buyer }"}],
            },
        ],
    }
    folded = compile_state(inject(end=end)).transition
    assert folded.is_end and folded.terminate and folded.compensate
    plain, literal, template = folded.produce_events
    assert (plain.data, plain.data_expr, plain.context_attributes) == (None, None, {})
    assert (literal.data, literal.data_expr, literal.source) == ({"fixed": [1, 2]}, None, None)
    assert template.data is None
    assert run(template.data_expr, {"sum": 3}) == {"total": 3}
    assert run(template.context_attributes["buyer"], {"buyer": "b-1"}) == "b-1"


def test_continue_as_string_assumes_terminate() -> None:
    folded = compile_state(inject(end={"continueAs": "other"})).transition
    assert folded.continue_as == ir.ContinueAs(workflow_id="other")
    assert folded.terminate is True
    assert folded.is_end


def test_continue_as_object() -> None:
    continue_as = {
        "workflowId": "wf",
        "version": "1.0",
        "data": "${ del(.customerCount) }",
        "workflowExecTimeout": {"duration": "PT1H", "runBefore": "X"},
    }
    folded = compile_state(inject(end={"continueAs": continue_as})).transition
    assert folded.continue_as == ir.ContinueAs(
        workflow_id="wf", version="1.0", data_expr="del(.customerCount)", workflow_exec_timeout="PT1H"
    )
    literal = compile_state(
        inject(end={"continueAs": {"workflowId": "wf", "data": {"n": 0}, "workflowExecTimeout": "PT2H"}})
    )
    assert literal.transition.continue_as == ir.ContinueAs(
        workflow_id="wf", data={"n": 0}, workflow_exec_timeout="PT2H"
    )


def test_transition_and_end_together_or_missing_are_refused() -> None:
    assert_compile_error(document(inject(transition="A", end=True)), "both")
    assert_compile_error(document(inject()), "neither")


def test_compensation_state_ends_without_transition_and_ignores_end() -> None:
    assert compile_state(inject(usedForCompensation=True)).transition == END
    ignored = compile_state(inject(usedForCompensation=True, end={"produceEvents": [{"eventRef": "Out"}]}))
    assert ignored.transition == END
    chained = compile_state(inject(usedForCompensation=True, transition="Next"))
    assert chained.transition == ir.Transition(next_state="Next")


def test_produced_event_must_be_defined() -> None:
    assert_compile_error(document(inject(end={"produceEvents": [{"eventRef": "Missing"}]})), "Missing")


# --- onErrors --------------------------------------------------------------------------------------


def test_error_handlers() -> None:
    on_errors = [
        {"errorRef": "Unavailable", "transition": "Retry"},
        {"errorRefs": ["NoCode", "Unavailable"], "end": {"terminate": True}},
        {"errorRef": "*", "end": True},
    ]
    handlers = compile_state(operation({"functionRef": "restFn"}, onErrors=on_errors)).on_errors
    assert handlers == [
        ir.ErrorHandler(errors=["Unavailable", "503"], transition=ir.Transition(next_state="Retry")),
        ir.ErrorHandler(errors=["NoCode", "Unavailable", "503"], transition=ir.Transition(terminate=True)),
        ir.ErrorHandler(errors=None, transition=END),
    ]


def test_error_handler_with_unknown_error_is_refused() -> None:
    state = operation({"functionRef": "restFn"}, onErrors=[{"errorRef": "Nope", "end": True}])
    assert_compile_error(document(state), "Nope")


# --- state kinds -----------------------------------------------------------------------------------


def test_every_ir_state_kind_has_a_compiler() -> None:
    kinds = {cls.__dataclass_fields__["kind"].default for cls in get_args(ir.State)}
    assert kinds == set(COMPILERS) | {"tasks"}  # the one state a 1.0 document compiles to (compiler/tasks)


def test_unknown_state_type_is_refused() -> None:
    assert_compile_error(document({"name": "S", "type": "delay", "end": True}), "unknown state type")


def test_state_common_fields() -> None:
    states = (
        operation(
            {"functionRef": "restFn"},
            stateDataFilter={"input": "${ .order }", "output": ".result"},
            compensatedBy="Undo",
        ),
        {
            "name": "Undo",
            "type": "operation",
            "usedForCompensation": True,
            "actions": [{"functionRef": "restFn"}],
        },
    )
    main, undo = compile_workflow(document(*states)).states
    assert main.input_filter == ".order"
    assert main.output_filter == ".result"
    assert main.compensated_by == "Undo"
    assert main.used_for_compensation is False
    assert main.on_errors == []
    assert undo.used_for_compensation is True
    assert undo.transition == END


def test_operation_state() -> None:
    state = compile_state(
        operation({"functionRef": "restFn"}, {"subFlowRef": "child"}, actionMode="parallel")
    )
    assert isinstance(state, ir.OperationState)
    assert state.kind == "operation"
    assert state.action_mode == "parallel"
    assert [type(action.call) for action in state.actions] == [ir.FunctionCall, ir.SubflowCall]
    assert compile_state(operation({"functionRef": "restFn"})).action_mode == "sequential"


def test_inject_state() -> None:
    state = compile_state(inject(data={"greeting": "Hello", "at": datetime.date(2024, 5, 1)}, end=True))
    assert isinstance(state, ir.InjectState)
    assert state.data == {"greeting": "Hello", "at": "2024-05-01"}


def test_sleep_state() -> None:
    state = compile_state({"name": "Wait", "type": "sleep", "duration": "PT5S", "transition": "Next"})
    assert state == ir.SleepState(name="Wait", duration="PT5S", transition=ir.Transition(next_state="Next"))


def test_data_switch() -> None:
    switch = {
        "name": "Check",
        "type": "switch",
        "dataConditions": [
            {"name": "adult", "condition": "${ .age >= 18 }", "transition": "Adult"},
            {"condition": ".age < 18", "end": {"terminate": True}},
            {"condition": "${ fn:isAdult }", "transition": "Adult"},
        ],
        "defaultCondition": {"end": True},
    }
    state = compile_state(switch)
    assert isinstance(state, ir.SwitchState)
    assert state.data_conditions == [
        ir.DataCondition(condition=".age >= 18", transition=ir.Transition(next_state="Adult"), name="adult"),
        ir.DataCondition(condition=".age < 18", transition=ir.Transition(terminate=True)),
        ir.DataCondition(condition=".age >= 18", transition=ir.Transition(next_state="Adult")),
    ]
    assert state.event_conditions == []
    assert state.default == END


def test_event_switch() -> None:
    switch = {
        "name": "Wait",
        "type": "switch",
        "eventConditions": [
            {
                "name": "in",
                "eventRef": "In",
                "transition": "Handle",
                "eventDataFilter": {"data": "${ .payload }", "toStateData": "${ .received }"},
            },
            {"eventRef": "Other", "end": True},
        ],
        "timeouts": {"eventTimeout": "PT1H"},
        "defaultCondition": {"transition": "TimedOut"},
    }
    state = compile_state(switch)
    assert state.event_conditions == [
        ir.EventCondition(
            event="In",
            transition=ir.Transition(next_state="Handle"),
            name="in",
            data_filter=ir.EventDataFilter(data=".payload", to_state_data=".received"),
        ),
        ir.EventCondition(event="Other", transition=END),
    ]
    assert state.timeouts.event_timeout == "PT1H"
    assert state.default == ir.Transition(next_state="TimedOut")


def test_event_switch_inherits_workflow_event_timeout() -> None:
    switch = {
        "name": "W",
        "type": "switch",
        "eventConditions": [{"eventRef": "In", "end": True}],
        "defaultCondition": {"end": True},
    }
    assert compile_state(switch, timeouts={"eventTimeout": "PT3H"}).timeouts.event_timeout == "PT3H"


def test_fn_reference_must_name_an_expression_function() -> None:
    switch = {
        "name": "C",
        "type": "switch",
        "dataConditions": [{"condition": "${ fn:restFn }", "end": True}],
        "defaultCondition": {"end": True},
    }
    assert_compile_error(document(switch), "expression function")


def test_foreach_state() -> None:
    foreach = {
        "name": "Each",
        "type": "foreach",
        "inputCollection": "${ .orders }",
        "outputCollection": "${ .results }",
        "iterationParam": "order",
        "batchSize": "10",
        "mode": "sequential",
        "actions": [{"functionRef": {"refName": "restFn", "arguments": {"o": "${ .order }"}}}],
        "timeouts": {"actionExecTimeout": "PT10S"},
        "end": True,
    }
    state = compile_state(foreach)
    assert isinstance(state, ir.ForEachState)
    assert state.input_collection == ".orders"
    assert state.output_collection == ".results"
    assert state.iteration_param == "order"
    assert state.batch_size == 10
    assert state.mode == "sequential"
    assert state.actions[0].timeout == "PT10S"
    assert run(state.actions[0].call.arguments_expr, {"order": 3}) == {"o": 3}


def test_foreach_defaults() -> None:
    state = compile_state(
        {"name": "Each", "type": "foreach", "inputCollection": ".items", "actions": [], "end": True}
    )
    assert state.input_collection == ".items"
    assert state.output_collection is None
    assert state.iteration_param == "item"
    assert state.batch_size is None
    assert state.mode == "parallel"


def test_foreach_iteration_param_written_as_expression() -> None:
    foreach = {
        "name": "E",
        "type": "foreach",
        "inputCollection": ".t",
        "iterationParam": "${ .tx }",
        "actions": [],
        "end": True,
    }
    assert compile_state(foreach).iteration_param == "tx"


def test_parallel_state() -> None:
    parallel = {
        "name": "Fan",
        "type": "parallel",
        "branches": [
            {"name": "Quick", "actions": [{"subFlowRef": "quick"}]},
            {
                "name": "Slow",
                "actions": [{"functionRef": "restFn"}],
                "timeouts": {"branchExecTimeout": "PT1H", "actionExecTimeout": "PT30M"},
            },
        ],
        "timeouts": {"branchExecTimeout": "PT10M"},
        "end": True,
    }
    state = compile_state(parallel, timeouts={"actionExecTimeout": "PT1M", "branchExecTimeout": "PT2M"})
    assert isinstance(state, ir.ParallelState)
    quick, slow = state.branches
    assert (quick.name, quick.timeout, quick.action_mode, quick.actions[0].timeout) == (
        "Quick",
        "PT10M",
        "sequential",
        "PT1M",
    )
    assert (slow.name, slow.timeout, slow.actions[0].timeout) == ("Slow", "PT1H", "PT30M")
    assert state.completion_type == "allOf"
    assert state.num_completed == 2


def test_parallel_at_least() -> None:
    parallel = {
        "name": "Fan",
        "type": "parallel",
        "completionType": "atLeast",
        "numCompleted": "1",
        "branches": [{"name": "A", "actions": []}, {"name": "B", "actions": []}],
        "end": True,
    }
    state = compile_state(parallel)
    assert (state.completion_type, state.num_completed) == ("atLeast", 1)
    del parallel["numCompleted"]
    assert_compile_error(document(parallel), "numCompleted")


def test_event_state() -> None:
    event_state = {
        "name": "Listen",
        "type": "event",
        "exclusive": False,
        "onEvents": [
            {
                "eventRefs": ["In", "Other"],
                "actionMode": "parallel",
                "actions": [{"functionRef": "restFn"}],
                "eventDataFilter": {"useData": False, "data": "${ .body }", "toStateData": "${ .event }"},
            },
            {"eventRefs": ["Other"]},
        ],
        "timeouts": {"eventTimeout": "PT5M", "actionExecTimeout": "PT7S"},
        "transition": "Next",
    }
    state = compile_state(event_state)
    assert isinstance(state, ir.EventState)
    assert state.exclusive is False
    first, second = state.on_events
    assert first.event_refs == ["In", "Other"]
    assert first.action_mode == "parallel"
    assert first.actions[0].timeout == "PT7S"
    assert first.data_filter == ir.EventDataFilter(use_data=False, data=".body", to_state_data=".event")
    assert second == ir.OnEvent(event_refs=["Other"])
    assert state.timeouts.event_timeout == "PT5M"
    assert state.transition == ir.Transition(next_state="Next")
    default = compile_state({"name": "L", "type": "event", "onEvents": [{"eventRefs": ["In"]}], "end": True})
    assert default.exclusive is True


def test_event_state_with_unknown_event_is_refused() -> None:
    assert_compile_error(
        document({"name": "L", "type": "event", "onEvents": [{"eventRefs": ["Nope"]}], "end": True}), "Nope"
    )


def test_callback_state() -> None:
    callback = {
        "name": "Ask",
        "type": "callback",
        "action": {"functionRef": {"refName": "customFn", "arguments": {"c": "${ .customer }"}}},
        "eventRef": "In",
        "eventDataFilter": {"data": "${ .decision }"},
        "timeouts": {"stateExecTimeout": "PT15M"},
        "transition": "Decide",
    }
    state = compile_state(callback, timeouts={"eventTimeout": "PT1H", "actionExecTimeout": "PT1M"})
    assert isinstance(state, ir.CallbackState)
    assert state.action.call.activity == "myteam.charge_card"
    assert state.action.timeout == "PT1M"
    assert state.event == "In"
    assert state.data_filter == ir.EventDataFilter(data=".decision")
    assert state.timeouts == ir.StateTimeouts(state_exec="PT15M", action_exec="PT1M", event_timeout="PT1H")
    assert state.transition == ir.Transition(next_state="Decide")


# --- properties of the whole IR --------------------------------------------------------------------


def test_ir_is_json_native_and_deterministic() -> None:
    data = document(
        operation(
            {"functionRef": {"refName": "restFn", "arguments": {"a": "${ .a }"}}, "retryRef": "Full"},
            onErrors=[{"errorRefs": ["Unavailable"], "end": True}],
            end={"produceEvents": [{"eventRef": "Out", "data": {"when": datetime.date(2024, 1, 1)}}]},
        ),
        timeouts=DEFAULT_TIMEOUTS,
    )
    first, second = compile_workflow(data, content_hash="h"), compile_workflow(data, content_hash="h")
    assert first == second
    plain = dataclasses.asdict(first)
    assert json.loads(json.dumps(plain)) == plain  # no tuples, sets, dates or non-string keys survive
