"""The loader: YAML/JSON to data plus positions, safe on hostile input, file references kept local."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import pytest

from swengine.core.errors import DocumentError, Problem
from swengine.dsl.loader import Document, Limits, json_path, load_file, load_text

MINIMAL = """\
id: hello
version: '1.0'
specVersion: '0.8'
states:
  - name: Hello
    type: inject
    data:
      greeting: hi
    end: true
"""


def refused(text: str | bytes, **kwargs) -> list[Problem]:
    """The problems of a document the loader must refuse; each one is located."""
    with pytest.raises(DocumentError) as caught:
        load_text(text, **kwargs)
    problems = caught.value.problems
    assert problems
    assert all(p.line is not None and p.column is not None for p in problems), problems
    return problems


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, problems
    return problems[0]


class TestParsing:
    def test_yaml_document_loads_with_positions(self) -> None:
        document = load_text(MINIMAL, source="hello.yaml")
        assert document.data["states"][0]["data"] == {"greeting": "hi"}
        assert document.source == "hello.yaml"
        assert document.locate(("states", 0, "type")) == (6, 5)
        assert document.locate(("states", 0, "data", "greeting")) == (8, 7)

    def test_locate_falls_back_to_nearest_located_ancestor(self) -> None:
        document = load_text(MINIMAL)
        assert document.source_map.locate(("states", 0, "data", "missing", 3)) == (7, 5)
        assert document.source_map.locate(("nowhere",)) == (1, 1)

    def test_json_document_loads_with_positions(self) -> None:
        text = '{\n  "id": "x",\n  "specVersion": "0.8",\n  "states": [\n    {"name": "A", "type": "inject"}\n  ]\n}\n'
        document = load_text(text, source="x.json")
        assert document.data["states"] == [{"name": "A", "type": "inject"}]
        assert document.locate(("states", 0)) == (5, 5)
        assert document.locate(("states", 0, "type")) == (5, 19)

    def test_json_literals_follow_json_not_yaml_1_1(self) -> None:
        # YAML 1.1 reads 1e5 as a string and tabs between tokens as errors; JSON does not.
        document = load_text('{"a":\t1e5, "b": "yes", "c": null, "d": true}')
        assert document.data == {"a": 100000.0, "b": "yes", "c": None, "d": True}

    def test_flow_yaml_is_read_as_yaml_when_the_name_says_so(self) -> None:
        assert load_text("{id: x, n: 1}", source="w.yaml").data == {"id": "x", "n": 1}

    def test_content_hash_is_sha256_of_the_text(self) -> None:
        document = load_text(MINIMAL)
        assert document.content_hash == hashlib.sha256(MINIMAL.encode()).hexdigest()
        assert document.text == MINIMAL

    def test_bytes_with_bom_are_decoded(self) -> None:
        assert load_text("\ufeffid: x\n".encode()).data == {"id": "x"}

    def test_unquoted_versions_become_strings_exactly_as_written(self) -> None:
        document = load_text("id: x\nspecVersion: 0.8\nversion: 1.10\nstates: []\n")
        assert document.data["specVersion"] == "0.8"
        assert document.data["version"] == "1.10"

    def test_subflow_and_continue_as_versions_become_strings(self) -> None:
        text = "a:\n  subFlowRef: {workflowId: w, version: 2.0}\n  end: {continueAs: {workflowId: w, version: 1}}\n"
        data = load_text(text).data
        assert data["a"]["subFlowRef"]["version"] == "2.0"
        assert data["a"]["end"]["continueAs"]["version"] == "1"

    def test_user_data_named_version_keeps_its_type(self) -> None:
        assert load_text("data:\n  version: 1.5\n").data == {"data": {"version": 1.5}}

    def test_keys_are_strings_and_timestamps_stay_text(self) -> None:
        assert load_text("1: a\ntrue: b\nwhen: 2024-01-02\n").data == {
            "1": "a",
            "true": "b",
            "when": "2024-01-02",
        }

    def test_merge_keys_are_supported(self) -> None:
        data = load_text("base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\n").data
        assert data["other"] == {"x": 1, "y": 3}

    def test_aliases_are_copies_not_shared_objects(self) -> None:
        data = load_text("a: &a {x: 1}\nb: *a\n").data
        assert data["a"] == data["b"] and data["a"] is not data["b"]


class TestRefusals:
    def test_malformed_yaml_names_line_and_column(self) -> None:
        problem = only(refused("id: x\nstates:\n  - name: A\n    type: inject\n      data: 1\n"))
        assert problem.code == "parse_error"
        assert (problem.line, problem.column) == (5, 11)
        assert "mapping values are not allowed" in problem.message

    def test_malformed_json_names_line_and_column(self) -> None:
        problem = only(refused('{\n  "id": "x",\n  "states": [1, 2,]\n}\n'))
        assert problem.code == "parse_error"
        assert (problem.line, problem.column) == (3, 19)
        assert problem.message.startswith("invalid JSON")

    def test_json_name_forces_json(self) -> None:
        assert only(refused("id: x\n", source="w.json")).code == "parse_error"

    @pytest.mark.parametrize(
        ("text", "where"),
        [
            ("id: a\nname: n\nid: b\n", (3, 1)),
            ("states:\n  - name: A\n    type: inject\n    name: B\n", (4, 5)),
            ('{"id": "a",\n "id": "b"}', (2, 2)),
        ],
    )
    def test_duplicate_keys_point_at_the_second_key(self, text: str, where: tuple[int, int]) -> None:
        problem = only(refused(text))
        assert problem.code == "duplicate_key"
        assert (problem.line, problem.column) == where

    def test_all_duplicate_keys_are_reported_together(self) -> None:
        problems = refused("a: 1\na: 2\nb:\n  c: 1\n  c: 2\n")
        assert [(p.code, p.line) for p in problems] == [("duplicate_key", 2), ("duplicate_key", 5)]

    @pytest.mark.parametrize("text", ["- a\n- b\n", "", "just text\n", "# only a comment\n"])
    def test_documents_that_are_not_mappings(self, text: str) -> None:
        assert only(refused(text)).code == "not_a_mapping"

    def test_size_is_bounded(self) -> None:
        problem = only(refused("id: " + "x" * 200 + "\n", limits=Limits(max_bytes=100)))
        assert problem.code == "document_too_large"

    def test_billion_laughs_is_refused_fast_and_never_expanded(self) -> None:
        lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
        lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 10)]
        started = time.perf_counter()
        problem = only(refused("\n".join(lines) + "\n"))
        elapsed = time.perf_counter() - started
        # Refused by counting while parsing: full expansion would be 9**10 nodes and never finish in time.
        assert problem.code == "alias_limit_exceeded"
        assert elapsed < 0.5
        assert problem.line is not None and problem.line <= 10

    def test_recursive_alias_is_refused(self) -> None:
        assert only(refused("a: &a [1, *a]\n")).code == "alias_limit_exceeded"

    def test_undefined_alias_is_a_parse_error(self) -> None:
        problem = only(refused("a: *nowhere\n"))
        assert problem.code == "parse_error" and (problem.line, problem.column) == (1, 4)

    def test_deep_yaml_nesting_is_refused_with_its_line(self) -> None:
        problem = only(refused("id: x\nbad: " + "[" * 300 + "]" * 300 + "\n"))
        assert problem.code == "nesting_too_deep"
        assert problem.line == 2

    @pytest.mark.parametrize("parser", ["libyaml", "pure-python"])
    @pytest.mark.parametrize("depth", [201, 999, 1_001, 50_000])
    @pytest.mark.parametrize("opening", ["[", "{a: ", '["x[", ', "[ # ]]]\n "])
    def test_deep_flow_nesting_is_too_deep_whichever_parser_stops_first(
        self, monkeypatch: pytest.MonkeyPatch, parser: str, depth: int, opening: str
    ) -> None:
        """Our bound (200), libyaml's (about 1,000, hit while scanning ahead) and any other give one code.

        Brackets inside quoted strings and comments do not count; the problem points at the bracket that
        passed our bound, on the line where it stands.
        """
        import yaml

        from swengine.dsl import parser as parser_module

        if parser == "pure-python":
            monkeypatch.setattr(parser_module, "_PARSER", yaml.SafeLoader)
        closing = "]" if opening.strip().startswith("[") else "}"
        text = "id: x\nbad: " + opening * depth + "1" + closing * depth + "\n"
        problem = only(refused(text))
        assert problem.code == "nesting_too_deep"
        assert problem.line >= 2

    def test_a_recursion_error_while_parsing_is_too_deep(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from swengine.dsl import parser as parser_module

        def recursing(*_args: object, **_kwargs: object) -> None:
            raise RecursionError

        monkeypatch.setattr(parser_module.yaml, "parse", recursing)
        assert only(refused("id: x\n")).code == "nesting_too_deep"

    def test_a_parse_error_in_shallow_flow_stays_a_parse_error(self) -> None:
        problem = only(refused("id: x\nbad: [1, 2\nother: {a: [}\n"))
        assert problem.code == "parse_error"

    def test_deep_json_nesting_is_refused(self) -> None:
        assert only(refused('{"a": ' + "[" * 300 + "]" * 300 + "}")).code == "nesting_too_deep"
        assert only(refused('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}")).code == "nesting_too_deep"

    def test_python_tags_are_refused(self) -> None:
        problem = only(refused("a: !!python/object/apply:os.system ['echo hi']\n"))
        assert problem.code == "parse_error" and "unsupported tag" in problem.message

    def test_several_documents_are_refused(self) -> None:
        problem = only(refused("id: a\n---\nid: b\n"))
        assert problem.code == "parse_error" and problem.line == 2

    def test_invalid_utf8_is_located(self) -> None:
        problem = only(refused(b"id: x\nname: \xff\xfe\n"))
        assert problem.code == "parse_error" and problem.line == 2

    def test_control_characters_are_located(self) -> None:
        problem = only(refused("id: x\nname: a\x00b\n"))
        assert problem.code == "parse_error" and problem.line == 2


class TestJsonPath:
    @pytest.mark.parametrize(
        ("path", "text"),
        [
            ((), "$"),
            (("states", 2, "transition"), "$.states[2].transition"),
            (("functions", 0, "my key"), "$.functions[0]['my key']"),
            (("a-b",), "$['a-b']"),
        ],
    )
    def test_format(self, path: tuple, text: str) -> None:
        assert json_path(path) == text


FUNCTIONS = {"functions": [{"name": "f", "type": "expression", "operation": ".a"}]}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def workflow(tmp_path: Path, references: str, name: str = "flow.yaml") -> Path:
    return write(tmp_path / name, "id: x\nspecVersion: '0.8'\n" + references + "states: []\n")


class TestFileReferences:
    def test_wrapped_json_and_bare_yaml_references_resolve(self, tmp_path: Path) -> None:
        write(tmp_path / "defs" / "functions.json", json.dumps(FUNCTIONS))
        write(tmp_path / "events.yml", "- name: e\n  type: t\n  source: s\n")
        document = load_file(
            workflow(tmp_path, "functions: file://defs/functions.json\nevents: events.yml\n")
        )
        assert document.data["functions"] == FUNCTIONS["functions"]
        assert document.data["events"] == [{"name": "e", "type": "t", "source": "s"}]
        assert document.base_dir == tmp_path.resolve()

    def test_included_nodes_keep_their_origin(self, tmp_path: Path) -> None:
        write(tmp_path / "events.yml", "events:\n  - name: e\n    type: t\n")
        document = load_file(workflow(tmp_path, "events: events.yml\n"))
        assert document.locate(("events", 0, "type")) == (3, 1)  # the referring property
        assert document.source_map.origin(("events", 0, "type")) == ("events.yml", 3, 5)
        assert document.source_map.origin(("states",)) is None

    def test_timeouts_reference_holds_an_object(self, tmp_path: Path) -> None:
        write(tmp_path / "timeouts.json", '{"timeouts": {"workflowExecTimeout": "PT1H"}}')
        document = load_file(workflow(tmp_path, "timeouts: timeouts.json\n"))
        assert document.data["timeouts"] == {"workflowExecTimeout": "PT1H"}

    def test_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(DocumentError) as caught:
            load_file(workflow(tmp_path, "functions: nothere.json\n"))
        problem = only(caught.value.problems)
        assert (problem.code, problem.line, problem.column, problem.path) == (
            "file_reference_not_found",
            3,
            1,
            "$.functions",
        )

    @pytest.mark.parametrize(
        "reference", ["../outside.json", "file://../outside.json", "sub/../../outside.json"]
    )
    def test_escaping_the_root_is_refused(self, tmp_path: Path, reference: str) -> None:
        write(tmp_path / "outside.json", json.dumps(FUNCTIONS))
        with pytest.raises(DocumentError) as caught:
            load_file(workflow(tmp_path / "flows", f"functions: '{reference}'\n"))
        assert only(caught.value.problems).code == "file_reference_outside_root"

    def test_absolute_path_outside_the_root_is_refused(self, tmp_path: Path) -> None:
        outside = write(tmp_path / "outside.json", json.dumps(FUNCTIONS))
        with pytest.raises(DocumentError) as caught:
            load_file(workflow(tmp_path / "flows", f"functions: 'file://{outside}'\n"))
        assert only(caught.value.problems).code == "file_reference_outside_root"

    def test_symlink_leaving_the_root_is_refused(self, tmp_path: Path) -> None:
        outside = write(tmp_path / "outside.json", json.dumps(FUNCTIONS))
        (tmp_path / "flows").mkdir()
        (tmp_path / "flows" / "link.json").symlink_to(outside)
        with pytest.raises(DocumentError) as caught:
            load_file(workflow(tmp_path / "flows", "functions: link.json\n"))
        assert only(caught.value.problems).code == "file_reference_outside_root"

    def test_a_wider_root_can_be_given(self, tmp_path: Path) -> None:
        write(tmp_path / "shared" / "functions.json", json.dumps(FUNCTIONS))
        flow = workflow(tmp_path / "flows", "functions: ../shared/functions.json\n")
        assert load_file(flow, root=tmp_path).data["functions"] == FUNCTIONS["functions"]

    @pytest.mark.parametrize("reference", ["http://example.com/f.json", "https://example.com/f.json"])
    def test_network_references_are_refused(self, tmp_path: Path, reference: str) -> None:
        with pytest.raises(DocumentError) as caught:
            load_file(workflow(tmp_path, f"functions: {reference}\n"))
        assert only(caught.value.problems).code == "remote_reference_refused"

    def test_text_without_a_directory_cannot_resolve_references(self) -> None:
        problem = only(refused("id: x\nfunctions: defs.json\nstates: []\n"))
        assert problem.code == "file_reference_not_found" and problem.line == 2

    def test_broken_included_file_is_reported_at_the_reference(self, tmp_path: Path) -> None:
        write(tmp_path / "functions.yml", "functions:\n  - name: a\n    name: b\n")
        with pytest.raises(DocumentError) as caught:
            load_file(workflow(tmp_path, "functions: functions.yml\n"))
        problem = only(caught.value.problems)
        assert problem.code == "duplicate_key" and problem.line == 3
        assert "functions.yml at 3:5" in problem.message

    def test_included_file_of_the_wrong_shape(self, tmp_path: Path) -> None:
        write(tmp_path / "functions.json", '{"events": []}')
        with pytest.raises(DocumentError) as caught:
            load_file(workflow(tmp_path, "functions: functions.json\n"))
        assert only(caught.value.problems).code == "file_reference_invalid"

    def test_every_reference_problem_is_reported_at_once(self, tmp_path: Path) -> None:
        with pytest.raises(DocumentError) as caught:
            load_file(workflow(tmp_path, "functions: a.json\nevents: http://x/e.json\nretries: ../r.json\n"))
        assert [p.code for p in caught.value.problems] == [
            "file_reference_not_found",
            "remote_reference_refused",
            "file_reference_outside_root",
        ]

    def test_missing_top_level_file(self, tmp_path: Path) -> None:
        with pytest.raises(DocumentError) as caught:
            load_file(tmp_path / "absent.yaml")
        assert only(caught.value.problems).code == "file_not_found"

    def test_loaded_document_type(self, tmp_path: Path) -> None:
        assert isinstance(load_file(write(tmp_path / "w.yaml", MINIMAL)), Document)
