"""Rooms for admins over HTTP: the list (closed ones included), editing a room and
closing it — a closed room takes no new booking, even one racing the close, and keeps
the ones it holds."""

from __future__ import annotations

import asyncio
from typing import Any

from models.meetings import Booking
from models.meetings import Room as RoomRow
from tests.support import Actor, assert_error, make_user
from tests.support.meetings import EVE, at, book, clock, holding, new_room

API = "/api/v1"


async def patch(client: Any, admin: Actor, room_id: int, body: dict[str, Any]) -> Any:
    return await client.patch(f"{API}/admin/rooms/{room_id}", json=body, headers=clock(EVE, admin))


async def test_admin_lists_every_room_and_edits_one(client):
    admin = await make_user("admin")
    room = await new_room(client, admin)
    changed = await patch(
        client,
        admin,
        room["id"],
        {"capacity": 20, "equipment": ["视频会议", " 视频会议 "], "needs_approval": True},
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["capacity"], body["equipment"], body["needs_approval"], body["closed"]) == (
        20,
        ["视频会议"],
        True,
        False,
    )
    assert body["name"] == room["name"] and body["open_from"] == "08:00"
    listed = await client.get(f"{API}/admin/rooms", headers=admin.headers)
    assert listed.status_code == 200, listed.text
    assert {**body} in listed.json()["items"]
    # The next booking follows the new rule: it waits for approval.
    staff = await make_user()
    pending = await book(client, staff, room["id"], at("09:00"), at("10:00"))
    assert pending.json()["status"] == "pending_approval"


async def test_a_closed_room_takes_no_new_booking_and_keeps_its_bookings(client):
    admin, organizer, late = await make_user("admin"), await make_user(), await make_user()
    room = await new_room(client, admin)
    kept = await book(client, organizer, room["id"], at("09:00"), at("10:00"))
    assert kept.status_code == 201, kept.text

    closed = await patch(client, admin, room["id"], {"closed": True})
    assert closed.json()["closed"] is True
    refused = await book(client, late, room["id"], at("14:00"), at("15:00"))
    assert assert_error(refused, 409, "invalid_state")["details"]["state"] == "closed"
    series = await client.post(
        f"{API}/meetings/bookings/series",
        json={
            "room_id": room["id"],
            "start": at("16:00"),
            "end": at("17:00"),
            "title": "周会",
            "attendees": 3,
            "weeks": 2,
        },
        headers=clock(EVE, late),
    )
    assert_error(series, 409, "invalid_state")
    assert [b.id for b in await holding(room["id"])] == [kept.json()["id"]]

    search = await client.get(
        f"{API}/meetings/rooms", params={"date": at("09:00")[:10]}, headers=late.headers
    )
    assert room["id"] not in {r["id"] for r in search.json()["items"]}
    listed = await client.get(f"{API}/admin/rooms", headers=admin.headers)
    assert {r["id"]: r["closed"] for r in listed.json()["items"]}[room["id"]] is True

    reopened = await patch(client, admin, room["id"], {"closed": False})
    assert reopened.json()["closed"] is False
    assert (await book(client, late, room["id"], at("14:00"), at("15:00"))).status_code == 201


async def test_closing_while_people_book_leaves_no_booking_after_the_close(client):
    """Bookings racing the close either committed before it or are refused: none is
    accepted by the gate once the room is closed."""
    admin = await make_user("admin")
    room = await new_room(client, admin)
    people = [await make_user() for _ in range(8)]
    hours = [f"{9 + i:02d}:00" for i in range(8)]
    results = await asyncio.gather(
        patch(client, admin, room["id"], {"closed": True}),
        *(
            book(client, person, room["id"], at(hour), at(f"{int(hour[:2]) + 1:02d}:00"))
            for person, hour in zip(people, hours, strict=True)
        ),
    )
    assert results[0].status_code == 200, results[0].text
    made = [r for r in results[1:] if r.status_code == 201]
    refused = [r for r in results[1:] if r.status_code != 201]
    assert all(r.json()["error"]["details"]["state"] == "closed" for r in refused)
    assert await Booking.filter(room_id=room["id"]).count() == len(made)
    # Once it is closed, nothing more gets in.
    after = await book(client, await make_user(), room["id"], at("18:00"), at("19:00"))
    assert_error(after, 409, "invalid_state")


async def test_the_grid_changes_only_while_the_room_has_no_slots_ahead(client):
    admin, organizer = await make_user("admin"), await make_user()
    fresh = await new_room(client, admin)
    moved = await patch(client, admin, fresh["id"], {"open_from": "08:15", "slot_minutes": 15})
    assert (moved.json()["open_from"], moved.json()["slot_minutes"]) == ("08:15", 15)

    used = await new_room(client, admin)
    assert (await book(client, organizer, used["id"], at("09:00"), at("10:00"))).status_code == 201
    refused = await patch(client, admin, used["id"], {"slot_minutes": 60})
    assert_error(refused, 409, "conflict")
    # Hours that keep the grid are fine; hours that do not fit it are a 400.
    assert (await patch(client, admin, used["id"], {"open_to": "20:00"})).status_code == 200
    bad = await patch(client, admin, used["id"], {"open_to": "20:10"})
    assert "slot_minutes" in assert_error(bad, 400, "invalid_input")["details"]["fields"]
    assert (await RoomRow.get(id=used["id"])).slot_minutes == 30


async def test_room_edits_refuse_duplicates_empty_bodies_and_unknown_rooms(client):
    admin = await make_user("admin")
    first, second = await new_room(client, admin), await new_room(client, admin)
    clash = await patch(client, admin, second["id"], {"name": first["name"]})
    assert_error(clash, 409, "conflict")
    assert_error(await patch(client, admin, first["id"], {}), 400, "invalid_input")
    assert_error(await patch(client, admin, first["id"], {"colour": "红"}), 400, "invalid_input")
    assert_error(await patch(client, admin, 2_000_000_000, {"closed": True}), 404, "not_found")


async def test_a_grid_change_racing_a_booking_never_leaves_a_booking_on_the_old_grid(client):
    """Whichever commits first, every booking the room holds sits on the grid the room
    has: a booking cut on the old grid is refused once the new grid committed."""
    from models.booking import Reservation, Slot

    admin = await make_user("admin")
    for _ in range(3):
        room = await new_room(client, admin)
        change, booking = await asyncio.gather(
            patch(client, admin, room["id"], {"slot_minutes": 60}),
            book(client, await make_user(), room["id"], at("09:00"), at("10:00")),
        )
        assert change.status_code in (200, 409), change.text
        assert booking.status_code in (201, 409), booking.text
        minutes = (await RoomRow.get(id=room["id"])).slot_minutes
        assert minutes == (60 if change.status_code == 200 else 30)
        resource = (await RoomRow.get(id=room["id"])).resource_id
        for reservation in await Reservation.filter(resource_id=resource, status="confirmed"):
            for slot in await Slot.filter(id__in=reservation.slot_ids):
                assert (slot.end - slot.start).total_seconds() == minutes * 60
        if change.status_code == 409:
            assert booking.status_code == 201
