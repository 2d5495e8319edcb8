"""The booking engine through its Python API: rules, errors, waitlist, holds."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

import booking
from booking import store
from models.booking import Occupancy, Reservation
from server import resources
from server.errors import Conflict, InvalidInput, InvalidState, LimitReached, NotFound, SlotFull
from server.tx import transaction
from tests.support.booking import (
    NOW,
    assert_consistent,
    count_queries,
    define_counter,
    make_resource,
    new_user,
    redis_booked,
)

pytestmark = pytest.mark.usefixtures("app")


async def test_reserve_takes_places_until_full_then_slot_full_with_alternatives():
    rid, (s1, s2, s3) = await make_resource(slots=3, capacity=2)
    first = await booking.reserve(resource_id=rid, user_id=new_user(), slot_ids=[s1], now=NOW)
    assert first.status == "confirmed" and first.created and first.position is None
    await booking.reserve(resource_id=rid, user_id=new_user(), slot_ids=[s1], now=NOW)
    await booking.reserve(resource_id=rid, user_id=new_user(), slot_ids=[s3], quantity=2, now=NOW)
    with pytest.raises(SlotFull) as caught:
        await booking.reserve(resource_id=rid, user_id=new_user(), slot_ids=[s1], now=NOW)
    details = caught.value.details
    assert details["slot_id"] == s1
    assert [a["slot_id"] for a in details["alternatives"]] == [s2]
    assert details["alternatives"][0]["available"] == 2
    assert details["alternatives"][0]["start"].endswith("+08:00")
    (a1,) = await booking.availability(resource_id=rid, slot_ids=[s1])
    assert (a1.booked, a1.available) == (2, 0)
    await assert_consistent(rid)


async def test_rejection_issues_no_database_query():
    rid, (slot, other) = await make_resource(slots=2, capacity=1, per_user_limit=1)
    holder = new_user()
    await booking.reserve(resource_id=rid, user_id=holder, slot_ids=[slot], now=NOW)
    with count_queries() as counted:
        with pytest.raises(SlotFull):
            await booking.reserve(resource_id=rid, user_id=new_user(), slot_ids=[slot], now=NOW)
        with pytest.raises(LimitReached):
            await booking.reserve(resource_id=rid, user_id=holder, slot_ids=[other], now=NOW)
        with pytest.raises(Conflict):
            await booking.reserve(resource_id=rid, user_id=holder, slot_ids=[slot], now=NOW)
    assert counted.statements == []
    # The counter does see statements when there are some (it is not blind).
    with count_queries() as counted:
        await booking.get(reservation_id=(await Reservation.filter(resource_id=rid).first()).id)
    assert counted.statements


async def test_conflict_code_for_rooms_and_consecutive_runs():
    rid, slots = await make_resource(slots=4, capacity=1, consecutive=True, full_code="conflict")
    run = await booking.reserve(resource_id=rid, user_id=new_user(), slot_ids=slots[1:3], now=NOW)
    assert run.slot_ids == slots[1:3]
    with pytest.raises(Conflict):
        await booking.reserve(resource_id=rid, user_id=new_user(), slot_ids=slots[2:4], now=NOW)
    with pytest.raises(InvalidInput):
        await booking.reserve(
            resource_id=rid, user_id=new_user(), slot_ids=[slots[0], slots[3]], now=NOW
        )
    busy = await booking.busy(resource_id=rid, start=NOW, end=NOW + timedelta(days=3))
    assert len(busy) == 1 and busy[0][1] - busy[0][0] == timedelta(minutes=60)
    await assert_consistent(rid)


async def test_runs_not_allowed_without_consecutive_policy_and_bad_input():
    rid, slots = await make_resource(slots=2, capacity=3)
    with pytest.raises(InvalidInput):
        await booking.reserve(resource_id=rid, user_id=new_user(), slot_ids=slots, now=NOW)
    for bad in ({"slot_ids": []}, {"slot_ids": [slots[0]], "quantity": 0}):
        with pytest.raises(InvalidInput):
            await booking.reserve(resource_id=rid, user_id=new_user(), now=NOW, **bad)
    with pytest.raises(NotFound):
        await booking.reserve(resource_id=rid, user_id=new_user(), slot_ids=[999_999], now=NOW)
    _other, other_slots = await make_resource()
    with pytest.raises(NotFound):  # a slot of another resource
        await booking.reserve(resource_id=rid, user_id=new_user(), slot_ids=other_slots, now=NOW)
    with pytest.raises(NotFound):
        await booking.reserve(resource_id=987_654, user_id=new_user(), slot_ids=[1], now=NOW)
    assert await Reservation.filter(resource_id=rid).count() == 0


async def test_one_per_user_per_slot_and_idempotent_replay():
    rid, (slot,) = await make_resource(capacity=5)
    user = new_user()
    first = await booking.reserve(
        resource_id=rid, user_id=user, slot_ids=[slot], idempotency_key="k1", now=NOW
    )
    again = await booking.reserve(
        resource_id=rid, user_id=user, slot_ids=[slot], idempotency_key="k1", now=NOW
    )
    assert again.id == first.id and again.created is False
    with pytest.raises(Conflict):
        await booking.reserve(resource_id=rid, user_id=user, slot_ids=[slot], now=NOW)
    await booking.cancel(reservation_id=first.id, now=NOW)
    # Free again for this user; the old key still names the old reservation.
    second = await booking.reserve(resource_id=rid, user_id=user, slot_ids=[slot], now=NOW)
    assert second.id != first.id
    replay = await booking.reserve(
        resource_id=rid, user_id=user, slot_ids=[slot], idempotency_key="k1", now=NOW
    )
    assert replay.id == first.id and replay.status == "cancelled"
    await assert_consistent(rid)


async def test_counters_take_part_in_the_same_step():
    rid, (s1, s2) = await make_resource(slots=2, capacity=10, one_per_user_per_slot=False)
    await define_counter(rid, "dish:1", 3)
    await booking.reserve(
        resource_id=rid, user_id=new_user(), slot_ids=[s1], counters={"dish:1": 2}, now=NOW
    )
    with pytest.raises(booking.CounterExhausted) as caught:
        await booking.reserve(
            resource_id=rid, user_id=new_user(), slot_ids=[s2], counters={"dish:1": 2}, now=NOW
        )
    assert caught.value.details == {"counter": "dish:1"}
    assert await redis_booked(rid, s2) == 0  # nothing taken: all or none
    assert await booking.counters_remaining(resource_id=rid, names=["dish:1"]) == {"dish:1": 1}
    with pytest.raises(InvalidInput):
        await booking.reserve(
            resource_id=rid, user_id=new_user(), slot_ids=[s2], counters={"dish:9": 1}, now=NOW
        )
    await assert_consistent(rid)


async def test_waitlist_fifo_promotion_on_cancel_and_record_step():
    rid, (slot,) = await make_resource(capacity=1, waitlist=True)
    seen: list[booking.ReservationInfo] = []

    async def on_promoted(step: booking.Recording) -> None:
        # Inside the promotion's transaction: the row already reads confirmed there.
        row = await Reservation.filter(id=step.reservation.id).using_db(step.tx.conn).first()
        assert row is not None and row.status == "confirmed"
        seen.append(step.reservation)

    booking.on_promoted("test", on_promoted)
    holder = await booking.reserve(resource_id=rid, user_id=new_user(), slot_ids=[slot], now=NOW)
    waiting = [
        await booking.reserve(
            resource_id=rid, user_id=new_user(), slot_ids=[slot], waitlist=True, now=NOW
        )
        for _ in range(3)
    ]
    assert [w.status for w in waiting] == ["waitlisted"] * 3
    assert [w.position for w in waiting] == [1, 2, 3]
    with pytest.raises(SlotFull):  # without waitlist=True a full slot is still full
        await booking.reserve(resource_id=rid, user_id=new_user(), slot_ids=[slot], now=NOW)
    # Cancelling a waiting one keeps the order of the others.
    await booking.cancel(reservation_id=waiting[1].id, now=NOW)
    result = await booking.cancel(reservation_id=holder.id, now=NOW)
    assert [p.id for p in result.promoted] == [waiting[0].id]
    assert result.promoted[0].status == "confirmed"
    assert [e.id for e in seen if e.resource_id == rid] == [waiting[0].id]
    assert (await booking.get(reservation_id=waiting[2].id)).position == 1
    (slot_view,) = await booking.availability(resource_id=rid)
    assert (slot_view.booked, slot_view.waitlist) == (1, 1)
    await assert_consistent(rid)


async def test_hold_confirm_finish_and_expiry():
    rid, (s1, s2) = await make_resource(slots=2, capacity=1, hold_ttl_s=600)
    held = await booking.reserve(
        resource_id=rid, user_id=new_user(), slot_ids=[s1], hold=True, now=NOW
    )
    assert held.status == "held"
    confirmed = await booking.confirm(reservation_id=held.id, now=NOW)
    assert confirmed.status == "confirmed"
    with pytest.raises(InvalidState):
        await booking.confirm(reservation_id=held.id, now=NOW)
    done = await booking.finish(reservation_id=held.id, status="completed", now=NOW)
    assert done.status == "completed"
    assert await redis_booked(rid, s1) == 1  # a finished meeting still used its slot
    with pytest.raises(InvalidState):
        await booking.cancel(reservation_id=held.id, now=NOW)
    other = await booking.reserve(
        resource_id=rid, user_id=new_user(), slot_ids=[s2], hold=True, now=NOW
    )
    assert await booking.expire_holds(now=NOW + timedelta(seconds=599)) == 0
    assert await booking.expire_holds(now=NOW + timedelta(seconds=601)) == 1
    assert (await booking.get(reservation_id=other.id)).status == "expired"
    assert await redis_booked(rid, s2) == 0
    with pytest.raises(InvalidInput):
        await booking.cancel(reservation_id=other.id, status="completed", now=NOW)
    with pytest.raises(NotFound):
        await booking.cancel(reservation_id=999_999_999, now=NOW)
    await assert_consistent(rid)


async def test_database_constraint_blocks_double_booking_when_redis_is_bypassed():
    rid, (slot,) = await make_resource(capacity=1)
    await booking.availability(resource_id=rid)  # the Redis copy exists before the bypass
    sneaky = await Reservation.create(
        resource_id=rid,
        user_id=new_user(),
        slot_ids=[slot],
        quantity=1,
        status="confirmed",
        created_at=NOW,
        updated_at=NOW,
    )
    await Occupancy.create(
        reservation_id=sneaky.id,
        slot_id=slot,
        user_id=sneaky.user_id,
        quantity=1,
        occupied=True,
        exclusive_key=str(slot),
    )
    # Redis was built before the bypass, so it still believes the slot is free.
    await resources.redis().hset(store.state_key(rid), f"b:{slot}", 0)
    with pytest.raises(SlotFull):
        await booking.reserve(resource_id=rid, user_id=new_user(), slot_ids=[slot], now=NOW)
    assert await Reservation.filter(resource_id=rid).count() == 1
    assert await redis_booked(rid, slot) == 0  # the gate gave its place back
    report = await booking.reconcile(resource_id=rid, now=NOW)
    assert report.keys_repaired >= 1
    await assert_consistent(rid)


async def test_ensure_slots_makes_each_grid_slot_once_under_concurrency():
    async with transaction() as tx:
        rid = await booking.create_resource(
            tx=tx,
            domain="test",
            ref_id=2,
            name="会议室",
            policy=booking.Policy(capacity=1, consecutive=True),
        )
    start = NOW + timedelta(days=1)
    calls = await asyncio.gather(
        *(
            booking.ensure_slots(
                resource_id=rid, start=start, end=start + timedelta(hours=2), step_minutes=30
            )
            for _ in range(10)
        )
    )
    ids = [s.id for s in calls[0]]
    assert len(ids) == 4 and all([s.id for s in c] == ids for c in calls)
    assert [s.start for s in calls[0]] == [start + timedelta(minutes=30 * i) for i in range(4)]
    # A slot made after the Redis copy exists is bookable at once.
    await booking.reserve(resource_id=rid, user_id=new_user(), slot_ids=ids[:2], now=NOW)
    later = await booking.ensure_slots(
        resource_id=rid,
        start=start + timedelta(hours=2),
        end=start + timedelta(hours=3),
        step_minutes=30,
    )
    run = await booking.reserve(
        resource_id=rid, user_id=new_user(), slot_ids=[ids[3], later[0].id], now=NOW
    )
    assert run.status == "confirmed"
    with pytest.raises(InvalidInput):
        await booking.ensure_slots(resource_id=rid, start=start, end=start, step_minutes=30)
    with pytest.raises(InvalidInput):
        async with transaction() as tx:
            await booking.add_slots(
                tx=tx,
                resource_id=rid,
                slots=[
                    booking.SlotSpec(start=start, end=start + timedelta(minutes=30), capacity=1)
                ],
            )
    await assert_consistent(rid)


async def add_slots_in_a_transaction(*, resource_id: int) -> list[booking.SlotInfo]:
    async with transaction() as tx:
        return await booking.add_slots(tx=tx, resource_id=resource_id, slots=[])


async def test_ids_that_cannot_exist_are_not_found_never_a_database_error():
    rid, (slot,) = await make_resource()
    huge = 2**31
    for call in (
        booking.reserve(resource_id=rid, user_id=new_user(), slot_ids=[huge], now=NOW),
        booking.reserve(resource_id=huge, user_id=new_user(), slot_ids=[slot], now=NOW),
        booking.reserve(resource_id=rid, user_id=new_user(), slot_ids=[0], now=NOW),
        booking.cancel(reservation_id=huge, now=NOW),
        booking.confirm(reservation_id=huge, now=NOW),
        booking.finish(reservation_id=-1, status="completed", now=NOW),
        booking.get(reservation_id=huge),
        booking.availability(resource_id=huge),
        booking.reconcile(resource_id=huge, now=NOW),
        add_slots_in_a_transaction(resource_id=huge),
    ):
        with pytest.raises(NotFound):
            await call


async def test_a_new_resource_starts_without_a_leftover_copy_under_its_id():
    """SQLite hands out an id again after a rollback: a copy left under it (from the
    rolled-back resource) must not count places of the new one."""
    from models.booking import Resource

    last = await Resource.all().order_by("-id").first()
    start = (last.id if last else 0) + 1
    redis = resources.redis()
    for rid in range(start, start + 50):
        await redis.hset(store.state_key(rid), mapping={"epoch": "left-over", "b:1": "1"})
        await redis.rpush(store.queue_key(rid, 1), "left-over")
    async with transaction() as tx:
        rid = await booking.create_resource(
            tx=tx, domain="test", ref_id=1, name="new", policy=booking.Policy(capacity=1)
        )
    assert start <= rid < start + 50
    assert not await redis.exists(store.state_key(rid), store.queue_key(rid, 1))
    for other in range(start, start + 50):
        await redis.delete(store.state_key(other), store.queue_key(other, 1))
