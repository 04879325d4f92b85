"""The 1.0 conformance kit, run end to end on the dev server: the offline scenarios, steps as written.

The feature files are read from ../shared/examples/v10-ctk at test time (skipped when absent). Each step
of the kit's README that a scenario uses is implemented here; an unknown step fails the test loudly.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from swengine.compiler.pipeline import compile_text
from swengine.runtime.service import InstanceFailed, Service
from tests import ctk
from tests.integration.conftest import running
from tests.standins import standin_server

OFFLINE = [scenario for scenario in ctk.scenarios() if scenario.offline]
NETWORK = [scenario for scenario in ctk.scenarios() if not scenario.offline]
PUBLIC_HOSTS = ("https://petstore.swagger.io", "https://httpbin.org")


def _lookup(data: Any, dotted: str) -> Any:
    for key in dotted.split("."):
        assert isinstance(data, dict) and key in data, f"no '{dotted}' in {data!r}"
        data = data[key]
    return data


def _ran(visited: list[str]) -> list[str]:
    """Names of the tasks that ran, in order (the status lists their JSON pointers)."""
    return [pointer.rsplit("/", 1)[-1] for pointer in visited if pointer.startswith("/")]


class Outcome:
    def __init__(self, output: Any = None, error: dict[str, Any] | None = None, ran: list[str] | None = None):
        self.output, self.error, self.ran = output, error, ran or []


def check(step: ctk.Step, outcome: Outcome) -> None:
    text = re.sub(r"^(Then|And|But)\s+", "", step.text)
    for pattern, assertion in STEPS:
        found = re.fullmatch(pattern, text)
        if found:
            assertion(outcome, step, *found.groups())
            return
    raise AssertionError(f"no implementation of the CTK step {step.text!r}")


def _completes(outcome: Outcome, step: ctk.Step) -> None:
    assert outcome.error is None, outcome.error
    if step.doc is not None:
        assert outcome.output == step.value()


def _faults(outcome: Outcome, step: ctk.Step) -> None:
    assert outcome.error is not None, f"completed with {outcome.output!r}"
    if step.doc is not None:
        expected = step.value()
        assert {key: outcome.error.get(key) for key in expected} == expected


def _has_properties(outcome: Outcome, step: ctk.Step, names: str) -> None:
    for name in re.findall(r"'([^']+)'", names):
        _lookup(outcome.output, name)


def _has_value(outcome: Outcome, step: ctk.Step, name: str) -> None:
    assert _lookup(outcome.output, name) == step.value()


def _has_items(outcome: Outcome, step: ctk.Step, name: str, count: str) -> None:
    assert len(_lookup(outcome.output, name)) == int(count)


def _first(outcome: Outcome, step: ctk.Step, task: str) -> None:
    assert outcome.ran[:1] == [task], outcome.ran


def _last(outcome: Outcome, step: ctk.Step, task: str) -> None:
    assert outcome.ran[-1:] == [task], outcome.ran


def _after(outcome: Outcome, step: ctk.Step, later: str, earlier: str) -> None:
    assert outcome.ran.index(later) > outcome.ran.index(earlier), outcome.ran


def _before(outcome: Outcome, step: ctk.Step, earlier: str, later: str) -> None:
    _after(outcome, step, later, earlier)


STEPS = [
    (r"the workflow should complete(?: with output:)?", _completes),
    (r"the workflow should fault(?: with error:)?", _faults),
    (r"the workflow output should have properties (.+)", _has_properties),
    (r"the workflow output should have a '([^']+)' property with value:", _has_value),
    (r"the workflow output should have a '([^']+)' property containing (\d+) items", _has_items),
    (r"(\w+) should run first", _first),
    (r"(\w+) should run last", _last),
    (r"(\w+) should run after (\w+)", _after),
    (r"(\w+) should run before (\w+)", _before),
]


async def execute(service: Service, scenario: ctk.Scenario, base: str | None = None) -> Outcome:
    definition = scenario.definition
    for host in PUBLIC_HOSTS if base else ():
        definition = definition.replace(host, base or host)
    ir = compile_text(definition, source=scenario.id)
    started = await service.start(ir, scenario.input)
    try:
        output = await service.result(started.instance_id)
        error = None
    except InstanceFailed as failed:
        output, error = None, failed.detail
    status = await service.handle(started.instance_id).query("status")
    return Outcome(output, error, _ran(status["visited"]))


@pytest.mark.skipif(not OFFLINE, reason="the CTK is not beside the checkout")
@pytest.mark.parametrize("scenario", OFFLINE, ids=lambda s: s.id)
async def test_offline_scenario(client, scenario: ctk.Scenario):
    async with running(client) as (service, _):
        outcome = await execute(service, scenario)
    check_all(scenario, outcome)


@pytest.mark.skipif(not NETWORK, reason="the CTK is not beside the checkout")
@pytest.mark.parametrize("scenario", NETWORK, ids=lambda s: s.id)
async def test_network_scenario_against_a_loopback_standin(
    client, scenario: ctk.Scenario, monkeypatch: pytest.MonkeyPatch
):
    with standin_server() as base:
        monkeypatch.setenv("SWENGINE_REST_ALLOW", base.split("://", 1)[1])  # host:port of the stand-in
        async with running(client) as (service, _):
            outcome = await execute(service, scenario, base)
    check_all(scenario, outcome)


def check_all(scenario: ctk.Scenario, outcome: Outcome) -> None:
    for step in scenario.steps:
        if step.text.startswith(("Then", "And", "But")) and not step.text.startswith("And given"):
            check(step, outcome)


def test_the_kit_has_twelve_offline_scenarios():
    if not ctk.CTK.is_dir():
        pytest.skip("the CTK is not beside the checkout")
    assert len(OFFLINE) == 12
