"""The core engine end to end on a real Temporal dev server: our specs and the published examples."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio import activity
from temporalio.client import WorkflowExecutionStatus

from swengine.compiler.pipeline import compile_path, compile_text
from swengine.core.errors import InputError
from swengine.runtime.service import InstanceFailed
from tests.integration.conftest import running

SPECS = Path(__file__).resolve().parents[2] / "specs"


async def test_hello_injects_its_greeting(client):
    ir = compile_path(SPECS / "hello.sw.yaml")
    async with running(client, [ir]) as (service, _):
        assert await service.run(ir, {"who": "me"}) == {"who": "me", "greeting": "Hello from swengine!"}


async def test_builtin_function_with_arguments_and_filters(client):
    ir = compile_path(SPECS / "greeting.sw.yaml")
    async with running(client, [ir]) as (service, _):
        result = await service.run(ir, {"person": {"name": "Ada"}})
    assert result == {"greeting": "Welcome to swengine, Ada!"}


async def test_loop_with_expression_function_and_switch(client):
    ir = compile_path(SPECS / "countdown.sw.yaml")
    async with running(client, [ir]) as (service, _):
        started = await service.start(ir, {"count": 3})
        result = await service.result(started.instance_id)
        status = await service.describe(started.instance_id)
    assert result == {"count": 0, "message": "liftoff"}
    assert status["status"] == "completed"
    assert status["visited"] == ["Check", "Tick", "Check", "Tick", "Check", "Tick", "Check", "Liftoff"]


async def test_retry_then_on_errors_handler(client):
    ir = compile_path(SPECS / "order.sw.yaml")
    attempts: list[str] = []

    @activity.defn(name="builtin.fail")
    async def flaky(arguments: dict) -> dict:
        attempts.append(arguments["message"])
        from temporalio.exceptions import ApplicationError

        raise ApplicationError(arguments["message"], type=arguments["type"])

    async with running(client, [ir], activities=[flaky]) as (service, _):
        result = await service.run(ir, {"customer": "Ada"})
    assert attempts == ["card of Ada declined"] * 2
    assert result == {"customer": "Ada", "status": "declined", "currency": "EUR"}


async def test_unhandled_error_fails_the_instance_with_its_code(client):
    ir = compile_text(
        """
id: failing
specVersion: "0.8"
start: Boom
functions:
  - {name: boom, type: custom, operation: builtin.fail}
states:
  - name: Boom
    type: operation
    actions:
      - functionRef: {refName: boom, arguments: {type: out_of_stock, message: no more}}
    end: true
"""
    )
    async with running(client, [ir]) as (service, _):
        with pytest.raises(InstanceFailed) as failed:
            await service.run(ir, {})
    assert failed.value.code == "out_of_stock"
    assert "no more" in failed.value.message


async def test_parallel_branches_and_foreach_keep_order(client):
    ir = compile_path(SPECS / "fan-out.sw.yaml")
    async with running(client, [ir]) as (service, _):
        result = await service.run(ir, {"numbers": [3, 1, 2]})
    assert result == {"numbers": [3, 1, 2], "left": True, "right": True, "squares": [9, 1, 4]}


async def test_sleep_state_uses_a_durable_timer(client):
    ir = compile_path(SPECS / "nap.sw.yaml")
    async with running(client, [ir]) as (service, _):
        started = await service.start(ir, {})
        assert await service.result(started.instance_id) == {"awake": True}
        history = await service.handle(started.instance_id).fetch_history()
    assert any(e.HasField("timer_started_event_attributes") for e in history.events)


async def test_data_input_schema_refuses_bad_input(client):
    ir = compile_text(
        """
id: typed
specVersion: "0.8"
start: S
dataInputSchema:
  failOnValidationErrors: true
  schema:
    type: object
    required: [amount]
    properties: {amount: {type: number}}
states:
  - {name: S, type: inject, data: {ok: true}, end: true}
