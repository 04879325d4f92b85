"""``swengine run`` on 1.0 files, as an operator runs it (its own embedded Temporal): output on stdout, and a
faulted instance as exit 1 with its error object as the last line of stderr."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.reliability.conftest import clean_env, swengine_command

HEAD = "document: {dsl: '1.0.3', namespace: cli, name: %s, version: '1.0.0'}\n"
FETCH = """do:
  - fetch:
      call: http
      with: {method: get, endpoint: 'https://pets.example.com/pets/{id}'}
      output: {as: '{name: .name, id: $input.id}'}
"""
FAULT = """do:
  - guarded:
      do:
        - boom:
            raise: {error: {type: https://example.com/boom, status: 418, title: teapot}}
"""


def swengine(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(swengine_command(*args), cwd=cwd, env=clean_env(), capture_output=True, text=True,
                          timeout=180)  # fmt: skip


def test_run_a_1_0_file_with_input_and_a_mocked_call(tmp_path: Path) -> None:
    (tmp_path / "fetch.yaml").write_text(HEAD % "fetch" + FETCH)
    done = swengine(
        "run", "fetch.yaml", "--input", '{"id": 7}', "--mock", 'fetch={"name": "Rex"}', cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"name": "Rex", "id": 7}


def test_a_faulted_1_0_instance_exits_1_with_its_error_as_one_json_line(tmp_path: Path) -> None:
    (tmp_path / "fault.yaml").write_text(HEAD % "fault" + FAULT)
    failed = swengine("run", "fault.yaml", cwd=tmp_path)
    assert failed.returncode == 1 and failed.stdout.strip() == ""
    last = failed.stderr.strip().splitlines()[-1]
    assert json.loads(last) == {
        "error": {
            "type": "https://example.com/boom", "status": 418, "title": "teapot",
            "instance": "/do/0/guarded/do/0/boom",
        }
    }  # fmt: skip


TWO_CALLS = """use:
  functions:
    lookup:
      call: http
      with: {method: get, endpoint: 'https://pets.example.com/pets/1'}
do:
  - first:
      call: lookup
      output: {as: '{first: .name}'}
  - second:
      call: lookup
      output: {as: '$input + {second: .name}'}
"""


def test_run_mocks_one_call_task_by_its_name_and_the_function_for_the_rest(tmp_path: Path) -> None:
    (tmp_path / "two.yaml").write_text(HEAD % "two" + TWO_CALLS)
    done = swengine(
        "run",
        "two.yaml",
        "--mock",
        'lookup={"name": "Rex"}',
        "--mock",
        'second={"name": "Tom"}',
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"first": "Rex", "second": "Tom"}
