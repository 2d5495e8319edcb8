"""Self-healing: a failed database write gives places back, Redis losing its copy or
drifting from the database is repaired (lazily and by the reconcile job)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import pytest
from tortoise import connections

import booking
from booking import engine, lua, store
from jobs import booking as booking_jobs
from jobs.scheduler import run_once
from models.booking import Reservation
from server import resources
from server.errors import AppError, SlotFull
from tests.support.booking import (
    NOW,
    assert_consistent,
    define_counter,
    make_resource,
    new_user,
    redis_booked,
)

pytestmark = pytest.mark.usefixtures("app")


@asynccontextmanager
async def failing_writes(first_user: int, last_user: int) -> AsyncIterator[None]:
    """A real database fault: a trigger makes occupancy inserts of these users fail."""
    conn = connections.get("default")
    if conn.capabilities.dialect == "postgres":
        await conn.execute_script(
            "CREATE OR REPLACE FUNCTION booking_test_fail() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'injected failure'; END $$ LANGUAGE plpgsql;"
        )
        await conn.execute_script(
            "CREATE TRIGGER booking_test_fail BEFORE INSERT ON booking_occupancy FOR EACH ROW "
            f"WHEN (NEW.user_id BETWEEN {first_user} AND {last_user}) "
            "EXECUTE FUNCTION booking_test_fail();"
        )
    else:  # abs() of the smallest integer is a runtime "integer overflow" error
        await conn.execute_script(
            "CREATE TRIGGER booking_test_fail BEFORE INSERT ON booking_occupancy "
            f"WHEN NEW.user_id BETWEEN {first_user} AND {last_user} "
            "BEGIN SELECT abs(-9223372036854775807 - 1); END;"
        )
    try:
        yield
    finally:
        await conn.execute_script(
            "DROP TRIGGER IF EXISTS booking_test_fail"
            + (" ON booking_occupancy;" if conn.capabilities.dialect == "postgres" else ";")
        )


async def test_database_failure_after_the_redis_step_gives_places_back():
    rid, (slot,) = await make_resource(capacity=1)
    await define_counter(rid, "dish:1", 5)
    unlucky = new_user()
    async with failing_writes(unlucky, unlucky):
        with pytest.raises(Exception) as caught:
            await booking.reserve(
                resource_id=rid,
                user_id=unlucky,
                slot_ids=[slot],
                counters={"dish:1": 2},
                idempotency_key="k",
                now=NOW,
            )
        assert not isinstance(caught.value, AppError)  # a real fault, not a client mistake
    assert await Reservation.filter(resource_id=rid).count() == 0
    assert await redis_booked(rid, slot) == 0
    assert await booking.counters_remaining(resource_id=rid, names=["dish:1"]) == {"dish:1": 5}
    state = await resources.redis().hgetall(store.state_key(rid))
    assert state.get(f"u:{unlucky}") == "0" and f"i:{unlucky}:k" not in state
    # The same user, retrying with the same key, now gets the place.
    ok = await booking.reserve(
        resource_id=rid, user_id=unlucky, slot_ids=[slot], idempotency_key="k", now=NOW
    )
    assert ok.created and ok.status == "confirmed"
    await assert_consistent(rid)


async def test_failed_writes_in_a_concurrent_run_leak_no_place():
    capacity = 20
    rid, (slot,) = await make_resource(capacity=capacity)
    failing = [new_user() for _ in range(40)]
    healthy = [new_user() for _ in range(60)]
    order = [u for pair in zip(failing, healthy[:40], strict=True) for u in pair] + healthy[40:]

    async def attempt(user: int) -> object:
        try:
            return await booking.reserve(resource_id=rid, user_id=user, slot_ids=[slot], now=NOW)
        except Exception as exc:
            return exc

    async with failing_writes(failing[0], failing[-1]):
        results = await asyncio.gather(*(attempt(u) for u in order))
    accepted = [r for r in results if isinstance(r, booking.ReservationInfo)]
    assert 0 < len(accepted) <= capacity
    assert {r.user_id for r in accepted} <= set(healthy)
    # Requests that arrived while a doomed write still held its place saw a full slot;
    # once the writes failed, those places came back: nothing leaked.
    assert all(
        isinstance(r, SlotFull) or not isinstance(r, AppError) for r in results if r not in accepted
    )
    assert await redis_booked(rid, slot) == len(accepted)
    (view,) = await booking.availability(resource_id=rid)
    assert view.available == capacity - len(accepted)
    await assert_consistent(rid)
    late = await asyncio.gather(*(attempt(new_user()) for _ in range(40)))
    assert sum(isinstance(r, booking.ReservationInfo) for r in late) == capacity - len(accepted)
    assert await redis_booked(rid, slot) == capacity
    await assert_consistent(rid)


async def test_reconcile_repairs_drift_and_a_worker_that_died_after_the_redis_step():
    rid, (s1, s2) = await make_resource(slots=2, capacity=3, waitlist=True)
    users = [new_user() for _ in range(5)]
    for u in users[:3]:
        await booking.reserve(resource_id=rid, user_id=u, slot_ids=[s1], now=NOW)
    waiting = await booking.reserve(
        resource_id=rid, user_id=users[3], slot_ids=[s1], waitlist=True, now=NOW
    )
    assert (await booking.reconcile(resource_id=rid, now=NOW)).keys_repaired == 0
    redis = resources.redis()
    # A worker took a place in Redis and died before its transaction.
    reply = await store.run(
        lua.RESERVE,
        keys=[store.state_key(rid), store.queue_key(rid, s2)],
        args=[users[4], 1, "", "dead-token", "0", 1, s2],
    )
    assert reply[0] == "OK"
    await redis.hset(store.state_key(rid), f"b:{s1}", 1)  # and a counter drifted
    await redis.delete(store.queue_key(rid, s1))  # and a queue was lost
    assert await redis_booked(rid, s2) == 1
    report = await booking.reconcile(resource_id=rid, now=NOW)
    fields = {d["field"] for d in report.details}
    assert {f"b:{s1}", f"b:{s2}", f"queue:{s1}"} <= fields
    assert report.keys_repaired == len(report.details)
    assert await redis_booked(rid, s2) == 0
    assert await redis_booked(rid, s1) == 3
    assert (await booking.get(reservation_id=waiting.id)).position == 1
    await assert_consistent(rid)
    assert (await booking.reconcile(resource_id=rid, now=NOW)).keys_repaired == 0


async def test_jobs_reconcile_and_expire_holds_run_once_per_slot():
    rid, (slot,) = await make_resource(capacity=2, hold_ttl_s=60)
    held = await booking.reserve(
        resource_id=rid, user_id=new_user(), slot_ids=[slot], hold=True, now=NOW
    )
    await resources.redis().hset(store.state_key(rid), f"b:{slot}", 2)  # drift
    jobs = {job.name: job for job in booking_jobs.JOBS}
    later = NOW + timedelta(minutes=5)
    assert await run_once(jobs["booking.reconcile"], now=later)
    assert not await run_once(jobs["booking.reconcile"], now=later)  # same run slot
    assert await redis_booked(rid, slot) == 1
    assert await run_once(jobs["booking.expire_holds"], now=later)
    assert (await booking.get(reservation_id=held.id)).status == "expired"
    assert await redis_booked(rid, slot) == 0
    await assert_consistent(rid)


async def test_a_write_against_a_replaced_copy_starts_again():
    rid, (slot,) = await make_resource(capacity=1)
    user = new_user()
    await store.hydrate(rid)
    reply = await store.run(
        lua.RESERVE,
        keys=[store.state_key(rid), store.queue_key(rid, slot)],
        args=[user, 1, "", "t1", "0", 1, slot],
    )
    assert reply[0] == "OK"
    old_epoch = reply[1]
    await resources.redis().delete(store.state_key(rid))  # the copy is lost...
    await store.hydrate(rid)  # ...and rebuilt from the database, without that place
    request = engine.Request(
        resource_id=rid,
        user_id=user,
        slot_ids=[slot],
        quantity=1,
        counters={},
        idempotency_key=None,
        waitlist=False,
        hold=False,
    )
    with pytest.raises(store.Stale):
        await engine._write(
            request,
            caps=[1],
            seq=None,
            epoch=old_epoch,
            policy=engine.Written(one_per_slot=True, hold_ttl_s=-1),
            keyed=None,
            now=NOW,
        )
    assert await Reservation.filter(resource_id=rid).count() == 0
    # The public call simply succeeds against the new copy.
    assert (await booking.reserve(resource_id=rid, user_id=user, slot_ids=[slot], now=NOW)).id
    await assert_consistent(rid)


async def test_lost_copy_keeps_waitlist_order_and_idempotency_keys():
    rid, (slot,) = await make_resource(capacity=1, waitlist=True)
    holder = await booking.reserve(resource_id=rid, user_id=new_user(), slot_ids=[slot], now=NOW)
    queue = [
        await booking.reserve(
            resource_id=rid,
            user_id=new_user(),
            slot_ids=[slot],
            waitlist=True,
            idempotency_key="w",
            now=NOW,
        )
        for _ in range(3)
    ]
    await resources.redis().flushdb()
    replay = await booking.reserve(
        resource_id=rid,
        user_id=queue[1].user_id,
        slot_ids=[slot],
        waitlist=True,
        idempotency_key="w",
        now=NOW,
    )
    assert replay.id == queue[1].id and not replay.created and replay.position == 2
    result = await booking.cancel(reservation_id=holder.id, now=NOW)
    assert [p.id for p in result.promoted] == [queue[0].id]
    await assert_consistent(rid)


async def test_a_starting_process_frees_at_once_a_place_a_dead_request_held():
    """Killed between its Redis step and its transaction: the place comes back when the
    next process starts, not at the next minute's reconcile."""
    rid, (slot,) = await make_resource(capacity=2)
    kept = new_user()
    await booking.reserve(resource_id=rid, user_id=kept, slot_ids=[slot], now=NOW)
    reply = await store.run(
        lua.RESERVE,
        keys=[store.state_key(rid), store.queue_key(rid, slot)],
        args=[new_user(), 1, "", "dead-token", "0", 1, slot],
    )
    assert reply[0] == "OK"
    assert await redis_booked(rid, slot) == 2  # full in Redis, one row in the database
    report = await booking.heal_at_start(now=NOW)
    assert f"b:{slot}" in {d["field"] for d in report.details if d["resource_id"] == rid}
    assert await redis_booked(rid, slot) == 1
    await assert_consistent(rid)
    # The freed place is bookable again.
    await booking.reserve(resource_id=rid, user_id=new_user(), slot_ids=[slot], now=NOW)
    assert await redis_booked(rid, slot) == 2


async def test_healing_at_start_leaves_resources_of_the_past_to_the_minute_job():
    rid, (slot,) = await make_resource(capacity=2)
    await booking.reserve(resource_id=rid, user_id=new_user(), slot_ids=[slot], now=NOW)
    await resources.redis().hset(store.state_key(rid), f"b:{slot}", 2)  # drift
    long_after = NOW + timedelta(days=30)
    report = await booking.heal_at_start(now=long_after)
    assert rid not in {d["resource_id"] for d in report.details}
    assert await redis_booked(rid, slot) == 2
    assert (await booking.reconcile(resource_id=rid, now=long_after)).keys_repaired == 1