"""
    )
    async with running(client, [ir]) as (service, _):
        with pytest.raises(InputError) as refused:
            await service.start(ir, {"amount": "ten"})
        assert "amount" in refused.value.message
        assert await service.run(ir, {"amount": 10}) == {"amount": 10, "ok": True}


async def test_runaway_expression_fails_only_its_instance(client):
    ir = compile_text(
        """
id: runaway
specVersion: "0.8"
start: Spin
functions:
  - {name: spin, type: expression, operation: "until(false; .)"}
states:
  - name: Spin
    type: operation
    actions: [{functionRef: spin}]
    end: true
"""
    )
    hello = compile_path(SPECS / "hello.sw.yaml")
    async with running(client, [ir, hello]) as (service, _):
        with pytest.raises(InstanceFailed) as failed:
            await service.run(ir, {})
        assert failed.value.code == "expression_limit_exceeded"
        assert await service.run(hello, {}) == {"greeting": "Hello from swengine!"}


async def test_state_timeout_is_catchable(client):
    ir = compile_text(
        """
id: slow
specVersion: "0.8"
start: Wait
errors:
  - {name: Took too long, code: timeout}
states:
  - name: Wait
    type: sleep
    duration: PT30S
    timeouts: {stateExecTimeout: PT0.5S}
    onErrors: [{errorRef: Took too long, transition: Late}]
    transition: Late
  - {name: Late, type: inject, data: {late: true}, end: true}
"""
    )
    async with running(client, [ir]) as (service, _):
        assert await service.run(ir, {}) == {"late": True}


async def test_terminate_and_cancel(client):
    ir = compile_text(
        """
id: waits
specVersion: "0.8"
start: Long
states:
  - {name: Long, type: sleep, duration: P1D, end: true}
"""
    )
    async with running(client, [ir]) as (service, _):
        one = await service.start(ir, {})
        two = await service.start(ir, {})
        await service.terminate(one.instance_id)
        await service.cancel(two.instance_id)
        for started, expected in (
            (one, WorkflowExecutionStatus.TERMINATED),
            (two, WorkflowExecutionStatus.CANCELED),
        ):
            with pytest.raises(InstanceFailed):
                await service.result(started.instance_id)
            assert (await service.handle(started.instance_id).describe()).status == expected


async def test_example_01_hello_world(client, examples_dir):
    ir = compile_path(examples_dir / "01-hello-world.json")
    expected = json.loads((examples_dir / "01-hello-world.expected.json").read_text())
    data = json.loads((examples_dir / "01-hello-world.input.json").read_text())
    async with running(client, [ir]) as (service, _):
        assert await service.run(ir, data) == expected


async def test_example_25_filling_a_glass(client, examples_dir):
    ir = compile_path(examples_dir / "25-filling-a-glass-of-water.yaml")
    expected = json.loads((examples_dir / "25-filling-a-glass-of-water.expected.json").read_text())
    data = json.loads((examples_dir / "25-filling-a-glass-of-water.input.json").read_text())
    async with running(client, [ir]) as (service, _):
        assert await service.run(ir, data) == expected


async def test_example_02_greeting_with_mock(client, examples_dir):
    ir = compile_path(examples_dir / "02-greeting.yaml")
    mock = json.loads((examples_dir / "02-greeting.mock-greetingFunction.json").read_text())
    data = json.loads((examples_dir / "02-greeting.input.json").read_text())
    async with running(client, [ir], mocks={"greetingFunction": mock}) as (service, book):
        result = await service.run(ir, data)
    # `results: .greeting` selects a string; 0.8 merging overwrites the state data with a non-object result
    assert result == mock["greeting"]
    assert book.calls["greetingFunction"] == [{"name": "John"}]


async def test_example_09_applicant_rejected(client, examples_dir):
    ir = compile_path(examples_dir / "09-applicant-request-decision.yaml")
    data = json.loads((examples_dir / "09-applicant-request-decision.input.json").read_text())
    async with running(client, [ir], mocks={"sendRejectionEmailFunction": {"sent": True}}) as (service, book):
        started = await service.start(ir, data)
        result = await service.result(started.instance_id)
        status = await service.describe(started.instance_id)
    # the published condition reads `.applicants` (not `.applicant`): null < 18, so the request is rejected
    assert status["visited"] == ["CheckApplication", "RejectApplication"]
    assert result["sent"] is True
    assert book.calls["sendRejectionEmailFunction"] == [{"applicant": data["applicant"]}]


async def test_example_10_error_routes_to_subflow(client, examples_dir):
    ir = compile_path(examples_dir / "10-provision-orders.yaml")
    handler = compile_text(
        """
