"""SonataFlow's switch without ``defaultCondition`` (0.8 requires one).

Source: ``SwitchHandler`` adds a default connection only when ``defaultCondition`` is given. With none, a data
switch that matches nothing fails (jBPM ``SplitInstance``: "XOR split could not find at least one valid
outgoing connection"), and an event switch waits until an event comes (no timer is created).
Here a data switch gets a default transition to a state that fails with that error; an event switch gets one
that is never taken, since without ``eventTimeout`` it never times out.
"""

from __future__ import annotations

from typing import Any

from swengine.dsl.constructs import Construct
from swengine.dsl.dialects.sonataflow.walk import states

FAIL_FUNCTION = "sonataflow.no_matching_condition"
FAIL_ACTIVITY = "builtin.fail"
ERROR_TYPE = "java.lang.IllegalArgumentException"
"""What SonataFlow throws, so an ``onErrors`` written for SonataFlow (``code`` = that class) still catches it."""


def rewrite_switches(data: dict[str, Any]) -> list[Construct]:
    constructs: list[Construct] = []
    added: list[dict[str, Any]] = []
    for state, path in list(states(data)):
        if state.get("type") != "switch" or "defaultCondition" in state:
            continue
        name = str(state.get("name"))
        target = f"{name} (no condition matched)"
        state["defaultCondition"] = {"transition": {"nextState": target}}
        if state.get("eventConditions"):
            standard = f"defaultCondition to {target!r}, never taken: without eventTimeout the switch waits"
        else:
            standard = f"defaultCondition to {target!r}, which fails with {ERROR_TYPE}"
        constructs.append(Construct("missing_default_condition", path, standard))
        added.append(_failing_state(target, name, state.get("onErrors")))
    if added:
        data["states"] = [*data["states"], *added]
        functions = data.setdefault("functions", [])
        if isinstance(functions, list):
            functions.append({"name": FAIL_FUNCTION, "type": "custom", "operation": FAIL_ACTIVITY})
    return constructs


def _failing_state(name: str, switch: str, on_errors: Any) -> dict[str, Any]:
    message = f"XOR split could not find at least one valid outgoing connection for split {switch}"
    state: dict[str, Any] = {
        "name": name,
        "type": "operation",
        "actions": [
            {"functionRef": {"refName": FAIL_FUNCTION, "arguments": {"type": ERROR_TYPE, "message": message}}}
        ],
        "end": True,
    }
    if on_errors is not None:
        state["onErrors"] = on_errors
    return state
