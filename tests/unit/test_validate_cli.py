"""``swengine validate`` as a CI tool: discovery, the three formats, exit codes, cross-file checks; and the
other authoring commands that need no server (``schema``, the pre-commit hook definition)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from swengine.cli import main

REPO = Path(__file__).resolve().parents[2]
SPECS = REPO / "specs"
TEXT_LINE = re.compile(
    r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<severity>error|warning) (?P<code>\w+): .+$"
)

CHILD = """id: child
version: "1.0"
specVersion: "0.8"
start: Work
states:
  - name: Work
    type: inject
    data: {child: true}
    end: true
"""

PARENT = """id: parent
specVersion: "0.8"
start: Call
states:
  - name: Call
    type: operation
    actions:
      - subFlowRef:
          workflowId: {child}
    transition: Again
  - name: Again
    type: inject
    data: {{}}
    end:
      continueAs: {again}
"""

STUCK = """id: stuck
specVersion: "0.8"
start: Try
errors:
  - {name: oops, code: oops}
functions:
  - {name: attempt, type: custom, operation: builtin.echo}
states:
  - name: Try
    type: operation
    actions:
      - functionRef: attempt
    onErrors:
      - errorRef: oops
        end: true
    transition: Try
"""

BROKEN = """id: broken
specVersion: "0.8"
start: A
states:
  - name: A
    type: inject
    data: {}
    transition: Nowhere
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def parent(child: str = "child", again: str = "parent") -> str:
    return PARENT.format(child=child, again=again)


def assert_sarif_2_1_0(log: dict[str, Any]) -> None:
    """The parts of SARIF 2.1.0 that code hosts read to annotate files, checked for shape and types."""
    assert log["version"] == "2.1.0"
    assert isinstance(log["runs"], list) and len(log["runs"]) == 1
    run_ = log["runs"][0]
    driver = run_["tool"]["driver"]
    assert isinstance(driver["name"], str) and driver["name"]
    assert isinstance(driver["version"], str) and driver["version"]
    rule_ids = [rule["id"] for rule in driver["rules"]]
    assert len(set(rule_ids)) == len(rule_ids)
    for rule in driver["rules"]:
        assert isinstance(rule["shortDescription"]["text"], str)
        assert rule["defaultConfiguration"]["level"] in {"error", "warning", "note", "none"}
    for result in run_["results"]:
        assert result["ruleId"] in rule_ids
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
        assert result["level"] in {"error", "warning", "note", "none"}
        assert isinstance(result["message"]["text"], str) and result["message"]["text"]
        location = result["locations"][0]["physicalLocation"]
        uri = location["artifactLocation"]["uri"]
        assert not uri.startswith("/") and "://" not in uri, uri
        region = location["region"]
        assert isinstance(region["startLine"], int) and region["startLine"] >= 1
        assert isinstance(region["startColumn"], int) and region["startColumn"] >= 1


