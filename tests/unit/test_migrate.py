"""The 0.8 → 1.0 translators, without Temporal: what each construct becomes, that the result validates as
1.0, that the jq they write does what 0.8 did, and that what 1.0 cannot say is reported with line:col."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from swengine import expressions
from swengine.authoring.migrate import jq, migrate
from swengine.authoring.migrate.context import semver, slug
from swengine.authoring.migrate.errors import matching
from swengine.core import json_merge
from swengine.core.task_errors import standard_error
from swengine.dsl.dialects import load_file, load_text
from swengine.dsl.validator import validate_text

REPO = Path(__file__).resolve().parents[2]


def migrated(text: str) -> tuple[dict[str, Any], Any]:
    """The migrated document as its YAML reads back, and the migration; it must validate as 1.0."""
    result = migrate(load_text(textwrap.dedent(text), source="w.sw.yaml"))
    errors = [p for p in validate_text(result.text, source="m.sw.yaml") if p.severity == "error"]
    assert errors == []
    return yaml.safe_load(result.text), result


def task(document: dict[str, Any], name: str) -> dict[str, Any]:
    return next(entry[name] for entry in document["do"] if name in entry)


def test_names_and_versions_take_the_1_0_shape():
    assert slug("provisionOrders") == "provision-orders"
    assert slug("Hello World!") == "hello-world"
    assert semver("1.0") == "1.0.0" and semver(None) == "0.1.0" and semver("2.1.3") == "2.1.3"


@pytest.mark.parametrize(
    ("target", "source"),
    [
        ({"a": [1, 2], "b": {"c": 1}}, {"a": [2, 3], "b": {"d": 2}}),
        ({"a": 1}, "text"),
        ([1, {"x": 1}], [{"x": 1}, 2, 2]),
        ("text", {"a": None}),
        ({"n": {"m": [1]}}, {"n": {"m": [1.0, 3], "k": True}}),
    ],
)
def test_the_jq_merge_is_the_0_8_merge(target, source):
    program = jq.uses_merge("merge08(.[0]; .[1])")
    assert expressions.evaluate(program, [target, source], {}) == json_merge.merge(target, source)


def test_a_merge_at_a_path_creates_what_is_missing():
    program = jq.uses_merge(jq.merged(".[0]", ".[1]", ".a.b"))
    assert expressions.evaluate(program, [{"x": 1}, {"y": 2}], {}) == json_merge.merge_at(
        {"x": 1}, ["a", "b"], {"y": 2}
    )


def test_error_matching_reads_the_0_8_code_from_1_0_errors():
    runtime = standard_error("runtime", "no", detail="card_declined: insufficient funds")
    timeout = standard_error("timeout", "late")
    assert expressions.evaluate_bool(matching(["card_declined"]), None, {"error": runtime})
    assert not expressions.evaluate_bool(matching(["out_of_stock"]), None, {"error": runtime})
    assert expressions.evaluate_bool(matching(["timeout"]), None, {"error": timeout})


def test_the_document_reads_in_order_and_keeps_the_opening_comment():
    _, result = migrated(
        """
        # Says hello.
        id: hello
        version: "1.0"
        specVersion: "0.8"
        name: Hello
        start: Greet
        dataInputSchema: {schema: {type: object}, failOnValidationErrors: true}
        functions: [{name: echo, type: custom, operation: builtin.echo}]
        states:
          - {name: Greet, type: operation, actions: [{functionRef: echo}], end: true}
        """
    )
    assert result.text.startswith("# Says hello.\n")
    assert list(yaml.safe_load(result.text)) == ["document", "input", "use", "do"]


def test_state_and_action_data_filters():
    document, _ = migrated(
        """
        id: filters
        specVersion: "0.8"
        start: Work
        functions: [{name: echo, type: custom, operation: builtin.echo}]
        states:
          - name: Work
            type: operation
            stateDataFilter: {input: "${ .order }", output: "${ {done: .done} }"}
            actions:
              - functionRef: {refName: echo, arguments: {id: "${ .id }"}}
                actionDataFilter: {fromStateData: "${ .inner }", results: "${ .id }", toStateData: "${ .done }"}
            end: true
        """
    )
    work = task(document, "Work")
    assert work["input"]["from"] == "${ .order }"
    assert work["output"]["as"] == "${ {done: .done} }"
    call = work["do"][0]["echo"]
    assert call["with"] == {"id": "${ (.inner) | (.id) }"}
    assert "merge08_at($input; ($input | path(.done)); $r)" in call["output"]["as"]
    assert use_of(document)["echo"] == {"call": "activity", "with": {"name": "builtin.echo"}}


def use_of(document: dict[str, Any]) -> dict[str, Any]:
    return document["use"]["functions"]


def test_on_errors_and_retries_become_try_catch_and_a_route():
    document, _ = migrated((REPO / "specs" / "order.sw.yaml").read_text())
    charge = task(document, "Charge")
    assert charge["then"] == "Charge-onErrors"
    assert "card_declined" in charge["catch"]["when"]
    retry = charge["try"][0]["Charge"]["do"][0]["charge"]["catch"]
    assert retry["retry"]["limit"] == {"attempt": {"count": 1}}  # maxAttempts 2: one retry
    assert retry["do"][0]["rethrow"]["raise"]["error"]["detail"] == "${ $error.detail }"
    route = task(document, "Charge-onErrors")["switch"]
    assert [next(iter(case.values()))["then"] for case in route] == ["Declined", "Done"]


def test_foreach_keeps_its_output_collection_and_says_it_runs_in_turn():
    document, result = migrated((REPO / "specs" / "fan-out.sw.yaml").read_text())
    squares = task(document, "Squares")
    assert squares["for"] == {"each": "n", "in": "${ .data | (.numbers) // [] }"}
    assert "path(.squares)" in squares["output"]["as"]
    assert any("one item after another" in note.message for note in result.notes)


def test_produced_events_compensation_and_what_1_0_cannot_say():
    document, result = migrated(
        """
        id: saga
        specVersion: "0.8"
        start: Book
        keepActive: true
        events: [{name: booked, type: com.example.booked, source: /shop, kind: produced}]
        functions: [{name: book, type: custom, operation: builtin.echo}]
        states:
          - name: Book
            type: operation
            actions: [{functionRef: {refName: book, invoke: async}}]
            compensatedBy: Unbook
            transition: {nextState: Done, compensate: true}
          - {name: Unbook, type: inject, data: {undone: true}, usedForCompensation: true, end: true}
          - name: Done
            type: inject
            data: {ok: true}
            end: {produceEvents: [{eventRef: booked, data: "${ .ok }"}]}
        """
    )
    book = task(document, "Book")
    assert "compensate" in book["export"]["as"]
    assert book["then"] == "Book-end-compensate"
    undo = task(document, "Book-end-compensate")
    assert undo["do"][0]["which"]["switch"][0]["undo-Book"]["then"] == "Unbook"
    assert undo["do"][1]["Unbook"]["then"] == "exit"
    emitted = task(document, "Done-end-produce-0")["emit"]["event"]["with"]
    assert emitted == {"type": "com.example.booked", "source": "/shop", "data": "${ .ok }"}
    lines = {(note.line, note.message.split(":")[0]) for note in result.notes}
    assert (5, "keepActive has no 1.0 equivalent") in lines
    assert (11, "1.0 has no asynchronous call") in lines
    assert "# TODO: 1.0 has no asynchronous call" in result.text


def test_an_event_switch_listens_then_routes():
    document, _ = migrated(
        """
        id: decide
        specVersion: "0.8"
        start: Wait
        events:
          - {name: approve, type: t.yes, source: /s}
          - {name: deny, type: t.no, source: /s}
        states:
          - name: Wait
            type: switch
            eventConditions:
              - {eventRef: approve, transition: Approved}
              - {eventRef: deny, transition: Denied}
            defaultCondition: {transition: Denied}
            timeouts: {eventTimeout: PT1H}
          - {name: Approved, type: inject, data: {answer: 1}, end: true}
          - {name: Denied, type: inject, data: {answer: 0}, end: true}
        """
    )
    wait = task(document, "Wait")
    listen = wait["try"][0]["listen"]
    assert listen["listen"]["to"]["any"][0]["with"] == {"type": "t.yes", "source": "/s"}
    assert listen["timeout"] == {"after": "PT1H"}
    assert wait["then"] == "Wait-which"
    assert task(document, "Wait-0")["then"] == "Approved"


@pytest.mark.parametrize("path", sorted((REPO / "tests" / "integration" / "sonataflow").glob("*.sw.*")))
def test_sonataflow_documents_migrate_to_valid_1_0(path):
    result = migrate(load_file(path, dialect="sonataflow"))
    assert [p for p in validate_text(result.text, source="m.sw.yaml") if p.severity == "error"] == []


def test_the_cli_writes_one_file_per_workflow_and_lists_the_todos(tmp_path, capsys):
    from swengine.cli import main

    source = tmp_path / "flow.json"
    source.write_text(
        '{"id": "flow", "specVersion": "0.8", "start": "S", "keepActive": true,\n'
        ' "states": [{"name": "S", "type": "inject", "data": {"a": 1}, "end": true}]}\n'
    )
    assert main(["migrate", str(source), "-o", str(tmp_path / "out")]) == 0
    written = (tmp_path / "out" / "flow.sw.yaml").read_text()
    assert yaml.safe_load(written)["document"]["name"] == "flow"
    assert "# TODO: keepActive" in written
    assert ":1:52: todo: keepActive" in capsys.readouterr().err


def test_the_cli_prints_to_stdout_and_refuses_a_broken_0_8_file(tmp_path, capsys):
    from swengine.cli import main

    assert main(["migrate", str(REPO / "specs" / "hello.sw.yaml")]) == 0
    assert yaml.safe_load(capsys.readouterr().out)["do"][0]["Greet"]["then"] == "end"
    broken = tmp_path / "broken.sw.yaml"
    broken.write_text('id: b\nspecVersion: "0.8"\nstart: Nowhere\nstates: []\n')
    assert main(["migrate", str(broken)]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "broken.sw.yaml:" in captured.err
    assert main(["migrate", str(tmp_path / "missing.json")]) == 2


def test_parallel_actions_fork_and_merge_in_order_unless_one_has_a_condition():
    text = """
        id: both
        specVersion: "0.8"
        start: Both
        functions: [{name: echo, type: custom, operation: builtin.echo}]
        states:
          - name: Both
            type: operation
            actionMode: parallel
            actions:
              - {functionRef: {refName: echo, arguments: {a: 1}}}
              - {functionRef: {refName: echo, arguments: {b: 2}}CONDITION}
            end: true
        """
    document, _ = migrated(text.replace("CONDITION", ""))
    both = task(document, "Both")
    assert [next(iter(branch)) for branch in both["fork"]["branches"]] == ["echo", "echo-2"]
    assert "reduce .[] as $r ($input;" in both["output"]["as"]
    document, result = migrated(text.replace("CONDITION", ', condition: "${ .go }"'))
    assert "do" in task(document, "Both")
    assert any("run one after another" in note.message for note in result.notes)


def test_event_actions_emit_then_listen_and_continue_as_runs_the_next_execution():
    document, result = migrated(
        """
        id: ask
        specVersion: "0.8"
        start: Ask
        events:
          - {name: question, type: q.asked, source: /q, kind: produced}
          - {name: answer, type: q.answered, source: /q}
        states:
          - name: Ask
            type: operation
            actions:
              - eventRef: {triggerEventRef: question, resultEventRef: answer, data: {who: "${ .who }"}}
                actionDataFilter: {results: "${ .text }", toStateData: "${ .answer }"}
            end:
              continueAs: {workflowId: ask, data: "${ {who: .who} }"}
        """
    )
    ask = task(document, "Ask")["do"][0]["question"]
    emit, listen = ask["do"][0]["emit"], ask["do"][1]["result"]
    assert emit["emit"]["event"]["with"]["data"] == {"who": "${ .who }"}
    assert listen["listen"]["to"]["one"]["with"] == {"type": "q.answered", "source": "/q"}
    assert listen["output"]["as"] == "${ .[0].data }"
    assert task(document, "Ask")["then"] == "Ask-end-continue"
    run = task(document, "Ask-end-continue")
    assert run["run"]["workflow"] == {
        "namespace": "default",
        "name": "ask",
        "version": "0.1.0",
        "input": "${ {who: .who} }",
    }
    assert run["then"] == "end"
    assert [note.line for note in result.notes if "continue-as-new" in note.message] == [15]


def test_an_rpc_function_becomes_a_grpc_call_that_asks_where_its_service_listens(tmp_path, monkeypatch):
    from tests.integration.greeter import PROTO

    monkeypatch.delenv("SWENGINE_GRPC_CLIENTS", raising=False)
    (tmp_path / "greet.proto").write_text(PROTO)
    (tmp_path / "greet.sw.yaml").write_text(textwrap.dedent("""\
        id: greet
        specVersion: "0.8"
        start: Greet
        functions: [{name: hello, type: rpc, operation: "greet.proto#Greeter#SayHello"}]
        states:
          - {name: Greet, type: operation, actions: [{functionRef: {refName: hello, arguments: {name: x}}}], end: true}
        """))  # fmt: skip
    result = migrate(load_file(tmp_path / "greet.sw.yaml"))
    call = yaml.safe_load(result.text)["use"]["functions"]["hello"]
    assert (call["call"], call["with"]["proto"], call["with"]["method"]) == (
        "grpc", {"endpoint": "file://greet.proto"}, "SayHello")  # fmt: skip
    assert [note.line for note in result.notes] == [6] and "Greeter" in result.notes[
        0
    ].message  # the call site


def test_keys_of_the_document_are_never_taken_for_the_tool_s_own_markers():
    _, result = migrated("""\
        id: keys
        specVersion: "0.8"
        start: S
        functions: [{name: f, operation: builtin.merge, type: custom}]
        states:
          - name: S
            type: operation
            actions: [{functionRef: {refName: f, arguments: {__todo_0__: null, __todo__: [kept]}}}]
            end: true
        """)
    assert (
        "__todo_0__: null" in result.text and "__todo__:" in result.text
    )  # the user's keys, kept as written
    assert "# TODO" not in result.text
