"""The router's waiting index against a real dev server: events reach their instances without a visibility query
each; a miss asks again, an instance started elsewhere is found, and a closed one is dropped."""

from __future__ import annotations

import asyncio
import uuid

from swengine.compiler.pipeline import compile_text
from swengine.runtime.router import EventRouter
from swengine.runtime.service import Service
from tests.integration.conftest import running

RESULT_TIMEOUT = 30.0
ORDER = """
id: paid-order
specVersion: "0.8"
start: Init
events:
  - {name: Paid, type: order.paid, source: /shop, correlation: [{contextAttributeName: orderid}]}
states:
  - {name: Init, type: inject, data: {}, transition: Wait}
  - name: Wait
    type: event
    onEvents: [{eventRefs: [Paid], eventDataFilter: {toStateData: "${ .paid }"}}]
    end: true
"""


def paid(order: str) -> dict[str, object]:
    return {"specversion": "1.0", "id": f"paid-{uuid.uuid4()}", "source": "/shop", "type": "order.paid",
            "orderid": order, "data": {"order": order}}  # fmt: skip


async def delivered_eventually(router: EventRouter, event: dict[str, object], instance_id: str) -> None:
    """Route until the instance is reached (visibility trails a start by a moment); it counts the event once."""
    for _ in range(400):
        if instance_id in (await router.route(event)).delivered:
            return
        await asyncio.sleep(0.025)
    raise AssertionError(f"{instance_id} was never reached")


async def all_listed(router: EventRouter, ids: list[str]) -> None:
    """Ask until visibility lists every instance with its correlation (it trails starts, more so under load)."""
    for _ in range(400):
        view = await router.index.fresh("order.paid", router.index.clock())
        if all(view.waiters.get(i) is not None and view.waiters[i].learned for i in ids):
            return
        await asyncio.sleep(0.025)
    raise AssertionError("visibility never listed every instance")


async def test_many_correlated_events_cost_one_visibility_query_not_one_each(client) -> None:
    ir = compile_text(ORDER)
    async with running(client, [ir]) as (service, _):
        # an interval longer than the test: on a loaded machine the 40 events may outlast the default one
        router = EventRouter(service, lambda: [ir], index_age=600.0)
        orders = [f"O-{uuid.uuid4().hex[:6]}" for _ in range(40)]
        ids = [(await service.start(ir, {}, correlation={"orderid": o})).instance_id for o in orders]
        await delivered_eventually(router, paid(orders[0]), ids[0])
        await all_listed(router, ids[1:])
        before = router.index.queries
        routed = await asyncio.gather(*(router.route(paid(o)) for o in orders[1:]))
        assert [r.delivered for r in routed] == [[i] for i in ids[1:]]
        assert router.index.queries == before, "the index answers; visibility is not asked per event"
        results = await asyncio.gather(*(service.result(i, timeout=RESULT_TIMEOUT) for i in ids))
    assert results == [{"paid": {"order": o}} for o in orders]


async def test_without_the_index_every_event_asks_visibility(client) -> None:
    ir = compile_text(ORDER)
    async with running(client, [ir]) as (service, _):
        router = EventRouter(service, lambda: [ir], index_age=None)
        orders = [f"O-{uuid.uuid4().hex[:6]}" for _ in range(5)]
        ids = [(await service.start(ir, {}, correlation={"orderid": o})).instance_id for o in orders]
        await delivered_eventually(router, paid(orders[0]), ids[0])
        await all_listed(router, ids[1:])
        before = router.index.queries
        for order, instance_id in zip(orders[1:], ids[1:], strict=True):
            assert (await router.route(paid(order))).delivered == [instance_id]
        assert router.index.queries - before == len(orders) - 1


async def test_an_instance_another_replica_started_is_found_by_asking_again(client) -> None:
    """A replica's index knows nothing of an instance started through another replica: the event matches
    nobody it knows, so it asks visibility afresh instead of dropping the event."""
    ir = compile_text(ORDER)
    async with running(client, [ir]) as (service, _):
        here = EventRouter(service, lambda: [ir])
        elsewhere = Service(client, task_queue=service.task_queue)
        known = (await service.start(ir, {}, correlation={"orderid": "K-1"})).instance_id
        await delivered_eventually(here, paid("K-1"), known)
        other = (await elsewhere.start(ir, {}, correlation={"orderid": "K-2"})).instance_id
        assert other not in here.index._views["order.paid"].waiters
        await delivered_eventually(here, paid("K-2"), other)
        assert await service.result(other, timeout=RESULT_TIMEOUT) == {"paid": {"order": "K-2"}}


async def test_an_instance_started_here_is_indexed_at_once_and_dropped_once_closed(client) -> None:
    ir = compile_text(ORDER)
    async with running(client, [ir]) as (service, _):
        router = EventRouter(service, lambda: [ir])
        first = (await service.start(ir, {}, correlation={"orderid": "S-1"})).instance_id
        await delivered_eventually(router, paid("S-1"), first)
        second = (await service.start(ir, {}, correlation={"orderid": "S-2"})).instance_id
        assert router.index._views["order.paid"].waiters[second].learned == {"orderid": "S-2"}
        await service.result(first, timeout=RESULT_TIMEOUT)
        assert (await router.route(paid("S-1"))).delivered == []
        assert first not in router.index._views["order.paid"].waiters
