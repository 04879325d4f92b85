"""Files the authoring commands read besides workflows (test files, ``run --input``/``--event``/``--mock``) are
parsed within a workflow's own bounds: a few hundred bytes of nested YAML aliases is refused, not expanded."""

from __future__ import annotations

from pathlib import Path

import pytest

from swengine.authoring.testing.cases import CaseFileError, load_test_file
from swengine.commands.inputs import UsageError, json_or_file

BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{name}: &{name} [*{prior}, *{prior}, *{prior}, *{prior}, *{prior}, *{prior}, *{prior}, *{prior}, *{prior}, *{prior}]\n"
    for prior, name in zip("abcdefgh", "bcdefghi", strict=True)
)  # 10**9 nodes once expanded


def test_an_alias_bomb_as_run_input_is_refused(tmp_path: Path) -> None:
    (tmp_path / "input.yaml").write_text(BOMB)
    with pytest.raises(UsageError):
        json_or_file(str(tmp_path / "input.yaml"))
    (tmp_path / "fine.yaml").write_text("a: &a [1, 2]\nb: *a\n")
    assert json_or_file(str(tmp_path / "fine.yaml")) == {"a": [1, 2], "b": [1, 2]}


def test_an_alias_bomb_as_a_test_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "flow.sw.yaml").write_text("id: flow\nspecVersion: '0.8'\nstart: S\nstates: []\n")
    nested = "".join(f"      {line}\n" for line in BOMB.splitlines())
    (tmp_path / "flow.test.yaml").write_text(
        f"workflow: flow.sw.yaml\ncases:\n  - name: big\n    input:\n{nested}    expect: {{status: completed}}\n"
    )
    with pytest.raises(CaseFileError):
        load_test_file(tmp_path / "flow.test.yaml")
