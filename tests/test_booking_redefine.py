"""Changing a booked resource: capacities, counter limits and closing it, never below
what is taken, with the Redis gate and the database agreeing under concurrency."""

from __future__ import annotations

import asyncio

import pytest

import booking
from booking import store
from models.booking import Counter, Reservation, Resource, Slot
from server import faults, resources
from server.errors import NotFound, SlotFull
from tests.support.booking import (
    NOW,
    assert_consistent,
    define_counter,
    make_resource,
    new_user,
)

pytestmark = pytest.mark.usefixtures("app")


async def _copy(resource_id: int, field: str) -> str | None:
    return await resources.redis().hget(store.state_key(resource_id), field)


async def _reserve(rid: int, slot: int, **extra: object) -> booking.ReservationInfo:
    return await booking.reserve(
        resource_id=rid, user_id=new_user(), slot_ids=[slot], now=NOW, **extra
    )


async def test_capacity_lowers_to_what_is_booked_and_never_below():
    rid, (slot,) = await make_resource(capacity=5)
    for _ in range(3):
        await _reserve(rid, slot)
    with pytest.raises(booking.BelowTaken) as caught:
        await booking.redefine(resource_id=rid, capacities={slot: 2}, now=NOW)
    assert caught.value.slots == {slot: 3}
    assert (await Slot.get(id=slot)).capacity == 5
    assert await _copy(rid, f"c:{slot}") == "5"

    await booking.redefine(resource_id=rid, capacities={slot: 3}, now=NOW)
    assert (await Slot.get(id=slot)).capacity == 3
    assert await _copy(rid, f"c:{slot}") == "3"
    with pytest.raises(SlotFull):
        await _reserve(rid, slot)
    await assert_consistent(rid)


async def test_raised_capacity_reaches_the_gate_and_promotes_the_waitlist():
    rid, (slot,) = await make_resource(capacity=1, waitlist=True)
    await _reserve(rid, slot)
    waiting = await _reserve(rid, slot, waitlist=True)
    assert waiting.status == "waitlisted"

    await booking.redefine(resource_id=rid, capacities={slot: 3}, now=NOW)
    assert await _copy(rid, f"c:{slot}") == "3"
    assert (await booking.get(reservation_id=waiting.id)).status == "confirmed"
    assert (await _reserve(rid, slot)).status == "confirmed"
    await assert_consistent(rid)


async def test_counter_limit_never_below_what_is_used():
    rid, (slot,) = await make_resource(capacity=10)
    await define_counter(rid, "dish:1", 10)
    await _reserve(rid, slot, counters={"dish:1": 4})
    with pytest.raises(booking.BelowTaken) as caught:
        await booking.redefine(resource_id=rid, limits={"dish:1": 3}, now=NOW)
    assert caught.value.counters == {"dish:1": 4}
    await booking.redefine(resource_id=rid, limits={"dish:1": 5}, now=NOW)
    assert (await Counter.get(resource_id=rid, name="dish:1")).limit == 5
    remaining = await booking.counters_remaining(resource_id=rid, names=["dish:1"])
    assert remaining == {"dish:1": 1}
    with pytest.raises(booking.CounterExhausted):
        await _reserve(rid, slot, counters={"dish:1": 2})
    await assert_consistent(rid)


async def test_a_refused_change_changes_nothing_at_all():
    """All or nothing: one value below what is taken refuses the others with it."""
    rid, (s1, s2) = await make_resource(slots=2, capacity=4)
    await _reserve(rid, s1)
    await _reserve(rid, s1)
    with pytest.raises(booking.BelowTaken):
        await booking.redefine(resource_id=rid, capacities={s1: 1, s2: 0}, closed=True, now=NOW)
    assert [(s.id, s.capacity) for s in await Slot.filter(resource_id=rid).order_by("id")] == [
        (s1, 4),
        (s2, 4),
    ]
    assert await _copy(rid, f"c:{s2}") == "4"
    assert await _copy(rid, "closed") == "0"
    assert not (await Resource.get(id=rid)).closed


