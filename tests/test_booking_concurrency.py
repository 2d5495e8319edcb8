"""The engine under real concurrency: asyncio.gather over the Python API, real Redis
and a real database, results counted in the database, in Redis and in availability()."""

from __future__ import annotations

import asyncio
import random
from collections import Counter as Tally

import pytest

import booking
from booking import store
from booking.types import OCCUPYING
from models.booking import Occupancy, Reservation
from server import resources
from server.errors import AppError, Conflict, LimitReached, SlotFull
from tests.support.booking import (
    NOW,
    assert_consistent,
    count_queries,
    db_booked,
    make_resource,
    new_user,
    redis_booked,
)

pytestmark = pytest.mark.usefixtures("app")


async def _attempt(**kwargs: object) -> booking.ReservationInfo | AppError:
    try:
        return await booking.reserve(now=NOW, **kwargs)  # type: ignore[arg-type]
    except AppError as exc:
        return exc


@pytest.mark.parametrize("seed", range(4))
async def test_200_concurrent_on_capacity_k_never_oversell(seed: int):
    rng = random.Random(seed)
    capacity = rng.randint(1, 60)
    max_qty = 1 if seed % 2 == 0 else rng.randint(2, 4)
    rid, (slot,) = await make_resource(capacity=capacity)
    quantities = [rng.randint(1, max_qty) for _ in range(200)]
    results = await asyncio.gather(
        *(
            _attempt(resource_id=rid, user_id=new_user(), slot_ids=[slot], quantity=q)
            for q in quantities
        )
    )
    accepted = [r for r in results if isinstance(r, booking.ReservationInfo)]
    rejected = [
        (r, q)
        for r, q in zip(results, quantities, strict=True)
        if not isinstance(r, booking.ReservationInfo)
    ]
    assert all(isinstance(r, SlotFull) for r, _ in rejected), rejected[:3]
    taken = sum(r.quantity for r in accepted)
    assert taken <= capacity
    if max_qty == 1:
        assert taken == capacity  # exactly K confirmed
    else:  # nobody was turned away who would have fit at the end
        assert all(q > capacity - taken for _, q in rejected)
    assert await db_booked(slot) == taken
    assert await redis_booked(rid, slot) == taken
    (view,) = await booking.availability(resource_id=rid)
    assert (view.booked, view.available) == (taken, capacity - taken)
    assert await Reservation.filter(resource_id=rid).count() == len(accepted)
    await assert_consistent(rid)


async def test_per_user_limit_holds_under_20_concurrent_requests():
    rid, slots = await make_resource(slots=20, capacity=5, per_user_limit=3)
    user = new_user()
    results = await asyncio.gather(
        *(
            _attempt(resource_id=rid, user_id=user, slot_ids=[s], idempotency_key=f"k{i}")
            for i, s in enumerate(slots)
        )
    )
    accepted = [r for r in results if isinstance(r, booking.ReservationInfo)]
    assert len(accepted) == 3
    assert all(isinstance(r, LimitReached) for r in results if r not in accepted)
    assert await Reservation.filter(resource_id=rid, user_id=user).count() == 3
    assert await resources.redis().hget(store.state_key(rid), f"u:{user}") == "3"
    await assert_consistent(rid)


async def test_same_key_ten_concurrent_creates_one_reservation():
    rid, (slot,) = await make_resource(capacity=50)
    user = new_user()
    results = await asyncio.gather(
        *(
            booking.reserve(
                resource_id=rid, user_id=user, slot_ids=[slot], idempotency_key="tap-tap", now=NOW
            )
            for _ in range(10)
        )
    )
    assert len({r.id for r in results}) == 1
    assert sorted(r.created for r in results) == [False] * 9 + [True]
    assert await Reservation.filter(resource_id=rid).count() == 1
    assert await redis_booked(rid, slot) == 1
    await assert_consistent(rid)


