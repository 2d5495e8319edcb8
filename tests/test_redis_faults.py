"""Redis trouble is a 503 with Retry-After, never a 500 (API.md §1).

Covered: `/auth/login`, `/meals/menus` and every POST with an Idempotency-Key while
Redis is down, and the first requests after a Redis restart, whose pooled connections
are stale ("Connection closed by server").
"""

from __future__ import annotations

import asyncio
import uuid

import pytest

from models.idempotency import IdempotencyRecord
from models.meals import Order
from models.repairs import Ticket
from tests.support import assert_error, make_user
from tests.support.meals import BEFORE, DAY, make_menu, order_body
from tests.support.redis_faults import app_redis, free_port, redis_process
from tests.support.repairs import make_cast

API = "/api/v1"
TICKET = {
    "category": "hvac",
    "location": "C座5楼 512室",
    "description": "空调不制热",
    "photo_ids": [],
}


def assert_unavailable(response) -> None:
    error = assert_error(response, 503, "unavailable")
    assert int(response.headers["retry-after"]) >= 1, response.headers
    assert error["message"]


async def test_redis_down_is_503_with_retry_after_and_reads_without_redis_work(client):
    menu = await make_menu(client)
    staff = await make_user()
    cast = await make_cast()
    order_key = staff.with_headers(**BEFORE, **{"Idempotency-Key": uuid.uuid4().hex})
    async with app_redis(f"redis://127.0.0.1:{free_port()}/0"):  # nothing listens there
        assert_unavailable(
            await client.post(f"{API}/auth/login", json={"code": f"c-{uuid.uuid4().hex}"})
        )
        assert_unavailable(await client.get(f"{API}/meals/menus?date={DAY}", headers=staff.headers))
        assert_unavailable(
            await client.post(f"{API}/meals/orders", json=order_body(menu), headers=order_key)
        )
        health = await client.get(f"{API}/health")
        assert health.status_code == 503 and health.json()["redis"] != "ok"
        # Reads that need no Redis keep working.
        me = await client.get(f"{API}/me", headers=staff.headers)
        assert me.status_code == 200, me.text
        # A ticket needs no Redis (its notice waits for the sweeper): created, and its
        # key's answer kept in the database although the cache is down.
        ticket_key = cast.requester.with_headers(**{"Idempotency-Key": uuid.uuid4().hex})
        created = await client.post(f"{API}/repairs", json=TICKET, headers=ticket_key)
        assert created.status_code == 201, created.text
    # The failed order left no claim behind: the same key runs once Redis is back.
    assert not await IdempotencyRecord.exists(user_id=staff.user_id)
    placed = await client.post(f"{API}/meals/orders", json=order_body(menu), headers=order_key)
    assert placed.status_code == 201, placed.text
    assert await Order.filter(user_id=staff.user_id).count() == 1
    replay = await client.post(f"{API}/repairs", json=TICKET, headers=ticket_key)
    assert (replay.status_code, replay.text) == (201, created.text)
    assert await Ticket.filter(requester_id=cast.requester.user_id).count() == 1


@pytest.mark.slow
async def test_a_redis_restart_costs_no_request_an_error(client):
    """kill -9 and restart of a Redis server under a warm pool: every stale connection
    is retried once on a fresh one, so the burst after the restart sees no 5xx."""
    staff = await make_user()
    menu = await make_menu(client)
    with redis_process() as server:
        async with app_redis(server.url) as redis:

            async def burst(size: int) -> list[int]:
                replies = await asyncio.gather(
                    *(
                        client.get(f"{API}/meals/menus?date={DAY}", headers=staff.headers)
                        for _ in range(size)
                    )
                )
                return [r.status_code for r in replies]

            assert set(await burst(60)) == {200}
            pooled = (await redis.info("clients"))["connected_clients"]
            assert pooled >= 2  # a warm pool: these connections die with the server
            server.kill9()
            assert_unavailable(
                await client.get(f"{API}/meals/menus?date={DAY}", headers=staff.headers)
            )
            server.start()  # same port, empty data: like a restart without persistence
            codes = await burst(60)
            assert set(codes) == {200}, sorted(codes)
            # The engine rebuilt its counters from the database after the restart.
            listed = (
                await client.get(f"{API}/meals/menus?date={DAY}", headers=staff.headers)
            ).json()
            assert any(m["id"] == menu["id"] for m in listed["items"])


async def _order_burst(client, menu, buyers, keys):
    return await asyncio.gather(
        *(
            client.post(
                f"{API}/meals/orders",
                json=order_body(menu),
                headers=buyer.with_headers(**BEFORE, **{"Idempotency-Key": key}),
            )
            for buyer, key in zip(buyers, keys, strict=True)
        )
    )


async def _confirmed(menu) -> int:
    return await Order.filter(menu_id=menu["id"], status="confirmed").count()


async def test_flushall_mid_burst_no_oversell_and_replays_still_replay(client):
    menu = await make_menu(client, slots=[{**s, "capacity": 20} for s in _one_slot()])
    buyers = [await make_user() for _ in range(60)]
    keys = [uuid.uuid4().hex for _ in buyers]
    with redis_process() as server:
        async with app_redis(server.url) as redis:
            half = await asyncio.gather(
                _order_burst(client, menu, buyers[:30], keys[:30]), redis.flushall()
            )
            rest = await _order_burst(client, menu, buyers[30:], keys[30:])
            first = [*half[0], *rest]
            assert all(r.status_code < 500 for r in first), [
                r.text for r in first if r.status_code >= 500
            ]
            sold = sum(r.status_code == 201 for r in first)
            assert sold == await _confirmed(menu) == 20
            await redis.flushall()
            again = await _order_burst(client, menu, buyers, keys)
    assert [(r.status_code, r.text) for r in again] == [(r.status_code, r.text) for r in first]
    assert await _confirmed(menu) == 20


async def test_kill9_and_restart_mid_burst_no_oversell_no_500_after(client):
    menu = await make_menu(client, slots=[{**s, "capacity": 25} for s in _one_slot()])
    buyers = [await make_user() for _ in range(60)]
    keys = [uuid.uuid4().hex for _ in buyers]
    with redis_process() as server:
        async with app_redis(server.url):
            before = await _order_burst(client, menu, buyers[:20], keys[:20])
            assert {r.status_code for r in before} == {201}
            server.kill9()
            down = await _order_burst(client, menu, buyers[20:30], keys[20:30])
            assert {r.status_code for r in down} == {503}
            server.start()  # an empty Redis on the same port
            after = await _order_burst(client, menu, buyers[20:], keys[20:])
            assert all(r.status_code < 500 for r in after), [
                r.text for r in after if r.status_code >= 500
            ]
            assert sum(r.status_code == 201 for r in after) == 5
            replays = await _order_burst(client, menu, buyers[:20], keys[:20])
    assert [(r.status_code, r.text) for r in replays] == [(r.status_code, r.text) for r in before]
    assert await _confirmed(menu) == 25


def _one_slot():
    from tests.support.meals import slot_specs

    return slot_specs(1, 1)
