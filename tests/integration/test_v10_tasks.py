"""Every 1.0 task and flow directive, end to end on the dev server (real workers, real timers)."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest
from temporalio.api.enums.v1 import EventType

from swengine.compiler.pipeline import compile_text
from swengine.core.errors import DocumentError, InputError
from swengine.core.ir import WorkflowIR
from swengine.runtime.service import InstanceFailed
from tests.integration.conftest import running
from tests.replay.scenarios import LONG_LOOP

ERRORS = "https://serverlessworkflow.io/spec/1.0.0/errors/"


def document(body: str, *, name: str = "test", head: str = "") -> WorkflowIR:
    text = f"document: {{dsl: '1.0.3', namespace: tests, name: {name}, version: '1.0.0'}}\n"
    body = textwrap.dedent(body).replace("{COUNT_TRIES}", COUNT_TRIES)
    return compile_text(text + textwrap.dedent(head) + body)


async def run(client: Any, ir: WorkflowIR, data: Any = None, **options: Any) -> Any:
    async with running(client, options.pop("definitions", []), **options) as (service, _):
        return await service.run(ir, data or {})


async def fault(client: Any, ir: WorkflowIR, data: Any = None, **options: Any) -> dict[str, Any]:
    with pytest.raises(InstanceFailed) as failed:
        await run(client, ir, data, **options)
    assert isinstance(failed.value.detail, dict)
    return failed.value.detail


async def test_flow_directives_are_scoped_to_their_list(client):
    ir = document("""
        do:
          - outer:
              do:
                - first:
                    set: {trail: '${ [.trail[]?, "first"] }'}
                    then: third
                - second:
                    set: {trail: '${ .trail + ["second"] }'}
                - third:
                    set: {trail: '${ .trail + ["third"] }'}
                    then: exit
                - fourth:
                    set: {trail: '${ .trail + ["fourth"] }'}
          - after:
              set: {trail: '${ .trail + ["after"] }'}
              then: end
          - never:
              set: {trail: never}
        """)
    assert await run(client, ir) == {"trail": ["first", "third", "after"]}


async def test_end_inside_a_nested_list_ends_the_workflow(client):
    ir = document("""
        do:
          - outer:
              do:
                - stop:
                    set: {stopped: true}
                    then: end
          - never:
              set: {stopped: false}
        """)
    assert await run(client, ir) == {"stopped": True}


async def test_if_skips_a_task_and_data_flows_through_input_output_and_export(client):
    ir = document("""
        do:
          - skipped:
              if: .missing != null
              set: {skipped: false}
          - remember:
              input: {from: .user}
              set: {name: '${ .name }', task: '${ $task.name }', runtime: '${ $runtime.name }'}
              output: {as: '. + {from: $input.name}'}
              export: {as: '$context + {who: .name}'}
          - recall:
              set: '${ {context: $context, previous: ., workflow: ($workflow.input.user.name)} }'
        output:
          as: .context.who + "/" + .workflow
        """)
    assert await run(client, ir, {"user": {"name": "Ada"}}) == "Ada/Ada"


async def test_for_binds_each_and_at_and_stops_when_while_fails(client):
    ir = document("""
        do:
          - loop:
              for: {each: n, in: .numbers, at: i}
              while: (.sum // 0) < 5
              do:
                - add:
                    set: '${ {sum: ((.sum // 0) + $n), seen: ((.seen // []) + [$i])} }'
        """)
    assert await run(client, ir, {"numbers": [1, 2, 3, 4, 5]}) == {"sum": 6, "seen": [0, 1, 2]}


async def test_fork_without_compete_keeps_declared_order(client):
    ir = document("""
        do:
          - both:
              fork:
                branches:
                  - slow:
                      do:
                        - pause: {wait: {milliseconds: 300}}
                        - mark: {set: {branch: slow}}
                  - fast:
                      set: {branch: fast}
        """)
    assert await run(client, ir) == [{"branch": "slow"}, {"branch": "fast"}]


async def test_fork_with_compete_takes_the_first_to_finish(client):
    ir = document("""
        do:
          - race:
              fork:
                compete: true
                branches:
                  - slow:
                      do:
                        - pause: {wait: PT5S}
                        - mark: {set: {winner: slow}}
                  - fast:
                      set: {winner: fast}
        """)
    assert await run(client, ir) == {"winner": "fast"}


async def test_raise_from_use_errors_faults_with_an_rfc7807_error(client):
    ir = document(
        """
        do:
          - guarded:
              do:
                - check:
                    raise: {error: notAllowed}
        """,
        head="""
        use:
          errors:
            notAllowed: {type: https://example.com/errors/not-allowed, status: 403, title: '${ "no " + .who }'}
        """,
    )
    error = await fault(client, ir, {"who": "Bob"})
    assert error == {
        "type": "https://example.com/errors/not-allowed",
        "status": 403,
        "title": "no Bob",
        "instance": "/do/0/guarded/do/0/check",
    }


async def test_try_catches_by_filter_binds_as_and_honours_when(client):
    ir = document("""
        do:
          - attempt:
              try:
                - fail:
                    raise:
                      error: {type: https://serverlessworkflow.io/spec/1.0.0/errors/validation, status: 400}
              catch:
                errors:
                  with: {type: https://open-workflow-specification.org/spec/1.0.0/errors/validation}
                as: problem
                when: $problem.status == 400
                do:
                  - handled:
                      set: {caught: '${ $problem.instance }'}
        """)
    assert await run(client, ir) == {"caught": "/do/0/attempt/try/0/fail"}


async def test_an_error_the_catch_does_not_accept_goes_on_up(client):
    ir = document("""
        do:
          - attempt:
              try:
                - fail:
                    raise: {error: {type: https://example.com/a, status: 500}}
              catch:
                errors: {with: {status: 500}}
                exceptWhen: $error.type == "https://example.com/a"
        """)
    error = await fault(client, ir)
    assert (error["type"], error["instance"]) == ("https://example.com/a", "/do/0/attempt/try/0/fail")


COUNT_TRIES = """
        - count:
            set: {counted: true}
            export: {as: '$context + {tries: (($context.tries // 0) + 1)}'}"""
"""A first task for a try block: ``$context.tries`` counts its attempts."""


async def test_retry_reruns_the_try_block_until_it_succeeds(client):
    ir = document(
        """
        do:
          - flaky:
              try:{COUNT_TRIES}
                - failUntilThird:
                    if: $context.tries < 3
                    raise: {error: {type: https://example.com/flaky, status: 503}}
                - done:
                    set: '${ {tries: $context.tries} }'
              catch:
                errors: {with: {status: 503}}
                retry: again
        """,
        head="""
        use:
          retries:
            again:
              delay: {milliseconds: 50}
              backoff: {exponential: {}}
              limit: {attempt: {count: 5, duration: PT5S}, duration: PT30S}
              jitter: {from: PT0S, to: {milliseconds: 20}}
        """,
    )
    assert await run(client, ir) == {"tries": 3}


async def test_exhausted_retries_fall_through_to_catch_do(client):
    ir = document("""
        do:
          - flaky:
              try:{COUNT_TRIES}
                - fail:
                    raise: {error: {type: https://example.com/flaky, status: 503}}
              catch:
                retry: {delay: {milliseconds: 10}, limit: {attempt: {count: 2}}}
                do:
                  - giveUp:
                      set: '${ {tries: $context.tries} }'
        """)
    assert await run(client, ir) == {"tries": 3}


ENGINE_FAULTS = {
    "timeout": ("wait: PT10S\ntimeout: {after: {milliseconds: 200}}", {}, 408),
    "expression": ("set: '${ .a.b.c + 1 }'", {"a": "text"}, 400),
}
"""A task body the engine faults, its input, and the status of the standard error it faults with."""


@pytest.mark.parametrize("kind", sorted(ENGINE_FAULTS))
async def test_engine_failures_fault_with_the_standard_error(client, kind: str):
    body, data, status = ENGINE_FAULTS[kind]
    ir = document("do:\n  - broken:\n" + textwrap.indent(body, "      ") + "\n")
    error = await fault(client, ir, data)
    assert (error["type"], error["status"], error["instance"]) == (ERRORS + kind, status, "/do/0/broken")


async def test_wait_accepts_a_computed_duration(client):
    ir = document("""
        do:
          - pause:
              wait: '${ .pause }'
          - after:
              set: {waited: true}
        """)
    assert await run(client, ir, {"pause": {"milliseconds": 100}}) == {"waited": True}


async def test_call_activity_runs_a_registered_builtin(client):
    ir = document("""
        do:
          - combine:
              call: activity
              with:
                name: builtin.merge
                arguments: {objects: ['${ .a }', {b: 2}]}
        """)
    assert await run(client, ir, {"a": {"a": 1}}) == {"a": 1, "b": 2}


async def test_a_use_functions_call_is_mocked_by_its_name(client):
    ir = document(
        """
        do:
          - lookUp:
              call: petById
              with: {id: '${ .petId }'}
        """,
        head="""
        use:
          functions:
            petById:
              call: http
              with: {method: get, endpoint: 'https://pets.example.com/pets/{id}'}
        """,
    )
    async with running(client, [ir], mocks={"petById": {"name": "Rex"}}) as (service, book):
        assert await service.run(ir, {"petId": 7}) == {"name": "Rex"}
    [arguments] = book.calls["petById"]
    assert arguments["method"] == "get"


async def test_emit_outputs_and_records_the_cloudevent(client):
    sent: list[dict[str, Any]] = []

    async def sink(events: list[dict[str, Any]]) -> None:
        sent.extend(events)

    ir = document("""
        do:
          - announce:
              emit:
                event:
                  with: {source: https://example.com, type: com.example.done, data: {id: '${ .id }'}}
        """)
    event = await run(client, ir, {"id": 42}, sinks=[sink])
    assert sent == [event]
    assert (event["specversion"], event["type"], event["data"]) == ("1.0", "com.example.done", {"id": 42})
    assert event["id"] and event["time"]


DOUBLER = "do:\n  - double:\n      set: {doubled: '${ .n * 2 }'}\n"
"""The child both run.workflow tests run."""


async def test_run_workflow_starts_a_child_and_returns_its_output(client):
    child = document(DOUBLER, name="child")
    parent = document("""
        do:
          - delegate:
              run:
                workflow: {namespace: tests, name: child, version: '1.0.0', input: {n: '${ .value }'}}
        """)
    assert await run(client, parent, {"value": 21}, definitions=[child]) == {"doubled": 42}


async def test_a_child_s_refused_input_faults_with_validation_and_the_parent_catches_it(client):
    """The child's own input schema: it faults (never retries its workflow task forever), as dsl.md says."""
    child = document(
        "input:\n  schema:\n    document: {type: object, required: [n]}\n" + DOUBLER, name="child"
    )
    parent = document("""
        do:
          - guarded:
              try:
                - delegate:
                    run:
                      workflow: {namespace: tests, name: child, version: '1.0.0', input: {z: 1}}
              catch:
                errors:
                  with: {type: https://serverlessworkflow.io/spec/1.0.0/errors/validation}
                do:
                  - noted:
                      set: {refused: true}
        """)
    assert await run(client, parent, {}, definitions=[child]) == {"refused": True}


async def test_a_fork_branch_that_ends_the_workflow_ends_it(client):
    ir = document("""
        do:
          - par:
              fork:
                branches:
                  - b1: {set: {one: 1}, then: end}
                  - b2: {set: {two: 2}}
          - after:
              set: {after: true}
        """)
    assert await run(client, ir, {}) == [{"one": 1}, {"two": 2}]


async def test_switch_inside_a_nested_list_jumps_there(client):
    ir = document("""
        do:
          - route:
              do:
                - decide:
                    switch:
                      - big: {when: .n > 10, then: large}
                      - other: {then: small}
                - small:
                    set: {size: small}
                    then: exit
                - large:
                    set: {size: large}
        """)
    assert await run(client, ir, {"n": 11}) == {"size": "large"}
    assert await run(client, ir, {"n": 1}) == {"size": "small"}


def event(event_type: str, event_id: str, data: Any, **attributes: Any) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": event_id,
        "source": "/tests",
        "type": event_type,
        "data": data,
        **attributes,
    }


async def listen(client: Any, ir: WorkflowIR, events: list[dict[str, Any]], data: Any = None) -> Any:
    async with running(client, [ir]) as (service, _):
        started = await service.start(ir, data or {})
        for item in events:
            await service.send_event(started.instance_id, item)
        return await service.result(started.instance_id)


async def test_listen_all_takes_each_filter_once_and_dedupes_by_source_and_id(client):
    ir = document("""
        do:
          - both:
              listen:
                to:
                  all:
                    - with: {type: com.example.a}
                    - with: {type: com.example.b, data: '${ .ok == true }'}
        """)
    events = [
        event("com.example.b", "1", {"ok": False}),
        event("com.example.a", "2", {"n": 1}),
        event("com.example.a", "2", {"n": 1}),
        event("com.example.b", "3", {"ok": True}),
    ]
    assert await listen(client, ir, events) == [{"n": 1}, {"ok": True}]


async def test_listen_any_until_leaves_the_until_events_out(client):
    ir = document("""
        do:
          - collect:
              listen:
                to:
                  any:
                    - with: {type: com.example.reading}
                  until:
                    one:
                      with: {type: com.example.stop}
                read: envelope
              output: {as: 'map(.data.value)'}
        """)
    events = [
        event("com.example.reading", "1", {"value": 1}),
        event("com.example.reading", "2", {"value": 2}),
        event("com.example.stop", "3", {}),
    ]
    assert await listen(client, ir, events) == [1, 2]


async def test_listen_one_correlates_with_the_task_input(client):
    ir = document("""
        do:
          - decision:
              listen:
                to:
                  one:
                    with: {type: com.example.decided}
                    correlate:
                      request: {from: .requestid, expect: '${ .request }'}
        """)
    events = [
        event("com.example.decided", "1", {"approved": False}, requestid="other"),
        event("com.example.decided", "2", {"approved": True}, requestid="r-1"),
    ]
    assert await listen(client, ir, events, {"request": "r-1"}) == [{"approved": True}]


async def test_listen_any_until_an_expression_over_what_was_consumed(client):
    ir = document("""
        do:
          - three:
              listen:
                to:
                  any: []
                  until: length >= 2
        """)
    events = [event("com.example.x", str(n), n) for n in range(3)]
    assert await listen(client, ir, events) == [0, 1]


async def test_loose_mode_evaluates_every_value_and_keeps_what_fails_as_text(client):
    ir = document(
        """
        do:
          - shape:
              set: {shape: circle, size: .size, greeting: hello world, next: .n + 1, broken: .text.field}
        """,
        head="evaluate: {mode: loose}\n",
    )
    output = await run(client, ir, {"size": 3, "n": 1, "text": "plain"})
    assert output == {
        "shape": "circle",
        "size": 3,
        "greeting": "hello world",
        "next": 2,
        "broken": ".text.field",
    }


def test_secrets_are_refused_by_name():
    with pytest.raises(DocumentError) as refused:
        document("do:\n  - s:\n      set: {key: '${ $secrets.key }'}\n")
    assert [problem.code for problem in refused.value.problems] == ["unsupported_feature"]


SCHEMA = "{schema: {format: json, document: {type: object, required: [n], properties: {n: {type: integer}}}}}"


async def test_a_task_whose_output_breaks_its_schema_faults_with_validation(client):
    ir = document(f"""
        do:
          - produce:
              set: {{n: '${{ .text }}'}}
              output: {SCHEMA}
        """)
    assert await run(client, ir, {"text": 3}) == {"n": 3}
    error = await fault(client, ir, {"text": "three"})
    assert (error["type"], error["status"], error["instance"]) == (
        ERRORS + "validation",
        400,
        "/do/0/produce",
    )


async def test_workflow_input_is_checked_against_its_schema_before_starting(client):
    ir = document("do:\n  - echo:\n      set: '${ . }'\n", head=f"input: {SCHEMA}\n")
    assert await run(client, ir, {"n": 1}) == {"n": 1}
    with pytest.raises(InputError):
        await run(client, ir, {"n": "one"})


async def test_a_workflow_timeout_from_use_timeouts_faults_the_instance(client):
    ir = document(
        "do:\n  - slow:\n      wait: PT30S\n",
        head="use:\n  timeouts:\n    brief: {after: {milliseconds: 300}}\ntimeout: brief\n",
    )
    error = await fault(client, ir)
    assert (error["type"], error["status"]) == (ERRORS + "timeout", 408)


async def test_run_workflow_without_await_returns_its_input(client):
    child = document("do:\n  - nap:\n      wait: PT0.1S\n", name="napper")
    parent = document("""
        do:
          - spawn:
              run:
                workflow: {namespace: tests, name: napper, version: '1.0.0'}
                await: false
        """)
    assert await run(client, parent, {"kept": True}, definitions=[child]) == {"kept": True}


async def test_a_long_loop_of_quick_tasks_completes(client):
    ir = document("""
        do:
          - count:
              for: {in: '[range(3000)]'}
              do:
                - add:
                    set: '${ {total: ((.total // 0) + $item)} }'
        """)
    async with running(client, [ir]) as (service, _):
        started = await service.start(ir, {})
        assert await service.result(started.instance_id) == {"total": sum(range(3000))}
        status = await service.handle(started.instance_id).query("status")
    assert len(status["visited"]) <= 2000


async def test_listen_foreach_runs_its_tasks_on_each_event_as_it_is_consumed(client):
    ir = document("""
        do:
          - tally:
              listen:
                to:
                  any: []
                  until:
                    one:
                      with: {type: com.example.stop}
              foreach:
                item: reading
                do:
                  - double:
                      set: '${ {doubled: ($reading.value * 2), at: $index} }'
                output: {as: .doubled}
                export: {as: '$context + {last: .}'}
          - last:
              set: '${ {doubled: ., last: $context.last} }'
        """)
    events = [event("com.example.reading", str(n), {"value": n}) for n in (1, 2)]
    assert await listen(client, ir, [*events, event("com.example.stop", "s", {})]) == {
        "doubled": [2, 4],
        "last": 4,
    }


async def test_a_faulting_branch_fails_the_fork_and_stops_the_others(client):
    ir = document("""
        do:
          - attempt:
              try:
                - both:
                    fork:
                      branches:
                        - slow:
                            do:
                              - pause: {wait: PT5S}
                              - late:
                                  emit:
                                    event: {with: {source: /tests, type: com.example.late}}
                        - broken:
                            raise: {error: {type: https://example.com/broken, status: '${ "409" }'}}
              catch:
                as: problem
                do:
                  - note: {set: '${ {status: $problem.status, at: $problem.instance} }'}
          - linger: {wait: PT6S}
        """)
    sent: list[dict[str, Any]] = []

    async def sink(events: list[dict[str, Any]]) -> None:
        sent.extend(events)

    assert await run(client, ir, sinks=[sink]) == {
        "status": 409,
        "at": "/do/0/attempt/try/0/both/fork/branches/1/broken",
    }
    assert sent == []


async def test_a_workflow_output_that_fails_faults_at_the_root(client):
    ir = document("do:\n  - keep:\n      set: {a: text}\n", head="output: {as: .a.b}\n")
    error = await fault(client, ir)
    assert (error["type"], error["status"], error["instance"]) == (ERRORS + "expression", 400, "/")


async def test_a_long_loop_over_a_large_state_pauses_in_the_worker_not_on_timers(client):
    """1,200 set/switch tasks over ~1 MB of records: the pauses that keep each activation short are local
    activities (a timer took about a second each), and no workflow task fails (each task used to check the
    whole state, four seconds an activation, past the deadlock detector)."""
    ir = compile_text(LONG_LOOP)  # the replay scenario's loop
    records = [
        {"id": index, "name": f"item-{index:08d}", "tags": ["a", "b"], "text": "x" * 40}
        for index in range(9000)
    ]
    async with running(client, []) as (service, _):
        started = await service.start(ir, {"count": 0, "target": 600, "records": records})
        output = await service.result(started.instance_id, run_id=started.run_id)
        events = [
            event.event_type for event in (await service.handle(started.instance_id).fetch_history()).events
        ]
    assert output["count"] == 600 and len(output["records"]) == 9000
    assert EventType.EVENT_TYPE_TIMER_STARTED not in events
    assert EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED not in events
    assert events.count(EventType.EVENT_TYPE_MARKER_RECORDED) >= 2  # the pauses (and the patch marker)
