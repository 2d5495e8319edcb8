"""Meeting rooms (API.md §4) over HTTP: rooms, search, booking rules, approval, cancel,
check-in, visibility. Real Redis, real database, the booking engine underneath."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from demo import DEMO_STAFF
from demo import meetings as meetings_demo
from models.meetings import Booking, BookingSeries, Room
from models.notifications import Notice
from services import identity
from tests.support import assert_error, make_user
from tests.support.meetings import DAY, EVE, at, book, clock, holding, new_room

BOOKING_FIELDS = {
    "id",
    "room",
    "start",
    "end",
    "title",
    "attendees",
    "status",
    "organizer",
    "checked_in_at",
}


# --- rooms ---------------------------------------------------------------------------


async def test_admin_creates_a_room_others_may_not(client):
    admin, staff = await make_user("admin"), await make_user()
    room = await new_room(client, admin, equipment=["投影仪", "投影仪", "话筒"])
    assert set(room) >= {
        "id",
        "name",
        "building",
        "floor",
        "capacity",
        "equipment",
        "open_from",
        "open_to",
        "slot_minutes",
        "needs_approval",
    }
    assert room["equipment"] == ["投影仪", "话筒"]
    stored = await Room.get(id=room["id"])
    assert stored.resource_id is not None
    body = {"name": "越权会议室", "building": "A座", "floor": 1, "capacity": 5}
    response = await client.post("/api/v1/admin/rooms", json=body, headers=staff.headers)
    assert_error(response, 403, "forbidden")
    assert not await Room.exists(name="越权会议室")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"capacity": 0}, "capacity"),
        ({"open_from": "8点"}, "open_from"),
        ({"open_from": "21:00", "open_to": "08:00"}, "open_to"),
        ({"open_from": "08:00", "open_to": "20:45"}, "slot_minutes"),
        ({"slot_minutes": 7}, "slot_minutes"),
        ({"name": ""}, "name"),
    ],
)
async def test_bad_rooms_are_refused_field_by_field(client, overrides, field):
    admin = await make_user("admin")
    before = await Room.all().count()
    body = {"name": "坏会议室", "building": "A座", "floor": 1, "capacity": 5, **overrides}
    response = await client.post("/api/v1/admin/rooms", json=body, headers=admin.headers)
    error = assert_error(response, 400, "invalid_input")
    assert field in error["details"]["fields"], error
    assert await Room.all().count() == before


async def test_search_filters_by_size_and_equipment_and_shows_busy_time(client):
    admin, staff = await make_user("admin"), await make_user()
    building = "搜索测试楼"
    small = await new_room(client, admin, building=building, capacity=6, equipment=["白板"])
    video = await new_room(
        client, admin, building=building, capacity=20, equipment=["投影仪", "视频会议"]
    )
    big = await new_room(client, admin, building=building, capacity=80, equipment=["投影仪"])
    assert (await book(client, staff, video["id"], at("09:00"), at("10:00"))).status_code == 201
    cancelled = await book(client, staff, video["id"], at("13:00"), at("14:00"))
    await client.post(
        f"/api/v1/meetings/bookings/{cancelled.json()['id']}/cancel",
        headers=clock(EVE, staff),
    )
    # another day's booking is not in this day's busy list
    next_day = DAY + timedelta(days=1)
    assert (
        await book(client, staff, video["id"], at("09:00", next_day), at("10:00", next_day))
    ).status_code == 201

    response = await client.get(
        "/api/v1/meetings/rooms",
        params={"date": DAY.isoformat(), "min_capacity": 10, "equipment": "投影仪"},
        headers=staff.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["next_cursor"] is None  # the list shape of API.md §1
    found = {room["id"]: room for room in response.json()["items"]}
    assert video["id"] in found and big["id"] in found and small["id"] not in found
    assert found[video["id"]]["busy"] == [{"start": at("09:00"), "end": at("10:00")}]
    assert found[big["id"]]["busy"] == []

    both = await client.get(
        "/api/v1/meetings/rooms",
        params=[("date", DAY.isoformat()), ("equipment", "投影仪"), ("equipment", "视频会议")],
        headers=staff.headers,
    )
    ids = {room["id"] for room in both.json()["items"]}
    assert video["id"] in ids and big["id"] not in ids

    bad = await client.get(
        "/api/v1/meetings/rooms", params={"date": "2027-02-30"}, headers=staff.headers
    )
    assert "date" in assert_error(bad, 400, "invalid_input")["details"]["fields"]


# --- booking -------------------------------------------------------------------------


async def test_booking_is_confirmed_and_shaped_per_contract(client):
    admin, staff = await make_user("admin"), await make_user(name="张伟")
    room = await new_room(client, admin)
    response = await book(client, staff, room["id"], at("09:00"), at("10:30"), title="预算评审")
    assert response.status_code == 201, response.text
    booking = response.json()
    assert set(booking) >= BOOKING_FIELDS
    assert booking["status"] == "confirmed"
    assert booking["room"]["id"] == room["id"] and booking["room"]["name"] == room["name"]
    assert booking["organizer"] == {"id": staff.user_id, "name": "张伟"}
    assert (booking["start"], booking["end"]) == (at("09:00"), at("10:30"))
    assert booking["checked_in_at"] is None
    assert await Notice.exists(user_id=staff.user_id, kind="meeting_confirmed")

    mine = await client.get("/api/v1/meetings/bookings", headers=staff.headers)
    assert [b["id"] for b in mine.json()["items"]] == [booking["id"]]
    one = await client.get(f"/api/v1/meetings/bookings/{booking['id']}", headers=staff.headers)
    assert one.json() == booking


async def test_overlaps_conflict_and_adjacent_bookings_both_succeed(client):
    admin = await make_user("admin")
    alice, bob = await make_user(), await make_user()
    room = await new_room(client, admin)
    assert (await book(client, alice, room["id"], at("10:00"), at("11:00"))).status_code == 201
    for start, end in [
        ("10:00", "11:00"),
        ("09:30", "10:30"),
        ("10:30", "11:30"),
        ("09:00", "12:00"),
    ]:
        response = await book(client, bob, room["id"], at(start), at(end))
        assert_error(response, 409, "conflict")
    assert (await book(client, bob, room["id"], at("11:00"), at("12:00"))).status_code == 201
    assert (await book(client, bob, room["id"], at("09:00"), at("10:00"))).status_code == 201
    rows = await holding(room["id"])
    assert [(b.start, b.end) for b in rows] == sorted((b.start, b.end) for b in rows)
    assert len(rows) == 3
    for earlier, later in itertools.pairwise(rows):
        assert earlier.end == later.start  # back to back, no overlap


@pytest.mark.parametrize(
    ("start", "end", "attendees", "now", "field"),
    [
        ("09:15", "10:00", 5, EVE, "start"),  # off the 30-minute grid
        ("09:00", "10:10", 5, EVE, "end"),  # off the grid
        ("10:00", "10:00", 5, EVE, "end"),  # end == start
        ("11:00", "10:00", 5, EVE, "end"),  # end before start
        ("08:00", "16:30", 5, EVE, "end"),  # longer than 8 h
        ("07:00", "08:30", 5, EVE, "start"),  # before opening
        ("20:30", "21:30", 5, EVE, "end"),  # after closing
        ("09:00", "10:00", 5, at("09:30"), "start"),  # already begun: in the past
        ("09:00", "10:00", 13, EVE, "attendees"),  # more than the 12 seats
    ],
)
async def test_every_booking_rule_is_a_400_with_the_field(
    client, start, end, attendees, now, field
):
    admin, staff = await make_user("admin"), await make_user()
    room = await new_room(client, admin, capacity=12)
    response = await book(
        client, staff, room["id"], at(start), at(end), attendees=attendees, now=now
    )
    error = assert_error(response, 400, "invalid_input")
    assert field in error["details"]["fields"], error
    assert not await Booking.exists(room_id=room["id"])


async def test_exactly_eight_hours_and_a_naive_time_are_fine(client):
    admin, staff = await make_user("admin"), await make_user()
    room = await new_room(client, admin)
    response = await book(client, staff, room["id"], at("09:00")[:19], at("17:00")[:19])
    assert response.status_code == 201, response.text
    assert (response.json()["start"], response.json()["end"]) == (at("09:00"), at("17:00"))


async def test_malformed_bodies_are_400_and_unknown_room_404(client):
    staff = await make_user()
    url = "/api/v1/meetings/bookings"
    missing = await client.post(url, json={"room_id": 1}, headers=staff.headers)
    fields = assert_error(missing, 400, "invalid_input")["details"]["fields"]
    assert {"start", "end", "title", "attendees"} <= set(fields)
    garbage = await client.post(
        url,
        json={"room_id": "x", "start": "明天", "end": at("10:00"), "title": "", "attendees": 0},
        headers=staff.headers,
    )
    fields = assert_error(garbage, 400, "invalid_input")["details"]["fields"]
    assert {"room_id", "start", "title", "attendees"} <= set(fields)
    not_json = await client.post(
        url, content=b"{", headers=staff.with_headers(**{"Content-Type": "application/json"})
    )
    assert_error(not_json, 400, "invalid_input")
    unknown = await book(client, staff, 987654321, at("09:00"), at("10:00"))
    assert_error(unknown, 404, "not_found")
    huge = await book(client, staff, 10**20, at("09:00"), at("10:00"))
    assert "room_id" in assert_error(huge, 400, "invalid_input")["details"]["fields"]


async def test_idempotency_key_replays_the_first_booking(client):
    admin, staff = await make_user("admin"), await make_user()
    room = await new_room(client, admin)
    key = {"Idempotency-Key": "meet-once-1"}
    first = await book(client, staff, room["id"], at("09:00"), at("10:00"), headers=key)
    again = await book(client, staff, room["id"], at("09:00"), at("10:00"), headers=key)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert await Booking.filter(room_id=room["id"]).count() == 1
    other = await book(client, staff, room["id"], at("11:00"), at("12:00"), headers=key)
    assert_error(other, 409, "idempotency_mismatch")


# --- approval ------------------------------------------------------------------------


async def test_approval_flow_holds_the_time_and_notifies(client):
    admin, staff, other = await make_user("admin"), await make_user(), await make_user()
    hall = await new_room(client, admin, capacity=200, needs_approval=True)
    pending = await book(client, staff, hall["id"], at("14:00"), at("16:00"), attendees=150)
    assert pending.status_code == 201, pending.text
    booking = pending.json()
    assert booking["status"] == "pending_approval"
    assert await Notice.exists(user_id=admin.user_id, kind="meeting_pending")
    # pending time is held: busy in the search, and nobody else can take it
    assert_error(await book(client, other, hall["id"], at("15:00"), at("17:00")), 409, "conflict")
    search = await client.get(
        "/api/v1/meetings/rooms", params={"date": DAY.isoformat()}, headers=other.headers
    )
    listed = next(r for r in search.json()["items"] if r["id"] == hall["id"])
    assert listed["busy"] == [{"start": at("14:00"), "end": at("16:00")}]

    url = f"/api/v1/admin/meetings/bookings/{booking['id']}"
    assert_error(await client.post(f"{url}/approve", headers=staff.headers), 403, "forbidden")
    assert_error(await client.post(f"{url}/reject", headers=other.headers), 403, "forbidden")
    queue = await client.get(
        "/api/v1/admin/meetings/bookings",
        params={"status": "pending_approval"},
        headers=admin.headers,
    )
    assert booking["id"] in [b["id"] for b in queue.json()["items"]]

    approved = await client.post(f"{url}/approve", headers=clock(EVE, admin))
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "confirmed"
    assert await Notice.exists(user_id=staff.user_id, kind="meeting_approved")
    again = await client.post(f"{url}/approve", headers=clock(EVE, admin))
    assert assert_error(again, 409, "invalid_state")["details"]["state"] == "confirmed"
    assert_error(await client.post(f"{url}/reject", headers=admin.headers), 409, "invalid_state")
    missing = await client.post(
        "/api/v1/admin/meetings/bookings/987654321/approve", headers=admin.headers
    )
    assert_error(missing, 404, "not_found")


async def test_rejection_frees_the_time_at_once(client):
    admin, staff, other = await make_user("admin"), await make_user(), await make_user()
    hall = await new_room(client, admin, capacity=60, needs_approval=True)
    booking = (await book(client, staff, hall["id"], at("09:00"), at("11:00"))).json()
    rejected = await client.post(
        f"/api/v1/admin/meetings/bookings/{booking['id']}/reject",
        json={"reason": "当天有全市大会"},
        headers=clock(EVE, admin),
    )
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["status"] == "rejected"
    notice = await Notice.get(user_id=staff.user_id, kind="meeting_rejected")
    assert "当天有全市大会" in notice.body
    retaken = await book(client, other, hall["id"], at("09:00"), at("11:00"))
    assert retaken.status_code == 201, retaken.text
    assert retaken.json()["status"] == "pending_approval"


# --- cancel and check-in -------------------------------------------------------------


async def test_cancel_frees_the_time_and_only_once(client):
    admin, staff, other = await make_user("admin"), await make_user(), await make_user()
    room = await new_room(client, admin)
    booking = (await book(client, staff, room["id"], at("09:00"), at("10:00"))).json()
    url = f"/api/v1/meetings/bookings/{booking['id']}/cancel"
    assert_error(await client.post(url, headers=other.headers), 404, "not_found")
    cancelled = await client.post(url, headers=clock(EVE, staff))
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert_error(await client.post(url, headers=clock(EVE, staff)), 409, "invalid_state")
    assert (await book(client, other, room["id"], at("09:00"), at("10:00"))).status_code == 201


@pytest.mark.parametrize(
    ("moment", "outcome"),
    [
        ("09:49", "too_early"),
        ("09:50", 200),  # start − 10 min: opens
        ("10:00", 200),
        ("10:15", 200),  # start + 15 min: still open
        ("10:16", "too_late"),
    ],
)
async def test_check_in_window_edges(client, moment, outcome):
    admin, staff = await make_user("admin"), await make_user()
    room = await new_room(client, admin)
    booking = (await book(client, staff, room["id"], at("10:00"), at("11:00"))).json()
    url = f"/api/v1/meetings/bookings/{booking['id']}/checkin"
    response = await client.post(url, headers=clock(at(moment), staff))
    if outcome == 200:
        assert response.status_code == 200, response.text
        assert response.json()["checked_in_at"] == at(moment)
        # a second tap changes nothing
        again = await client.post(url, headers=clock(at("10:05"), staff))
        assert again.json()["checked_in_at"] == at(moment)
    else:
        assert_error(response, 409, outcome)
        assert (await Booking.get(id=booking["id"])).checked_in_at is None


async def test_pending_or_cancelled_bookings_cannot_check_in(client):
    admin, staff = await make_user("admin"), await make_user()
    hall = await new_room(client, admin, needs_approval=True)
    pending = (await book(client, staff, hall["id"], at("10:00"), at("11:00"))).json()
    url = f"/api/v1/meetings/bookings/{pending['id']}/checkin"
    error = assert_error(
        await client.post(url, headers=clock(at("10:00"), staff)), 409, "invalid_state"
    )
    assert error["details"]["state"] == "pending_approval"
    # the organizer withdraws the request: the held time is free at once
    cancel = f"/api/v1/meetings/bookings/{pending['id']}/cancel"
    assert (await client.post(cancel, headers=clock(EVE, staff))).json()["status"] == "cancelled"
    error = assert_error(
        await client.post(url, headers=clock(at("10:00"), staff)), 409, "invalid_state"
    )
    assert error["details"]["state"] == "cancelled"
    other = await make_user()
    assert (await book(client, other, hall["id"], at("10:00"), at("11:00"))).status_code == 201


# --- visibility ----------------------------------------------------------------------


async def test_other_users_bookings_are_404_everywhere(client):
    admin, owner, stranger = await make_user("admin"), await make_user(), await make_user()
    room = await new_room(client, admin)
    booking = (await book(client, owner, room["id"], at("09:00"), at("10:00"))).json()
    base = f"/api/v1/meetings/bookings/{booking['id']}"
    for response in [
        await client.get(base, headers=stranger.headers),
        await client.get(f"{base}.ics", headers=stranger.headers),
        await client.post(f"{base}/cancel", headers=stranger.headers),
        await client.post(f"{base}/checkin", headers=clock(at("09:00"), stranger)),
        await client.get("/api/v1/meetings/bookings/987654321", headers=owner.headers),
        await client.get("/api/v1/meetings/bookings/abc", headers=owner.headers),
        await client.get(f"/api/v1/meetings/bookings/{10**20}", headers=owner.headers),
        await client.get(f"/api/v1/meetings/bookings/{10**12 - 1}.ics", headers=owner.headers),
        await client.post(f"/api/v1/meetings/bookings/{10**20}/cancel", headers=owner.headers),
        await client.post(
            f"/api/v1/admin/meetings/bookings/{10**20}/approve", headers=admin.headers
        ),
    ]:
        assert_error(response, 404, "not_found")
    listed = await client.get("/api/v1/meetings/bookings", headers=stranger.headers)
    assert booking["id"] not in [b["id"] for b in listed.json()["items"]]
    assert (await Booking.get(id=booking["id"])).status == "confirmed"
    unauthenticated = await client.get(base)
    assert_error(unauthenticated, 401, "unauthorized")


async def test_my_bookings_page_with_a_cursor(client):
    admin, staff = await make_user("admin"), await make_user()
    room = await new_room(client, admin)
    for hour in ("09", "10", "11"):
        response = await book(client, staff, room["id"], at(f"{hour}:00"), at(f"{hour}:30"))
        assert response.status_code == 201
    first = await client.get(
        "/api/v1/meetings/bookings", params={"limit": 2}, headers=staff.headers
    )
    page = first.json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    second = await client.get(
        "/api/v1/meetings/bookings",
        params={"limit": 2, "cursor": page["next_cursor"]},
        headers=staff.headers,
    )
    assert len(second.json()["items"]) == 1 and second.json()["next_cursor"] is None
    for cursor in ("x'--", str(10**15), "0"):
        bad = await client.get(
            "/api/v1/meetings/bookings", params={"cursor": cursor}, headers=staff.headers
        )
        assert_error(bad, 400, "invalid_input")


# --- demo data -----------------------------------------------------------------------


async def test_seed_demo_makes_twelve_rooms_once(app):
    rows = [
        {"employee_no": no, "name": name, "department": dept, "roles": roles}
        for no, name, dept, roles in DEMO_STAFF
    ]
    await identity.import_staff(rows=rows, now=datetime.now(UTC))
    towers = ["市民中心A座", "市民中心B座", "市民中心C座"]
    await meetings_demo.seed(now=datetime.now(UTC))
    rooms = await Room.filter(building__in=towers)
    bookings = await Booking.filter(room_id__in=[r.id for r in rooms]).count()
    assert len(rooms) == 12 and bookings >= 5
    assert min(r.capacity for r in rooms) == 6 and max(r.capacity for r in rooms) == 200
    assert any(r.needs_approval for r in rooms) and not all(r.needs_approval for r in rooms)
    assert all(r.resource_id for r in rooms)
    again = await meetings_demo.seed(now=datetime.now(UTC))
    assert "0 rooms created" in again[0] and "0 demo bookings created" in again[0]
    assert await Room.filter(building__in=towers).count() == 12
    assert await Booking.filter(room_id__in=[r.id for r in rooms]).count() == bookings


# --- times at the edge of the calendar -------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        ("0001-01-01T00:00:00", "0001-01-01T01:00:00", "start"),  # naive: before UTC year 1
        ("9999-12-31T23:00:00+00:00", "9999-12-31T23:30:00+00:00", "start"),  # local: year 10000
    ],
)
async def test_times_outside_the_calendar_are_400_and_book_nothing(client, start, end, field):
    admin, staff = await make_user("admin"), await make_user()
    room = await new_room(client, admin)
    response = await book(client, staff, room["id"], start, end)
    assert assert_error(response, 400, "invalid_input")["details"]["fields"][field]
    body = {"room_id": room["id"], "start": start, "end": end, "title": "周会", "attendees": 2}
    series = await client.post(
        "/api/v1/meetings/bookings/series",
        json={**body, "weeks": 3},
        headers=clock(EVE, staff),
    )
    assert assert_error(series, 400, "invalid_input")["details"]["fields"][field]
    assert await Booking.filter(room_id=room["id"]).count() == 0


async def test_a_series_running_past_the_calendar_is_400_and_books_nothing(client):
    admin, staff = await make_user("admin"), await make_user()
    room = await new_room(client, admin)
    body = {
        "room_id": room["id"],
        "start": "9999-12-24T09:00:00+08:00",
        "end": "9999-12-24T10:00:00+08:00",
        "title": "周会",
        "attendees": 2,
        "weeks": 3,
    }
    response = await client.post(
        "/api/v1/meetings/bookings/series", json=body, headers=clock(EVE, staff)
    )
    assert assert_error(response, 400, "invalid_input")["details"]["fields"]["weeks"]
    assert await Booking.filter(room_id=room["id"]).count() == 0
    assert await BookingSeries.filter(room_id=room["id"]).count() == 0


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
async def test_room_search_on_a_day_at_the_calendar_edge_is_400(client, day):
    staff = await make_user()
    response = await client.get(f"/api/v1/meetings/rooms?date={day}", headers=staff.headers)
    assert assert_error(response, 400, "invalid_input")["details"]["fields"]["date"]


async def test_a_blank_title_is_400_and_books_nothing(client):
    admin, staff = await make_user("admin"), await make_user()
    room = await new_room(client, admin)
    response = await book(client, staff, room["id"], at("09:00"), at("10:00"), title="   ")
    assert assert_error(response, 400, "invalid_input")["details"]["fields"]["title"]
    body = {"room_id": room["id"], "start": at("11:00"), "end": at("12:00"), "attendees": 2}
    series = await client.post(
        "/api/v1/meetings/bookings/series",
        json={**body, "title": " \t ", "weeks": 2},
        headers=clock(EVE, staff),
    )
    assert assert_error(series, 400, "invalid_input")["details"]["fields"]["title"]
    assert await Booking.filter(room_id=room["id"]).count() == 0