id: handleMissingIdExceptionWorkflow
specVersion: "0.8"
start: Note
states:
  - {name: Note, type: inject, data: {handled: missing id}, end: true}
"""
    )
    data = json.loads((examples_dir / "10-provision-orders.input.json").read_text())
    mocks = {
        "provisionOrderFunction": {"error": {"type": "Missing order id", "message": "order id is empty"}}
    }
    async with running(client, [ir, handler], mocks=mocks) as (service, _):
        started = await service.start(ir, data)
        result = await service.result(started.instance_id)
        status = await service.describe(started.instance_id)
    assert status["visited"] == ["ProvisionOrder", "MissingId"]
    assert result["handled"] == "missing id"


async def test_example_11_monitor_job(client, examples_dir):
    ir = compile_path(examples_dir / "11-monitor-job.yaml")
    mocks = {
        # shaped so the published filters (results, then stateDataFilter output) leave what the next state reads
        "submitJob": {"jobuid": {"jobuid": {"jobuid": "job-7"}}},
        "checkJobStatus": {
            "sequence": [
                {"jobstatus": {"jobstatus": {"jobStatus": "RUNNING"}}},
                {"jobstatus": {"jobstatus": {"jobStatus": "SUCCEEDED"}}},
            ]
        },
        "reportJobSuceeded": {"reported": True},
    }
    async with running(client, [ir], mocks=mocks) as (service, book):
        started = await service.start(ir, {"job": {"name": "nightly"}})
        await service.result(started.instance_id)
        status = await service.describe(started.instance_id)
    assert status["visited"][-1] == "JobSucceeded"
    assert status["visited"].count("WaitForCompletion") == 2
    assert book.calls["submitJob"] == [{"name": "nightly"}]


async def test_workflow_exec_timeout_runs_run_before_state(client):
    ir = compile_text(
        """
id: deadline
specVersion: "0.8"
start: Wait
timeouts:
  workflowExecTimeout: {duration: PT1S, runBefore: Cleanup}
states:
  - {name: Wait, type: sleep, duration: PT1H, end: true}
  - {name: Cleanup, type: inject, data: {cleaned: true}, end: true}
"""
    )
    async with running(client, [ir]) as (service, _):
        started = await service.start(ir, {"order": 1})
        assert await service.result(started.instance_id) == {"order": 1, "cleaned": True}
        assert (await service.describe(started.instance_id))["visited"] == ["Wait", "Cleanup"]


async def test_workflow_exec_timeout_without_run_before_fails(client):
    ir = compile_text(
        """
id: deadline2
specVersion: "0.8"
start: Wait
timeouts: {workflowExecTimeout: PT1S}
states:
  - {name: Wait, type: sleep, duration: PT1H, end: true}
"""
    )
    async with running(client, [ir]) as (service, _):
        with pytest.raises(InstanceFailed) as failed:
            await service.run(ir, {})
    assert failed.value.code == "workflow_timeout"


async def test_oversized_results_fail_their_state_catchably(client):
    ir = compile_text(
        """
id: big
specVersion: "0.8"
start: Grow
errors: [{name: Too big, code: payload_too_large}]
functions:
  - {name: echo, type: custom, operation: builtin.echo}
  - {name: double, type: expression, operation: ".blob + .blob"}
states:
  - name: Grow
    type: operation
    actions:
      - functionRef: {refName: echo, arguments: {blob: "${ .blob }", again: "${ .blob }"}}
    onErrors: [{errorRef: Too big, transition: Expr}]
    transition: Expr
  - name: Expr
    type: operation
    actions: [{functionRef: double, actionDataFilter: {toStateData: "${ .doubled }"}}]
    end: true