class TestExitCodes:
    def test_clean_files_exit_0_and_print_nothing(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, err = run(capsys, "validate", str(SPECS))
        assert (code, out) == (0, "")
        workflows = len(list(SPECS.rglob("*.sw.yaml")))
        assert f"{workflows} files checked: 0 error(s), 0 warning(s)" in err

    def test_errors_exit_1(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        code, out, _ = run(capsys, "validate", str(write(tmp_path, "b.sw.yaml", BROKEN)))
        assert code == 1
        assert "unknown_state" in out

    def test_warnings_alone_exit_0(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        code, out, err = run(capsys, "validate", str(write(tmp_path, "stuck.sw.yaml", STUCK)))
        assert code == 0
        assert " warning ends_only_by_error: " in out
        assert "0 error(s), 1 warning(s)" in err

    @pytest.mark.parametrize(
        "argv",
        [
            ["validate", "no/such/file.sw.yaml"],
            ["validate", str(SPECS), "--no-such-flag"],
            ["validate", "--format", "xml", str(SPECS)],
            ["validate"],
            ["validate", "--root", "no/such/dir", str(SPECS)],
        ],
    )
    def test_usage_errors_exit_2(self, capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
        assert run(capsys, *argv)[0] == 2


class TestFormats:
    def test_text_is_file_line_col_severity_code_message(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.chdir(tmp_path)
        write(tmp_path, "flows/b.sw.yaml", BROKEN)
        _, out, _ = run(capsys, "validate", "flows")
        match = TEXT_LINE.match(out.splitlines()[0])
        assert match, out
        assert match.groupdict() | {} == {
            "file": "flows/b.sw.yaml",
            "line": "8",
            "col": "5",
            "severity": "error",
            "code": "unknown_state",
        }

    def test_json_and_its_alias(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        broken = write(tmp_path, "b.sw.yaml", BROKEN)
        stuck = write(tmp_path, "s.sw.yaml", STUCK)
        code, out, _ = run(capsys, "validate", "--format", "json", str(broken), str(stuck))
        _, alias, _ = run(capsys, "validate", "--json", str(broken), str(stuck))
        assert code == 1 and out == alias
        report = json.loads(out)
        assert (report["valid"], report["errors"], report["warnings"]) == (False, 1, 1)
        first, second = report["files"]
        assert (first["id"], first["version"]) == ("broken", None)
        assert first["problems"][0] | {"message": ""} == {
            "code": "unknown_state",
            "message": "",
            "path": "$.states[0].transition",
            "line": 8,
            "column": 5,
            "severity": "error",
        }
        assert second["problems"][0]["severity"] == "warning"

    def test_sarif_2_1_0(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        write(tmp_path, "flows/b.sw.yaml", BROKEN)
        write(tmp_path, "flows/s.sw.yaml", STUCK)
        code, out, _ = run(capsys, "validate", "--format", "sarif", "--root", str(tmp_path), str(tmp_path))
        log = json.loads(out)
        assert code == 1
        assert_sarif_2_1_0(log)
        results = log["runs"][0]["results"]
        assert [(r["ruleId"], r["level"]) for r in results] == [
            ("unknown_state", "error"),
            ("ends_only_by_error", "warning"),
        ]
        location = results[0]["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] == "flows/b.sw.yaml"
        assert location["region"] == {"startLine": 8, "startColumn": 5}
        rules = {rule["id"]: rule for rule in log["runs"][0]["tool"]["driver"]["rules"]}
        assert rules["unknown_state"]["shortDescription"]["text"] != "unknown state"  # from the code table

    def test_sarif_file_uris_are_encoded(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        write(tmp_path, "my flows/b#2%41.sw.yaml", BROKEN)
        _, out, _ = run(capsys, "validate", "--format", "sarif", "--root", str(tmp_path), str(tmp_path))
        location = json.loads(out)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
        assert location["artifactLocation"] == {
            "uri": "my%20flows/b%232%2541.sw.yaml",
            "uriBaseId": "SRCROOT",
        }

    def test_sarif_of_clean_files_has_no_results(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, _ = run(capsys, "validate", "--format", "sarif", str(SPECS))
        log = json.loads(out)
        assert code == 0
        assert_sarif_2_1_0(log)
        assert log["runs"][0]["results"] == []


class TestDiscovery:
    def test_directories_are_searched_for_files_that_parse_as_workflows(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path
    ) -> None:
        write(tmp_path, "a/deep/flow.yaml", CHILD)
        write(tmp_path, "a/flow.json", json.dumps(yaml.safe_load(STUCK)))
        write(tmp_path, "a/broken.sw.yaml", "id: [unclosed\n")
        write(tmp_path, "a/deploy.yaml", "apiVersion: v1\nkind: ConfigMap\n# specVersion states\n")
        write(tmp_path, "a/package.json", '{"name": "states", "specVersion": 1}')
        write(tmp_path, "a/flow.test.yaml", "cases: []\n")
        write(tmp_path, "a/.hidden/flow.yaml", BROKEN)
        write(tmp_path, "a/not-yaml.yaml", "key: [unclosed\n")
        _, out, _ = run(capsys, "validate", "--json", str(tmp_path / "a"))
        checked = sorted(Path(item["file"]).name for item in json.loads(out)["files"])
        assert checked == ["broken.sw.yaml", "flow.json", "flow.yaml"]

    def test_a_named_file_that_is_not_a_workflow_is_skipped_with_a_note(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path
    ) -> None:
        other = write(tmp_path, "config.yaml", "name: not a workflow\n")
        code, out, err = run(capsys, "validate", str(other))
        assert (code, out) == (0, "")
        assert "config.yaml: skipped: not a workflow" in err

    def test_a_named_file_missing_states_is_still_checked(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path
    ) -> None:
        partial = write(tmp_path, "partial.yaml", 'id: p\nspecVersion: "0.8"\nstart: A\n')
        code, out, _ = run(capsys, "validate", str(partial))
        assert code == 1 and "schema_violation" in out


class TestCrossFile:
    def test_subflows_and_continue_as_resolve_among_the_files(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path
    ) -> None:
        write(tmp_path, "child.sw.yaml", CHILD)
        write(tmp_path, "parent.sw.yaml", parent())
        assert run(capsys, "validate", str(tmp_path))[0] == 0

    def test_a_single_file_finds_its_subflow_beside_it(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path
    ) -> None:
        """As pre-commit runs it: only the changed file is named."""
        write(tmp_path, "child.sw.yaml", CHILD)
        code, out, _ = run(capsys, "validate", str(write(tmp_path, "parent.sw.yaml", parent())))
        assert (code, out) == (0, "")

    def test_unknown_subflow_and_continue_as_are_reported_at_their_lines(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path
    ) -> None:
        path = write(tmp_path, "parent.sw.yaml", parent(child="ghost", again="phantom"))
        code, out, _ = run(capsys, "validate", "--json", str(path))
        problems = json.loads(out)["files"][0]["problems"]
        assert code == 1
        assert [(p["code"], p["line"], p["column"], p["path"]) for p in problems] == [
            ("unknown_subflow", 9, 11, "$.states[0].actions[0].subFlowRef.workflowId"),
            ("unknown_subflow", 15, 7, "$.states[1].end.continueAs"),
        ]
        assert "'ghost'" in problems[0]["message"]

    def test_a_version_that_no_file_defines_is_unknown(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path
    ) -> None:
        write(tmp_path, "child.sw.yaml", CHILD)
        text = parent().replace("workflowId: child", 'workflowId: child\n          version: "2.0"')
        _, out, _ = run(capsys, "validate", str(write(tmp_path, "parent.sw.yaml", text)))
        assert "unknown_subflow: workflow 'child' version '2.0'" in out

    def test_two_files_with_one_id_and_version_warn(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path
    ) -> None:
        write(tmp_path, "a.sw.yaml", CHILD)
        write(tmp_path, "b.sw.yaml", CHILD)
        code, out, _ = run(capsys, "validate", str(tmp_path))
        assert code == 0
        assert re.search(r"b\.sw\.yaml:1:1: warning duplicate_workflow: .*also defined by .*a\.sw\.yaml", out)

    def test_file_references_resolve_against_the_referring_file_within_the_root(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path
    ) -> None:
        functions = [{"name": "echo", "type": "custom", "operation": "builtin.echo"}]
        write(tmp_path, "repo/shared/functions.json", json.dumps(functions))
        flow = {
            "id": "uses",
            "specVersion": "0.8",
            "start": "A",
            "functions": "../shared/functions.json",
            "states": [{"name": "A", "type": "operation", "actions": [{"functionRef": "echo"}], "end": True}],
        }
        path = write(tmp_path, "repo/flows/uses.sw.json", json.dumps(flow))
        assert run(capsys, "validate", "--root", str(tmp_path / "repo"), str(path))[0] == 0
        code, out, _ = run(capsys, "validate", "--root", str(tmp_path / "repo/flows"), str(path))
        assert code == 1 and "file_reference_outside_root" in out

    def test_network_references_are_refused(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        text = CHILD.replace("start: Work", "functions: https://example.com/functions.json\nstart: Work")
        code, out, _ = run(capsys, "validate", str(write(tmp_path, "remote.sw.yaml", text)))
        assert code == 1 and "remote_reference_refused" in out


def test_schema_prints_the_shipped_json_schema(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    shipped = json.loads((REPO / "swengine/dsl/schema/workflow.schema.json").read_text(encoding="utf-8"))
    code, out, _ = run(capsys, "schema")
    assert code == 0 and json.loads(out) == shipped
    assert run(capsys, "schema", "--output", str(tmp_path / "s.json"))[0] == 0
    assert json.loads((tmp_path / "s.json").read_text(encoding="utf-8")) == shipped


def test_pre_commit_hook_definition() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    hook = next(h for h in hooks if h["id"] == "swengine-validate")
    assert (hook["entry"], hook["language"]) == ("swengine validate", "python")
    files, exclude = re.compile(hook["files"]), re.compile(hook["exclude"])

    def selected(name: str) -> bool:
        return bool(files.search(name)) and not exclude.search(name)

    assert all(selected(n) for n in ["specs/order.sw.yaml", "a/b.sw.json", "flow.yml", "flow.json"])
    assert not any(selected(n) for n in ["specs/order.test.yaml", "README.md", "app.py"])


DSL_1_0 = """document:
  dsl: '1.0.3'
  namespace: examples
  name: set-something
  version: '0.1.0'
do:
  - remember:
      set:
        a: 1
"""
LATER_DSL = DSL_1_0.replace("'1.0.3'", "'1.1.0'")


class TestTaskDslDocuments:
    """1.0.0 to 1.0.3 are validated by their own rules; another release gets one clear problem, never "skipped"."""

    def test_a_1_0_file_is_valid(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        path = write(tmp_path, "set.yaml", DSL_1_0)
        code, out, _ = run(capsys, "validate", str(path), "--format", "json")
        assert code == 0 and json.loads(out)["files"][0]["problems"] == []

    def test_a_1_0_file_is_judged_by_the_1_0_rules(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path
    ) -> None:
        path = write(tmp_path, "set.yaml", DSL_1_0 + "      then: nowhere\n")
        code, out, _ = run(capsys, "validate", str(path), "--format", "json")
        [problem] = json.loads(out)["files"][0]["problems"]
        assert code == 1 and problem["code"] == "unknown_task"
        assert (problem["path"], problem["line"], problem["column"]) == ("$.do[0].remember.then", 10, 7)

    def test_another_release_is_refused_at_its_dsl_line(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path
    ) -> None:
        path = write(tmp_path, "set.yaml", LATER_DSL)
        code, out, err = run(capsys, "validate", str(path), "--format", "json")
        assert code == 1 and "skipped" not in err
        [problem] = json.loads(out)["files"][0]["problems"]
        assert problem["code"] == "unsupported_dsl_version" and "1.1.0" in problem["message"]
        assert (problem["line"], problem["column"]) == (2, 3)

    def test_a_directory_walk_reports_it(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        write(tmp_path, "nested/set.yaml", LATER_DSL)
        code, out, _ = run(capsys, "validate", str(tmp_path))
        assert code == 1
        assert [m["code"] for m in map(TEXT_LINE.match, out.splitlines()) if m] == ["unsupported_dsl_version"]

    def test_run_refuses_it_before_starting_anything(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path
    ) -> None:
        code, _, err = run(capsys, "run", str(write(tmp_path, "set.yaml", LATER_DSL)))
        assert code != 0 and "unsupported_dsl_version" in err


def test_dialect_and_explain_on_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    saga = REPO / "tests" / "integration" / "sonataflow" / "saga.sw.json"
    assert main(["validate", str(saga)]) == 1
    standard = capsys.readouterr().out
    assert "warning sonataflow_dialect" in standard and "--dialect sonataflow" in standard
    assert main(["validate", "--dialect", "sonataflow", "--explain", str(saga)]) == 0
    explained = capsys.readouterr().out.splitlines()
    assert explained and all(": info dialect_construct: " in line for line in explained)
    assert any("service_function" in line and ":8:" in line for line in explained)


def test_a_1_0_run_workflow_must_name_a_workflow_in_the_set(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    caller = DSL_1_0.replace(
        "  - remember:\n",
        "  - delegate:\n      run:\n        workflow: {namespace: examples, name: helper, version: '1.0.0'}\n  - remember:\n",
    )
    write(tmp_path, "caller.yaml", caller)
    code, out, _ = run(capsys, "validate", str(tmp_path), "--format", "json")
    [problem] = json.loads(out)["files"][0]["problems"]
    assert code == 1 and problem["code"] == "unknown_subflow" and "examples/helper" in problem["message"]
    write(tmp_path, "helper.yaml", DSL_1_0.replace("set-something", "helper").replace("'0.1.0'", "'1.0.0'"))
    code, _, _ = run(capsys, "validate", str(tmp_path))
    assert code == 0


def test_schema_prints_the_1_0_schema_on_request(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "schema", "--dsl", "1.0")
    assert code == 0 and json.loads(out)["required"] == ["document", "do"]


def test_a_problem_never_prints_the_documents_control_characters(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A state name holding an escape sequence (clear the screen, print "ALL GOOD") shows as text."""
    trap = "\x1b[2J\x1b[HALL GOOD\r"
    document = {"id": "t", "specVersion": "0.8", "start": "S",
                "states": [{"name": "S", "type": "inject", "data": {}, "transition": trap}]}  # fmt: skip
    (tmp_path / "t.sw.json").write_text(json.dumps(document))
    assert main(["validate", str(tmp_path / "t.sw.json")]) == 1
    out = capsys.readouterr().out
    assert "\\x1b[2J" in out and "\x1b" not in out and "\r" not in out


def test_a_folder_s_link_to_a_file_outside_it_is_never_read(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "creds.json").write_text('{"id": "TOP-SECRET", "specVersion": "0.8", "states": 7}')
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "leak.sw.json").symlink_to(outside / "creds.json")
    (repo / "inside.sw.json").symlink_to(repo / "real.json")
    (repo / "real.json").write_text('{"id": "fine", "specVersion": "0.8", "states": 7}')
    main(["validate", str(repo), "--format", "sarif"])
    out = capsys.readouterr().out
    assert "TOP-SECRET" not in out and "leak.sw.json" not in out
    assert "inside.sw.json" in out  # a link that stays inside the folder is read as any file


def test_a_folder_with_a_wrongly_shaped_document_is_reported_not_a_crash(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "odd.sw.json").write_text('{"id": "odd", "specVersion": "0.8", "start": "S", "states": 7}')
    assert main(["validate", str(tmp_path)]) == 1
    assert "schema_violation" in capsys.readouterr().out
