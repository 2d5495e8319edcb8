"""A keyed request reads its record only when Redis cannot vouch that there is none.

Redis answers a key alone (no database read) when it has neither the key's answer nor
its lease and has kept every key since longer than a record lives (its epoch). A
committed object whose answer was not cached must still be answered from the database:
after a crash between the commit and the cache (the lease stays, stale), after a flush
(the epoch goes with the keys), after a restart or a failover that may have lost the
last writes (a new run_id drops the epoch), and after a request that ran while Redis
was unreachable (its process moves the epoch on). Each case is replayed after the
order deadline: run again instead of answered, the replay would be 409 too_late.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta

import pytest

from models.idempotency import IdempotencyRecord
from models.meals import Order
from models.repairs import Ticket
from server import faults, resources
from server.lua_channel import BUILT_ON_KEY, IDEMPOTENCY_EPOCH_KEY
from services import idempotency
from tests.support import assert_error, make_user
from tests.support.meals import BEFORE, DEADLINE, make_menu, order_body, slot_specs
from tests.support.redis_faults import app_redis, free_port
from tests.support.repairs import make_cast

API = "/api/v1"
START = datetime.fromisoformat(BEFORE["X-Test-Now"])
AFTER_DEADLINE = {"X-Test-Now": (datetime.fromisoformat(DEADLINE) + timedelta(hours=1)).isoformat()}
TICKET = {
    "category": "hvac",
    "location": "C座5楼 512室",
    "description": "空调不制热",
    "photo_ids": [],
}


def _reconnect() -> None:
    """Drop this process's Lua connection: the next step opens a new one."""
    held = resources._state.pop("lua", None)
    if held is not None:
        held[2].close()


async def _old_epoch() -> None:
    """Redis has kept every key for longer than a record lives: it vouches alone."""
    old = START - idempotency.KEEP - timedelta(hours=1)
    await resources.redis().set(IDEMPOTENCY_EPOCH_KEY, repr(old.timestamp()))


async def _order(client, menu, staff, key: str, clock: dict[str, str]):
    headers = staff.with_headers(**clock, **{"Idempotency-Key": key})
    return await client.post(f"{API}/meals/orders", json=order_body(menu), headers=headers)


async def _keys_of(user_id: int) -> list[str]:
    return [key async for key in resources.redis().scan_iter(match=f"idem*:{user_id}:*")]


@pytest.mark.parametrize("epoch", ["old", "young"])
async def test_a_crash_between_commit_and_cache_is_answered_from_the_record(client, epoch):
    menu = await make_menu(client)
    staff = await make_user()
    if epoch == "old":
        await _old_epoch()
    else:
        await resources.redis().delete(IDEMPOTENCY_EPOCH_KEY)
    key = uuid.uuid4().hex
    faults.arm("idempotency.before_answer", "fail")  # committed, then the request fails
    try:
        failed = await _order(client, menu, staff, key, BEFORE)
    finally:
        faults.disarm()
    assert failed.status_code == 503, failed.text
    (order,) = await Order.filter(user_id=staff.user_id)
    record = await IdempotencyRecord.get(user_id=staff.user_id)
    assert record.status == 201  # the answer committed with the order
    # Nothing cached; the lease stays behind, stale: the evidence of a commit.
    (lease,) = await _keys_of(staff.user_id)
    assert lease.startswith("idem-run:")

    fresh = await _order(client, menu, await make_user(), uuid.uuid4().hex, AFTER_DEADLINE)
    assert_error(fresh, 409, "too_late")  # what running it again would answer
    again = await _order(client, menu, staff, key, AFTER_DEADLINE)
    assert again.status_code == 201, again.text
    assert (again.json()["id"], again.text) == (order.id, record.body)
    assert again.headers.get("idempotent-replay") == "true"
    # Now cached and the lease gone: the next replay is Redis's alone.
    assert sorted(await _keys_of(staff.user_id))[0].startswith("idem:")
    assert len(await _keys_of(staff.user_id)) == 1
    once_more = await _order(client, menu, staff, key, AFTER_DEADLINE)
    assert (once_more.status_code, once_more.text) == (201, again.text)
    assert await Order.filter(user_id=staff.user_id).count() == 1


