"""Every definition published with the 0.8 examples either validates, or is refused for the reason we expect.

The examples live in ../shared/examples/v08 (read at run time, never copied). Files a definition references
are published with the example's prefix (``19-...functiondefs.json`` for ``functions: functiondefs.json``),
so a definition is staged into a temporary directory under the names it uses, then loaded with
``validate_file`` like any user file.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from swengine.dsl.validator import validate_file

EXAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "examples" / "v08"
_NOT_REFERENCED = re.compile(
    r"^(json|yaml|input\.json|event[\w-]*\.json|mock-[\w-]+\.json|expected[\w-]*\.json|sub-[\w-]+\.(json|yaml))$"
)

EXPECTED: dict[str, tuple[set[str], str]] = {
    "08-event-based-transitions.json": (
        {"schema_violation"},
        "published defect: eventTimeout directly on the switch state (0.7 placement; 0.8 has timeouts.eventTimeout)",
    ),
    "08-event-based-transitions.yaml": ({"parse_error"}, "published defect: 'actions' indented under 'type'"),
    "15-perform-customer-credit-check.json": (
        {"unknown_function"},
        "the callback action calls callCreditCheckMicroservice, which no function defines",
    ),
    "15-perform-customer-credit-check.yaml": ({"unknown_function"}, "as the JSON"),
    "20-new-patient-onboarding.json": (
        {"unknown_event", "unknown_function"},
        "eventRefs NewPatientEvent (only StorePatient is defined) and functionRef StorePatient (an event name)",
    ),
    "20-new-patient-onboarding.yaml": (
        {"parse_error"},
        "published defect: a list item indented less than its siblings",
    ),
    "21-purchase-order-deadline.json": (
        {"invalid_duration"},
        "workflowExecTimeout PT30D is not ISO 8601: days come before the T (P30D)",
    ),
    "21-purchase-order-deadline.yaml": ({"invalid_duration"}, "as the JSON"),
    "23-car-vitals-checks.sub-vitalscheck.json": (
        {"unknown_function", "unknown_event"},
        "calls 'Check Tire Pressure' where the function is named checkTirePressure; DisplayChecksOnDashboard undefined",
    ),
    "23-car-vitals-checks.sub-vitalscheck.yaml": ({"unknown_function", "unknown_event"}, "as the JSON"),
    "24-book-lending.json": (
        {"file_reference_not_found"},
        "its function and event definition files (books/lending/*.json) were never published",
    ),
    "24-book-lending.yaml": ({"file_reference_not_found"}, "as the JSON"),
    "26-online-food-ordering.sub-deliverorderworkflow.yaml": (
        {"unknown_function", "unknown_event"},
        "uses the parent's functions and events without referencing their files",
    ),
    "26-online-food-ordering.sub-placeorderworkflow.yaml": (
        {"unknown_function", "unknown_event"},
        "as above",
    ),
    "28-process-transactions.json": (
        {"unsupported_feature", "unknown_function"},
        "asyncapi functions (refused), and 'Banking Service - Smaller Tx' is defined as '... Smaller T'",
    ),
    "28-process-transactions.yaml": ({"unsupported_feature", "unknown_function"}, "as the JSON"),
}
LINES = {
    "08-event-based-transitions.yaml": 32,
    "20-new-patient-onboarding.yaml": 24,
}
"""Where the YAML parse errors must be reported."""


def definitions() -> list[str]:
    """Every definition file of the examples (the table when the examples are not beside the checkout)."""
    if not EXAMPLES.is_dir():
        return sorted(EXPECTED)
    return sorted(
        path.name
        for path in EXAMPLES.iterdir()
        if re.fullmatch(r"\d\d-[\w-]+(\.sub-[\w-]+)?\.(json|yaml)", path.name)
    )


def stage(name: str, directory: Path) -> Path:
    """Copy a definition and the files it references (under the names it uses) into ``directory``."""
    prefix = name.split(".", 1)[0]
    for path in EXAMPLES.glob(prefix + ".*"):
        suffix = path.name[len(prefix) + 1 :]
        if not _NOT_REFERENCED.match(suffix):
            shutil.copy(path, directory / suffix)
    shutil.copy(EXAMPLES / name, directory / name)
    return directory / name


@pytest.mark.parametrize("name", definitions())
def test_example_is_accepted_or_refused_as_expected(name: str, tmp_path: Path) -> None:
    if not EXAMPLES.is_dir():
        pytest.skip(f"the shared examples are not at {EXAMPLES}")
    problems = validate_file(stage(name, tmp_path))
    assert all(p.line is not None and p.column is not None for p in problems)
    errors = {p.code for p in problems if p.severity == "error"}
    expected, reason = EXPECTED.get(name, (set(), "valid"))
    assert errors == expected, f"{name} ({reason}): {[(p.code, p.location(), p.message) for p in problems]}"
    if name in LINES:
        assert problems[0].line == LINES[name]


def test_table_names_only_existing_files() -> None:
    if not EXAMPLES.is_dir():
        pytest.skip(f"the shared examples are not at {EXAMPLES}")
    assert set(EXPECTED) <= set(definitions())
    assert len(definitions()) >= 56


def test_referenced_files_resolve_when_staged(tmp_path: Path) -> None:
    if not EXAMPLES.is_dir():
        pytest.skip(f"the shared examples are not at {EXAMPLES}")
    from swengine.dsl.loader import load_file

    document = load_file(stage("26-online-food-ordering.yaml", tmp_path))
    assert [f["name"] for f in document.data["functions"]][0] == "Submit Order Function"
    assert document.source_map.origin(("events", 1, "name")) == ("orderevents.yml", 7, 3)
