"""Line and column accuracy of ``swengine validate`` on a corpus of broken documents.

Each file in ``corpus/`` says on its first line ``# expect: <line>:<col> <code>`` of the first problem the
command must report; a JSON file, which cannot carry a comment, says it in a sidecar ``<name>.expect``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from swengine.cli import main

CORPUS = Path(__file__).resolve().parent / "corpus"
EXPECT = re.compile(r"^(?:#\s*expect:\s*)?(\d+):(\d+)\s+(\w+)\s*$")
CASES = sorted(p for p in CORPUS.iterdir() if p.suffix in (".yaml", ".yml", ".json"))
REQUIRED = {
    "parse_error",
    "duplicate_key",
    "unknown_state_type",
    "unknown_state",
    "unreachable_state",
    "invalid_expression",
    "forbidden_builtin",
    "invalid_duration",
    "unknown_function",
    "unknown_subflow",
}


def expectation(path: Path) -> tuple[int, int, str]:
    sidecar = path.with_name(path.name + ".expect")
    line = sidecar.read_text(encoding="utf-8") if sidecar.exists() else path.read_text(encoding="utf-8")
    match = EXPECT.match(line.splitlines()[0])
    assert match, f"{path.name}: no '# expect: <line>:<col> <code>' on the first line (or in {sidecar.name})"
    return int(match[1]), int(match[2]), match[3]


@pytest.mark.parametrize("path", CASES, ids=[p.name for p in CASES])
def test_first_problem_is_where_the_file_says(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["validate", "--format", "json", "--root", str(CORPUS), str(path)])
    problems = json.loads(capsys.readouterr().out)["files"][0]["problems"]
    assert problems, f"{path.name}: no problem reported"
    first = problems[0]
    assert (first["line"], first["column"], first["code"]) == expectation(path), first["message"]


@pytest.mark.parametrize("path", CASES, ids=[p.name for p in CASES])
def test_text_output_names_the_same_place(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["validate", "--root", str(CORPUS), str(path)])
    line, column, code = expectation(path)
    first = capsys.readouterr().out.splitlines()[0]
    assert re.match(rf"^.*{re.escape(path.name)}:{line}:{column}: (error|warning) {code}: ", first), first


def test_the_corpus_covers_every_kind_of_mistake() -> None:
    assert REQUIRED <= {expectation(path)[2] for path in CASES}
    assert any(path.suffix == ".json" for path in CASES)
