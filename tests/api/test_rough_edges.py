"""What a new user hit: a wrong content type named as such, one problem shape for 413, and a list that is
newest first whatever the instances' status."""

from __future__ import annotations

import asyncio

from tests.api.conftest import Api, ApiFactory, assert_problem, deploy, deploy_file, spec, start, unique


async def test_a_json_body_with_another_content_type_is_415_naming_it(api: Api) -> None:
    name = unique("typed")
    await deploy(api, spec(name))
    body = f'{{"definition": "{name}"}}'
    for sent in ("text/plain", "application/x-www-form-urlencoded"):
        response = await api.http.post("/instances", content=body, headers={"content-type": sent})
        problem = assert_problem(response, 415, "unsupported_media_type")
        assert problem["received"] == sent and problem["accepted"] == ["application/json"]
        assert sent in problem["detail"]
    bare = await api.http.post("/instances", content=body)
    assert "content-type" not in bare.request.headers
    assert_problem(bare, 415, "unsupported_media_type")
    fine = await api.http.post("/instances", content=body, headers={"content-type": "application/json"})
    assert fine.status_code == 201


async def test_413_has_the_shape_of_every_other_problem(make_api: ApiFactory) -> None:
    async with make_api(max_body=500) as api:
        missing = await api.http.get("/definitions/does-not-exist")
        too_large = await api.http.post(
            "/instances", content="x" * 1000, headers={"content-type": "application/json"}
        )
        assert_problem(too_large, 413, "payload_too_large")
        assert set(too_large.json()) == set(missing.json())
        assert too_large.content.startswith(b'{"type":') and missing.content.startswith(b'{"type":')


async def test_list_is_newest_first_whatever_the_status(api: Api) -> None:
    """Temporal's SQL visibility lists running instances before closed ones; the API must not."""
    await deploy_file(api, "approval.sw.yaml")
    name = unique("order")
    await deploy(api, spec(name))
    waiting = await start(api, "approval")
    done = await start(api, name)
    await api.http.get(f"/instances/{done}/result?wait=true")
    ours = {waiting, done}
    for _ in range(50):
        listed = (await api.http.get("/instances")).json()["instances"]
        if ours <= {item["instance_id"] for item in listed}:
            break
        await asyncio.sleep(0.1)
    order = [item["instance_id"] for item in listed if item["instance_id"] in ours]
    assert order == [done, waiting]
    started = [item["started_at"] for item in listed]
    assert started == sorted(started, reverse=True)

    first = (await api.http.get("/instances", params={"limit": 1})).json()
    second = (
        await api.http.get("/instances", params={"limit": 1, "page_token": first["next_page_token"]})
    ).json()
    assert [first["instances"][0]["instance_id"], second["instances"][0]["instance_id"]] == [
        item["instance_id"] for item in listed[:2]
    ]
    await api.http.post(f"/instances/{waiting}/terminate")