async def test_a_closed_resource_refuses_new_reservations_and_keeps_the_old_ones():
    rid, (slot,) = await make_resource(capacity=5)
    kept = await _reserve(rid, slot)
    await booking.redefine(resource_id=rid, closed=True, now=NOW)
    with pytest.raises(booking.ResourceClosed):
        await _reserve(rid, slot)
    assert (await booking.get(reservation_id=kept.id)).status == "confirmed"
    # The flag lives in the database too: a copy rebuilt from it is still closed.
    await resources.redis().delete(store.state_key(rid))
    with pytest.raises(booking.ResourceClosed):
        await _reserve(rid, slot)
    await booking.cancel(reservation_id=kept.id, now=NOW)
    await booking.redefine(resource_id=rid, closed=False, now=NOW)
    assert (await _reserve(rid, slot)).status == "confirmed"
    await assert_consistent(rid)


async def test_the_gate_is_tightened_before_the_change_commits():
    """Between the Lua step and the commit, a request already sees the lower capacity."""
    rid, (slot,) = await make_resource(capacity=5)
    await _reserve(rid, slot)
    faults.arm("booking.redefine.after_tighten", "pause:3")
    try:
        change = asyncio.create_task(
            booking.redefine(resource_id=rid, capacities={slot: 1}, now=NOW)
        )
        for _ in range(100_000):
            if await _copy(rid, f"c:{slot}") == "1":
                break
            await asyncio.sleep(0)
        assert await _copy(rid, f"c:{slot}") == "1"
        with pytest.raises(SlotFull):  # refused by Redis alone, no database query
            await _reserve(rid, slot)
        assert not change.done()  # the change has not committed yet
        await change
    finally:
        faults.disarm()
    assert (await Slot.get(id=slot)).capacity == 1
    await assert_consistent(rid)


async def test_a_failure_after_the_lua_step_sets_the_gate_back():
    rid, (slot,) = await make_resource(capacity=5)
    await _reserve(rid, slot)
    faults.arm("booking.redefine.after_tighten", "fail")
    try:
        with pytest.raises(faults.FaultInjected):
            await booking.redefine(resource_id=rid, capacities={slot: 2}, closed=True, now=NOW)
    finally:
        faults.disarm()
    assert (await Slot.get(id=slot)).capacity == 5
    assert await _copy(rid, f"c:{slot}") == "5"
    assert await _copy(rid, "closed") == "0"
    assert (await _reserve(rid, slot)).status == "confirmed"


async def test_a_domain_step_that_refuses_rolls_back_the_engine_change():
    rid, (slot,) = await make_resource(capacity=5)

    async def refuse(tx):
        raise booking.ResourceClosed()

    with pytest.raises(booking.ResourceClosed):
        await booking.redefine(resource_id=rid, capacities={slot: 1}, record=refuse, now=NOW)
    assert (await Slot.get(id=slot)).capacity == 5
    assert await _copy(rid, f"c:{slot}") == "5"


async def test_lowering_capacity_while_requests_race_never_overbooks():
    """Rounds of 12 concurrent requests against a capacity cut to 4 at the same moment:
    whichever wins, the places booked never exceed the capacity the database holds, and
    Redis agrees with the database."""
    for _ in range(4):
        rid, (slot,) = await make_resource(capacity=12)
        await _reserve(rid, slot)
        await _reserve(rid, slot)
        racing = [_reserve(rid, slot) for _ in range(12)]
        change = booking.redefine(resource_id=rid, capacities={slot: 4}, now=NOW)
        results = await asyncio.gather(change, *racing, return_exceptions=True)
        changed = not isinstance(results[0], Exception)
        if not changed:
            assert isinstance(results[0], booking.BelowTaken), results[0]
        capacity = (await Slot.get(id=slot)).capacity
        taken = await Reservation.filter(resource_id=rid, status="confirmed").count()
        assert taken <= capacity
        assert capacity == (4 if changed else 12)
        await assert_consistent(rid)


async def test_a_lost_copy_is_rebuilt_before_the_change():
    rid, (slot,) = await make_resource(capacity=5)
    await _reserve(rid, slot)
    await resources.redis().delete(store.state_key(rid))
    await booking.redefine(resource_id=rid, capacities={slot: 2}, now=NOW)
    assert await _copy(rid, f"c:{slot}") == "2"
    assert await _copy(rid, f"b:{slot}") == "1"
    await assert_consistent(rid)


async def test_unknown_slots_and_counters_are_not_found():
    rid, _ = await make_resource(capacity=5)
    _, (foreign,) = await make_resource(capacity=5)
    with pytest.raises(NotFound):
        await booking.redefine(resource_id=rid, capacities={foreign: 1}, now=NOW)
    with pytest.raises(NotFound):
        await booking.redefine(resource_id=rid, limits={"dish:404": 1}, now=NOW)
    assert (await Slot.get(id=foreign)).capacity == 5