async def test_100_concurrent_overlapping_runs_on_capacity_one():
    rid, slots = await make_resource(
        slots=16, capacity=1, consecutive=True, full_code="conflict", one_per_user_per_slot=True
    )
    rng = random.Random(7)
    runs = []
    for _ in range(100):
        length = rng.randint(1, 4)
        first = rng.randint(0, len(slots) - length)
        runs.append(slots[first : first + length])
    results = await asyncio.gather(
        *(_attempt(resource_id=rid, user_id=new_user(), slot_ids=run) for run in runs)
    )
    accepted = [r for r in results if isinstance(r, booking.ReservationInfo)]
    assert accepted and all(isinstance(r, Conflict) for r in results if r not in accepted)
    per_slot = Tally(s for r in accepted for s in r.slot_ids)
    assert max(per_slot.values()) == 1
    occupied = await Occupancy.filter(slot_id__in=slots, occupied=True).values_list(
        "slot_id", flat=True
    )
    assert len(occupied) == len(set(occupied)) == sum(per_slot.values())
    await assert_consistent(rid)


async def test_flush_and_script_flush_mid_run_lose_and_duplicate_nothing():
    capacity = 40
    rid, (slot,) = await make_resource(capacity=capacity)
    await booking.availability(resource_id=rid)
    redis = resources.redis()
    flushes = 0

    async def flusher() -> None:
        nonlocal flushes
        for _ in range(3):
            for _ in range(40):
                await asyncio.sleep(0)  # yield to the requests in flight
            await redis.flushdb()
            await redis.script_flush()
            flushes += 1

    users = [new_user() for _ in range(200)]
    results, _ = await asyncio.gather(
        asyncio.gather(
            *(
                _attempt(resource_id=rid, user_id=u, slot_ids=[slot], idempotency_key="once")
                for u in users
            )
        ),
        flusher(),
    )
    assert flushes == 3
    accepted = [r for r in results if isinstance(r, booking.ReservationInfo)]
    assert all(isinstance(r, SlotFull) for r in results if r not in accepted)
    assert len(accepted) == capacity  # nothing lost: every place sold once
    rows = await Reservation.filter(resource_id=rid).values_list("id", "user_id", "status")
    assert sorted(r[0] for r in rows) == sorted(r.id for r in accepted)  # nothing duplicated
    assert len({r[1] for r in rows}) == len(rows)
    assert all(r[2] in OCCUPYING for r in rows)
    await assert_consistent(rid)
    # Replays after all that still find the same reservations (keys re-hydrated).
    again = await booking.reserve(
        resource_id=rid,
        user_id=accepted[0].user_id,
        slot_ids=[slot],
        idempotency_key="once",
        now=NOW,
    )
    assert again.id == accepted[0].id and not again.created


async def test_hydration_after_loss_runs_once_for_many_concurrent_requests():
    rid, (slot,) = await make_resource(capacity=100)
    await booking.reserve(resource_id=rid, user_id=new_user(), slot_ids=[slot], now=NOW)
    await resources.redis().delete(store.state_key(rid))
    with count_queries() as counted:
        await asyncio.gather(
            *(
                booking.reserve(resource_id=rid, user_id=new_user(), slot_ids=[slot], now=NOW)
                for _ in range(30)
            )
        )
    hydrations = [s for s in counted.statements if 'FROM "booking_counter"' in s]
    assert len(hydrations) == 1
    assert await redis_booked(rid, slot) == 31
    await assert_consistent(rid)


async def test_callers_cancelled_mid_write_leave_redis_and_database_agreeing():
    """A client hang-up cancels the request task at any point; nothing may leak."""
    capacity = 25
    rid, (slot,) = await make_resource(capacity=capacity)
    await booking.availability(resource_id=rid)
    tasks = [
        asyncio.ensure_future(
            booking.reserve(resource_id=rid, user_id=new_user(), slot_ids=[slot], now=NOW)
        )
        for _ in range(40)
    ]
    for i, task in enumerate(tasks):
        for _ in range(i % 12):
            await asyncio.sleep(0)
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await booking.settled()  # the writes whose callers went away finish on their own
    written = await Reservation.filter(resource_id=rid).count()
    assert written <= capacity
    assert await redis_booked(rid, slot) == written
    await assert_consistent(rid)