async def test_after_a_flush_every_key_is_looked_up(client):
    menu = await make_menu(client)
    staff = await make_user()
    await _old_epoch()
    key = uuid.uuid4().hex
    first = await _order(client, menu, staff, key, BEFORE)
    assert first.status_code == 201, first.text
    await resources.redis().flushdb()  # answers, leases and the epoch with them
    again = await _order(client, menu, staff, key, AFTER_DEADLINE)
    assert (again.status_code, again.text) == (201, first.text)
    epoch = float(await resources.redis().get(IDEMPOTENCY_EPOCH_KEY))
    assert epoch == datetime.fromisoformat(AFTER_DEADLINE["X-Test-Now"]).timestamp()


async def test_a_redis_that_may_have_lost_writes_drops_the_epoch(client):
    """A restart from an older snapshot or a promoted replica (another run_id) may miss
    the last answers and leases while keeping the epoch: the Lua connection drops it."""
    menu = await make_menu(client)
    staff = await make_user()
    await _old_epoch()
    key = uuid.uuid4().hex
    first = await _order(client, menu, staff, key, BEFORE)
    assert first.status_code == 201, first.text
    redis = resources.redis()
    await redis.delete(*await _keys_of(staff.user_id))  # the writes it lost
    await redis.set(BUILT_ON_KEY, "run-id-of-the-old-primary")
    _reconnect()
    again = await _order(client, menu, staff, key, AFTER_DEADLINE)
    assert (again.status_code, again.text) == (201, first.text)
    assert await Order.filter(user_id=staff.user_id).count() == 1


async def test_a_keyed_request_redis_never_saw_moves_the_epoch_on(client):
    """Redis unreachable: the ticket is created and its key kept in the database; the
    process then tells Redis (its next keyed request moves the epoch to its time), so
    that keys are looked up again for as long as such a record may live."""
    requester = (await make_cast()).requester
    await _old_epoch()
    headers = requester.with_headers(**{"Idempotency-Key": uuid.uuid4().hex})
    async with app_redis(f"redis://127.0.0.1:{free_port()}/0"):  # nothing listens there
        created = await client.post(f"{API}/repairs", json=TICKET, headers=headers)
    assert created.status_code == 201, created.text
    at = datetime.fromisoformat("2026-12-02T09:00:00+08:00")
    later = requester.with_headers(**headers, **{"X-Test-Now": at.isoformat()})
    replay = await client.post(f"{API}/repairs", json=TICKET, headers=later)
    assert (replay.status_code, replay.text) == (201, created.text)
    assert replay.headers.get("idempotent-replay") == "true"
    assert float(await resources.redis().get(IDEMPOTENCY_EPOCH_KEY)) == at.timestamp()
    assert await Ticket.filter(requester_id=requester.user_id).count() == 1


async def test_concurrent_keyed_orders_commit_their_answers_with_them(client):
    """Written together (one group commit), each record holds the answer its request
    got, so no answer is written after the commit."""
    menu = await make_menu(client, slots=slot_specs(1, 50))
    buyers = [await make_user() for _ in range(12)]
    keys = [uuid.uuid4().hex for _ in buyers]
    replies = await asyncio.gather(
        *(_order(client, menu, b, k, BEFORE) for b, k in zip(buyers, keys, strict=True))
    )
    for buyer, reply in zip(buyers, replies, strict=True):
        assert reply.status_code == 201, reply.text
        record = await IdempotencyRecord.get(user_id=buyer.user_id)
        assert (record.status, record.body) == (201, reply.text)
        assert record.ref is not None


async def test_a_refused_key_is_free_at_once_and_leaves_nothing(client):
    menu = await make_menu(client, slots=slot_specs(1, 0))
    staff = await make_user()
    await _old_epoch()
    key = uuid.uuid4().hex
    for _ in range(2):  # the retry is evaluated again at once, not held
        refused = await _order(client, menu, staff, key, BEFORE)
        assert_error(refused, 409, "slot_full")
    assert await _keys_of(staff.user_id) == []
    assert not await IdempotencyRecord.exists(user_id=staff.user_id)
