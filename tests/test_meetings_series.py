"""Weekly series (each week whole or skipped) and the .ics calendar file."""

from __future__ import annotations

from datetime import datetime, timedelta

from icalendar import Calendar

from models.meetings import Booking, BookingSeries
from tests.support import assert_error, make_user
from tests.support.meetings import (
    DAY,
    EVE,
    SHANGHAI,
    assert_disjoint,
    at,
    book,
    clock,
    holding,
    new_room,
)


async def series(client, actor, room_id, start, end, weeks, **extra):
    body = {
        "room_id": room_id,
        "start": start,
        "end": end,
        "title": "处务会",
        "attendees": 8,
        "weeks": weeks,
        **extra,
    }
    return await client.post(
        "/api/v1/meetings/bookings/series", json=body, headers=clock(EVE, actor)
    )


async def test_series_skips_exactly_the_taken_weeks(client):
    admin, organizer, other = await make_user("admin"), await make_user(), await make_user()
    room = await new_room(client, admin)
    # week 1 is taken exactly, week 3 only partly (10:30–11:30): both must be skipped whole
    assert (
        await book(client, other, room["id"], at("10:00", weeks=1), at("11:00", weeks=1))
    ).status_code == 201
    assert (
        await book(client, other, room["id"], at("10:30", weeks=3), at("11:30", weeks=3))
    ).status_code == 201
    # an adjacent booking in week 4 does not block it
    assert (
        await book(client, other, room["id"], at("11:00", weeks=4), at("12:00", weeks=4))
    ).status_code == 201

    response = await series(client, organizer, room["id"], at("10:00"), at("11:00"), 6)
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"series_id", "bookings", "skipped"}
    assert [(b["start"], b["end"]) for b in body["bookings"]] == [
        (at("10:00", weeks=k), at("11:00", weeks=k)) for k in (0, 2, 4, 5)
    ]
    assert all(b["status"] == "confirmed" for b in body["bookings"])
    assert [(s["start"], s["end"]) for s in body["skipped"]] == [
        (at("10:00", weeks=k), at("11:00", weeks=k)) for k in (1, 3)
    ]
    assert all(s["reason"] == "conflict" and s["message"] for s in body["skipped"])

    rows = await Booking.filter(series_id=body["series_id"]).order_by("start")
    assert len(rows) == 4 and all(r.organizer_id == organizer.user_id for r in rows)
    assert all(r.end - r.start == timedelta(hours=1) for r in rows)  # never a partial week
    assert_disjoint(await holding(room["id"]))


async def test_series_weeks_range_and_rules(client):
    admin, organizer = await make_user("admin"), await make_user()
    room = await new_room(client, admin, capacity=10)
    for weeks in (1, 13, "三"):
        response = await series(client, organizer, room["id"], at("09:00"), at("10:00"), weeks)
        assert "weeks" in assert_error(response, 400, "invalid_input")["details"]["fields"]
    too_many = await series(
        client, organizer, room["id"], at("09:00"), at("10:00"), 3, attendees=11
    )
    assert "attendees" in assert_error(too_many, 400, "invalid_input")["details"]["fields"]
    off_grid = await series(client, organizer, room["id"], at("09:10"), at("10:00"), 3)
    assert "start" in assert_error(off_grid, 400, "invalid_input")["details"]["fields"]
    assert not await Booking.exists(room_id=room["id"])


async def test_series_with_every_week_taken_creates_nothing(client):
    admin, organizer, other = await make_user("admin"), await make_user(), await make_user()
    room = await new_room(client, admin)
    for week in range(2):
        assert (
            await book(client, other, room["id"], at("15:00", weeks=week), at("16:00", weeks=week))
        ).status_code == 201
    response = await series(client, organizer, room["id"], at("15:00"), at("16:00"), 2)
    error = assert_error(response, 409, "conflict")
    assert len(error["details"]["skipped"]) == 2
    assert not await Booking.exists(room_id=room["id"], organizer_id=organizer.user_id)
    assert not await BookingSeries.exists(room_id=room["id"])


async def test_series_in_a_room_needing_approval_is_pending(client):
    admin, organizer = await make_user("admin"), await make_user()
    hall = await new_room(client, admin, needs_approval=True)
    response = await series(client, organizer, hall["id"], at("14:00"), at("15:00"), 3)
    assert response.status_code == 201, response.text
    assert [b["status"] for b in response.json()["bookings"]] == ["pending_approval"] * 3


async def test_ics_is_one_event_with_shanghai_times_and_a_stable_uid(client):
    admin, organizer = await make_user("admin"), await make_user(name="张伟")
    room = await new_room(client, admin, name="ICS会议室")
    booking = (
        await book(client, organizer, room["id"], at("09:30"), at("11:00"), title="预算会；第一轮")
    ).json()
    url = f"/api/v1/meetings/bookings/{booking['id']}.ics"
    response = await client.get(url, headers=organizer.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    assert f"DTSTART;TZID=Asia/Shanghai:{DAY:%Y%m%d}T093000" in response.text
    calendar = Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    event = events[0]
    assert str(event["UID"]) == f"booking-{booking['id']}@qinejia"
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert str(start.tzinfo) == "Asia/Shanghai"
    assert start == datetime(DAY.year, DAY.month, DAY.day, 9, 30, tzinfo=SHANGHAI)
    assert end == datetime(DAY.year, DAY.month, DAY.day, 11, 0, tzinfo=SHANGHAI)
    assert str(event["SUMMARY"]) == "预算会；第一轮"
    assert "ICS会议室" in str(event["LOCATION"])
    assert calendar.walk("VTIMEZONE")
    again = Calendar.from_ical((await client.get(url, headers=organizer.headers)).content)
    assert str(again.walk("VEVENT")[0]["UID"]) == str(event["UID"])
    assert str(event["STATUS"]) == "CONFIRMED"
    # after a cancel the same UID comes back CANCELLED with a higher SEQUENCE
    cancel = f"/api/v1/meetings/bookings/{booking['id']}/cancel"
    assert (await client.post(cancel, headers=clock(EVE, organizer))).status_code == 200
    later = Calendar.from_ical((await client.get(url, headers=organizer.headers)).content)
    changed = later.walk("VEVENT")[0]
    assert str(changed["UID"]) == str(event["UID"]) and str(changed["STATUS"]) == "CANCELLED"
    assert int(changed["SEQUENCE"]) > int(event.get("SEQUENCE", 0))
    # the plain booking route still answers JSON
    plain = await client.get(
        f"/api/v1/meetings/bookings/{booking['id']}", headers=organizer.headers
    )
    assert plain.json()["id"] == booking["id"]
