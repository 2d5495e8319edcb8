"""Two overlapping requests for one room can never both succeed (API.md §4), checked
with real concurrent HTTP requests and counted in the database and in Redis."""

from __future__ import annotations

import asyncio
import random
from datetime import datetime, timedelta

import booking as engine
from booking.store import state_key
from models.booking import Slot
from models.meetings import Booking, Room
from server import resources
from tests.support import assert_error, make_user
from tests.support.meetings import (
    DAY,
    EVE,
    SHANGHAI,
    assert_disjoint,
    at,
    book,
    holding,
    new_room,
)


async def redis_places(room_id: int) -> dict[int, int]:
    """Places the Redis gate counts per slot of the room (0 when not counted)."""
    room = await Room.get(id=room_id)
    slots = await Slot.filter(resource_id=room.resource_id).values_list("id", flat=True)
    state = await resources.redis().hgetall(state_key(room.resource_id))
    return {slot: int(state.get(f"b:{slot}", 0)) for slot in slots}


async def covered(room_id: int, winners: list[Booking]) -> dict[int, int]:
    """How many of `winners` cover each slot of the room, from the database."""
    room = await Room.get(id=room_id)
    counts: dict[int, int] = {}
    for slot in await Slot.filter(resource_id=room.resource_id):
        counts[slot.id] = sum(1 for b in winners if b.start <= slot.start and slot.end <= b.end)
    return counts


async def test_100_concurrent_overlapping_requests_one_winner_every_loser_409(client):
    admin = await make_user("admin")
    room = await new_room(client, admin, capacity=20)
    users = [await make_user() for _ in range(100)]
    # Every request contains 10:00–10:30, with different starts and ends around it.
    starts = ["08:00", "08:30", "09:00", "09:30", "10:00"]
    ends = ["10:30", "11:00", "11:30", "12:00"]
    requests = [
        book(client, user, room["id"], at(starts[i % 5]), at(ends[(i // 5) % 4]))
        for i, user in enumerate(users)
    ]
    responses = await asyncio.gather(*requests)
    won = [r for r in responses if r.status_code == 201]
    lost = [r for r in responses if r.status_code != 201]
    assert len(won) == 1, [r.status_code for r in responses]
    for response in lost:
        assert_error(response, 409, "conflict")
    rows = await holding(room["id"])
    assert [row.id for row in rows] == [won[0].json()["id"]]
    assert await Booking.filter(room_id=room["id"]).count() == 1
    assert await redis_places(room["id"]) == await covered(room["id"], rows)


async def test_100_concurrent_random_requests_never_overlap(client):
    admin = await make_user("admin")
    room = await new_room(client, admin, capacity=20)
    users = [await make_user() for _ in range(100)]
    rng = random.Random(20270301)
    wanted: list[tuple[datetime, datetime]] = []
    for _ in users:
        first = rng.randrange(0, 25)  # 26 half hours from 08:00 to 21:00
        start = datetime(DAY.year, DAY.month, DAY.day, 8, tzinfo=SHANGHAI) + timedelta(
            minutes=30 * first
        )
        length = rng.randint(1, min(6, 26 - first))
        wanted.append((start, start + timedelta(minutes=30 * length)))
    responses = await asyncio.gather(
        *[
            book(client, user, room["id"], start.isoformat(), end.isoformat())
            for user, (start, end) in zip(users, wanted, strict=True)
        ]
    )
    winners = await holding(room["id"])
    assert len(winners) == sum(1 for r in responses if r.status_code == 201) >= 2
    assert_disjoint(winners)
    for response, (start, end) in zip(responses, wanted, strict=True):
        if response.status_code == 201:
            continue
        assert_error(response, 409, "conflict")
        # a loser was refused because a winner really holds part of its time
        assert any(w.start < end and start < w.end for w in winners), (start, end)
    assert await redis_places(room["id"]) == await covered(room["id"], winners)


async def test_concurrent_cancel_and_rebook_keep_one_holder(client):
    admin, owner = await make_user("admin"), await make_user()
    room = await new_room(client, admin)
    first = (await book(client, owner, room["id"], at("14:00"), at("15:00"))).json()
    takers = [await make_user() for _ in range(20)]
    results = await asyncio.gather(
        client.post(
            f"/api/v1/meetings/bookings/{first['id']}/cancel",
            headers=owner.with_headers(**{"X-Test-Now": at("12:00", DAY - timedelta(days=1))}),
        ),
        *[book(client, user, room["id"], at("14:00"), at("15:00")) for user in takers],
    )
    assert results[0].status_code == 200
    rows = await holding(room["id"])
    assert len(rows) <= 1
    assert sum(1 for r in results[1:] if r.status_code == 201) == len(rows)
    assert await redis_places(room["id"]) == await covered(room["id"], rows)


async def test_lost_redis_state_never_lets_an_overlap_through(client):
    """Redis forgets the room (restart, eviction): the engine rebuilds it from the
    database, and concurrent overlapping requests still all lose."""
    admin, owner = await make_user("admin"), await make_user()
    room = await new_room(client, admin)
    assert (await book(client, owner, room["id"], at("16:00"), at("17:00"))).status_code == 201
    resource_id = (await Room.get(id=room["id"])).resource_id
    await resources.redis().delete(state_key(resource_id))
    takers = [await make_user() for _ in range(20)]
    responses = await asyncio.gather(
        *[
            book(client, user, room["id"], at(f"{15 + i % 2}:30"), at(f"{16 + i % 2}:30"))
            for i, user in enumerate(takers)
        ]
    )
    for response in responses:
        assert_error(response, 409, "conflict")
    rows = await holding(room["id"])
    assert [(r.organizer_id, r.end - r.start) for r in rows] == [
        (owner.user_id, timedelta(hours=1))
    ]
    assert await redis_places(room["id"]) == await covered(room["id"], rows)


async def test_approval_racing_rejection_ends_in_exactly_one(client):
    """Two admins decide the same request at once: one wins, the other sees the new state,
    and the booking row and the engine reservation agree."""
    first_admin, second_admin, organizer = (
        await make_user("admin"),
        await make_user("admin"),
        await make_user(),
    )
    hall = await new_room(client, first_admin, needs_approval=True)
    for hour in (9, 11, 13, 15, 17):
        pending = await book(client, organizer, hall["id"], at(f"{hour}:00"), at(f"{hour + 1}:00"))
        url = f"/api/v1/admin/meetings/bookings/{pending.json()['id']}"
        approve, reject = await asyncio.gather(
            client.post(f"{url}/approve", headers=first_admin.with_headers(**{"X-Test-Now": EVE})),
            client.post(f"{url}/reject", headers=second_admin.with_headers(**{"X-Test-Now": EVE})),
        )
        assert sorted([approve.status_code, reject.status_code]) == [200, 409]
        loser = approve if approve.status_code == 409 else reject
        assert_error(loser, 409, "invalid_state")
        row = await Booking.get(id=pending.json()["id"])
        assert row.status == ("confirmed" if approve.status_code == 200 else "rejected")
        assert (await engine.get(reservation_id=row.reservation_id)).status == row.status