"""
    )
    async with running(client, [ir]) as (service, _):
        started = await service.start(ir, {"blob": "x" * 800_000})
        with pytest.raises(InstanceFailed) as failed:
            await service.result(started.instance_id)
        status = await service.describe(started.instance_id)
    # the activity's 1.6 MB result is refused (and handled); the expression's 2.4 MB state data is not handled
    assert failed.value.code == "payload_too_large"
    assert status["visited"] == ["Grow", "Expr"]


async def test_retryable_errors_limit_which_errors_are_retried(client):
    ir = compile_text(
        """
id: picky
specVersion: "0.8"
start: Call
errors: [{name: Busy, code: busy}, {name: Broken, code: broken}]
retries: [{name: thrice, delay: PT0.05S, maxAttempts: 3}]
functions: [{name: flaky, type: custom, operation: test.flaky}]
states:
  - name: Call
    type: operation
    actions:
      - functionRef: {refName: flaky, arguments: {}}
        retryRef: thrice
        retryableErrors: [Busy]
    onErrors: [{errorRef: Broken, transition: Gave up}]
    end: true
  - {name: Gave up, type: inject, data: {gave_up: true}, end: true}
"""
    )
    raised: list[str] = []

    @activity.defn(name="test.flaky")
    async def flaky(arguments: dict) -> dict:
        from temporalio.exceptions import ApplicationError

        error = "busy" if not raised else "broken"
        raised.append(error)
        raise ApplicationError(f"service {error}", type=error)

    async with running(client, [ir], activities=[flaky]) as (service, _):
        assert await service.run(ir, {}) == {"gave_up": True}
    assert raised == ["busy", "broken"]  # busy is retried; broken is not, and onErrors handles it


async def test_action_without_retry_strategy_is_not_retried(client):
    ir = compile_text(
        """
id: once
specVersion: "0.8"
start: Call
functions: [{name: flaky, type: custom, operation: test.once}]
states:
  - name: Call
    type: operation
    actions: [{functionRef: {refName: flaky, arguments: {}}}]
    end: true
"""
    )
    calls: list[int] = []

    @activity.defn(name="test.once")
    async def once(arguments: dict) -> dict:
        calls.append(1)
        raise ValueError("plain python error")

    async with running(client, [ir], activities=[once]) as (service, _):
        with pytest.raises(InstanceFailed) as failed:
            await service.run(ir, {})
    assert failed.value.code == "ValueError"
    assert calls == [1]


async def test_a_large_parallel_foreach_never_has_more_than_a_thousand_calls_pending(client):
    """Temporal refuses a workflow over 2,000 pending activities; 1,200 iterations run 1,000 and then 200."""
    ir = compile_text(
        json.dumps(
            {
                "id": "wide",
                "specVersion": "0.8",
                "start": "Each",
                "functions": [{"name": "double", "type": "custom", "operation": "test.double"}],
                "states": [
                    {
                        "name": "Each",
                        "type": "foreach",
                        "inputCollection": "${ .items }",
                        "iterationParam": "n",
                        "outputCollection": "${ .doubled }",
                        "end": True,
                        "actions": [{"functionRef": {"refName": "double", "arguments": {"n": "${ $n }"}}}],
                    }
                ],
            }
        )  # fmt: skip
    )

    @activity.defn(name="test.double")
    async def double(arguments: dict) -> int:
        return 2 * arguments["n"]

    async with running(client, [ir], activities=[double]) as (service, _):
        started = await service.start(ir, {"items": list(range(1200))})
        result = await service.result(started.instance_id)
        kinds = [
            event.WhichOneof("attributes")
            async for event in client.get_workflow_handle(started.instance_id).fetch_history_events()
        ]
    assert result["doubled"] == [2 * n for n in range(1200)]
    pending = peak = 0
    for kind in kinds:
        pending += {
            "activity_task_scheduled_event_attributes": 1,
            "activity_task_completed_event_attributes": -1,
        }.get(kind, 0)
        peak = max(peak, pending)
    assert peak == 1000
