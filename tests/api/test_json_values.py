"""Client input that looks like JSON but is not (issue 11, item 8): NaN, infinities, ``1e400``, lone surrogates,
non-object inputs, over-long correlation values and start requests over Temporal's payload limit are 4xx
problems where they enter, never a 500, a 502, or data silently changed."""

from __future__ import annotations

import json

from tests.api.conftest import Api, assert_problem, deploy, spec, unique

JSON_TYPE = {"content-type": "application/json"}
STRUCTURED = {"content-type": "application/cloudevents+json"}
NOT_JSON = ("NaN", "Infinity", "-Infinity", "1e400", '"\\ud800"')


def _definition(value: str) -> str:
    document = {"id": unique("nan"), "version": "1", "specVersion": "0.8", "start": "A",
                "states": [{"name": "A", "type": "inject", "data": {"x": "__V__"}, "end": True}]}  # fmt: skip
    return json.dumps(document).replace('"__V__"', value)


async def test_definitions_holding_values_json_cannot_carry_are_refused(api: Api) -> None:
    for value in NOT_JSON:
        for path in ("/definitions", "/definitions/validate"):
            response = await api.http.post(path, content=_definition(value), headers=JSON_TYPE)
            if path == "/definitions":
                body = assert_problem(response, 422, "invalid_document")
                problems = body["problems"]
            else:
                assert response.status_code == 200, response.text
                problems = response.json()["problems"]
            assert [problem["code"] for problem in problems] == ["invalid_value"], value
            assert problems[0]["path"] == "$.states[0].data.x"
    yaml_nan = spec(unique("nan"), greeting=".nan")
    assert_problem(await api.http.post("/definitions", content=yaml_nan), 422, "invalid_document")


async def test_start_inputs_holding_values_json_cannot_carry_are_refused(api: Api) -> None:
    definition = unique("start")
    await deploy(api, spec(definition))
    for value in NOT_JSON:
        body = '{"definition": "DEF", "input": {"a": [1, VALUE]}}'.replace("DEF", definition).replace(
            "VALUE", value
        )
        assert_problem(
            await api.http.post("/instances", content=body, headers=JSON_TYPE), 422, "invalid_request"
        )
    surrogate_id = '{"definition": "DEF", "instance_id": "x\\ud800"}'.replace("DEF", definition)
    assert_problem(
        await api.http.post("/instances", content=surrogate_id, headers=JSON_TYPE), 422, "invalid_request"
    )


async def test_a_start_input_that_is_not_an_object_is_refused(api: Api) -> None:
    definition = unique("shape")
    await deploy(api, spec(definition))
    for value in ([1, 2], "str", 3, True):
        response = await api.http.post("/instances", json={"definition": definition, "input": value})
        assert_problem(response, 422, "invalid_request")


async def test_events_holding_values_json_cannot_carry_are_refused(api: Api) -> None:
    for value in NOT_JSON:
        for member in ('"data": {"v": VALUE}', '"subject": VALUE', '"ext": VALUE'):
            event = '{"specversion": "1.0", "id": "1", "source": "/s", "type": "t", MEMBER}'.replace(
                "MEMBER", member.replace("VALUE", value)
            )
            response = await api.http.post("/events", content=event, headers=STRUCTURED)
            assert_problem(response, 400, "invalid_event")
    surrogate_id = '{"specversion": "1.0", "id": "\\ud800", "source": "/s", "type": "t"}'
    assert_problem(
        await api.http.post("/events", content=surrogate_id, headers=STRUCTURED), 400, "invalid_event"
    )


async def test_correlation_values_over_the_limit_are_refused(api: Api) -> None:
    long = "x" * 3000
    event = {"specversion": "1.0", "id": "1", "source": "/s", "type": "t", "orderid": long}
    body = assert_problem(
        await api.http.post("/events", json=event, headers=STRUCTURED), 400, "invalid_event"
    )
    assert "orderid" in body["detail"]
    definition = unique("corr")
    await deploy(api, spec(definition))
    response = await api.http.post(
        "/instances", json={"definition": definition, "correlation": {"orderid": long}}
    )
    assert_problem(response, 400, "correlation_too_long")


async def test_a_subflow_bundle_over_temporals_payload_limit_is_413_not_502(api: Api) -> None:
    subflows = [unique("sub") for _ in range(3)]

    def parent() -> tuple[str, str]:
        name = unique("parent")
        document = {"id": name, "version": "1.0", "specVersion": "0.8", "start": "Call",
                    "states": [{"name": "Call", "type": "operation", "end": True,
                                "actions": [{"subFlowRef": sub} for sub in subflows]}]}  # fmt: skip
        return name, json.dumps(document)

    early, text = parent()  # deployed before its subflows: its bundle is empty then
    await deploy(api, text, media_type="application/json")
    for sub in subflows:
        await deploy(api, spec(sub, greeting="p" * 700_000))
    assert_problem(await api.http.post("/instances", json={"definition": early}), 413, "payload_too_large")
    _, late = parent()
    refused = await api.http.post("/definitions", content=late, headers=JSON_TYPE)
    assert_problem(refused, 413, "payload_too_large")
