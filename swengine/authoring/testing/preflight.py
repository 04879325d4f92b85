"""What must hold before a case can run: its mocks name real, mockable functions, and every activity the
workflow calls is either mocked or registered."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from temporalio import activity

from swengine.authoring.testing.cases import Case, CaseFileError
from swengine.core.ir import OPERATION_ACTIVITIES, WorkflowIR
from swengine.core.ir_tasks import HTTP_ACTIVITY
from swengine.runtime.mocks import function_calls


def activity_names(functions: Sequence[Callable[..., Any]]) -> set[str]:
    return {str(activity._Definition.must_from_callable(fn).name) for fn in functions}


def check_mocks(case: Case, definitions: list[WorkflowIR], registered: set[str]) -> None:
    """Mocks must name functions that call activities; every activity called must be mocked or registered."""
    calls = [call for ir in definitions for call in function_calls(ir)]
    by_name = {call.function: call for call in calls}
    for name in case.mocks:
        call = by_name.get(name)
        if call is None:
            known = ", ".join(sorted(by_name)) or "none"
            raise CaseFileError(
                f"mock {name!r} names no function the workflow calls (functions called: {known})"
            )
        if call.activity is None:
            raise CaseFileError(
                f"mock {name!r}: {call.type} function runs inside the workflow and cannot be mocked"
            )
    for name in case.mocks:
        sharing = sorted(
            {c.function for c in calls if c.activity == by_name[name].activity} - set(case.mocks)
        )
        if sharing and by_name[name].activity not in OPERATION_ACTIVITIES | {HTTP_ACTIVITY}:
            raise CaseFileError(
                f"mock {name!r}: {', '.join(sharing)} call(s) the same activity {by_name[name].activity!r}, "
                "which cannot tell the callers apart: mock them too"
            )
    missing = sorted(
        {f"{c.function} ({c.activity})" for c in calls if c.activity not in registered | {None}}
        - {f"{name} ({by_name[name].activity})" for name in case.mocks}
    )
    if missing:
        raise CaseFileError(f"no activity registered for {', '.join(missing)}: mock it or pass --activities")
