"""The problem-code table is the one home of codes: every code a check reports is in it, and the validator's
documentation and the SARIF rules are made from it."""

from __future__ import annotations

from pathlib import Path

from swengine.authoring.reporting import rule_descriptions
from swengine.dsl import validator
from swengine.dsl.codes import CODES
from swengine.dsl.validator import validate_file

HERE = Path(__file__).parent
BROKEN = sorted((HERE / "broken").iterdir()) + sorted((HERE / "corpus").iterdir())


def test_every_code_the_checks_report_is_in_the_table() -> None:
    reported = {problem.code for path in BROKEN for problem in validate_file(path, root=HERE)}
    assert len(reported) > 15, reported  # the corpora exercise most checks
    assert reported <= set(CODES), reported - set(CODES)


def test_documentation_and_sarif_rules_come_from_the_table() -> None:
    assert all(code in (validator.__doc__ or "") for code in CODES)
    assert rule_descriptions() == {code: (entry.severity, entry.meaning) for code, entry in CODES.items()}
    assert {entry.severity for entry in CODES.values()} == {"error", "warning", "info"}
