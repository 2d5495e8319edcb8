"""Set-up actions commit whole: a process killed between their steps leaves nothing.

Creating a menu, a room, a day of wash slots, a duty-station day or a gym timetable
writes the domain's rows and the booking engine's (resource, slots, counters) in one
transaction. Each test runs the action in a real process armed to die at a fault point
between the engine's rows and the domain's, then counts both in the database: nothing
is left, and the same action succeeds afterwards. A meeting series spans one engine
transaction per week: killed after its first week, a retry with the same
Idempotency-Key completes that same series, announced once.
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest

import booking
from models.booking import Counter, Reservation, Resource, Slot
from models.carwash import WashDay, WashSlot
from models.duty import DutyDay, DutyService, DutySlot
from models.gym import GymSession
from models.meals import Dish, Menu, PickupSlot
from models.meetings import Booking, BookingSeries, Room
from models.notifications import Notice
from services import gym, meals, meetings
from services.carwash import bay
from services.duty import catalog as duty_catalog
from tests.support import make_user

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime.fromisoformat("2026-12-01T09:00:00+08:00")
pytestmark = pytest.mark.usefixtures("app")

PRELUDE = """
import asyncio
from datetime import date, datetime, time, timedelta
from server import resources
from server.config import load_settings

async def main():
    await resources.open_resources(load_settings())
{body}

asyncio.run(main())
"""


async def killed_at(point: str, body: str) -> None:
    """Run `body` (statements inside `async def main()`) in a fresh process armed to
    die at `point`; it must die there (SIGKILL), not finish or fail."""
    script = PRELUDE.format(body="\n".join(f"    {line}" for line in body.strip().splitlines()))
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        script,
        cwd=ROOT,
        env={**os.environ, "FAULT_POINTS": f"{point}=kill"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == -9, (process.returncode, out.decode(), err.decode()[-2000:])


async def engine_rows() -> tuple[int, int, int]:
    return await Resource.all().count(), await Slot.all().count(), await Counter.all().count()


def unique_day(offset: int = 0) -> date:
    """A day no other test uses (the wash bay has one grid per day)."""
    return date(2031, 1, 1) + timedelta(days=uuid.uuid4().int % 3000 + offset)


async def test_a_menu_killed_after_the_engine_rows_leaves_nothing():
    canteen = f"一食堂{uuid.uuid4().hex[:6]}"
    day = date(2026, 12, 3)
    call = (
        "from services import meals\n"
        "await meals.create_menu(day=date(2026, 12, 3), meal='lunch', "
        f"canteen={canteen!r}, order_deadline=datetime.fromisoformat('2026-12-03T10:00:00+08:00'), "
        "per_user_limit=1, dishes=[meals.DishIn(name='红烧肉', price_fen=1200, stock=10)], "
        "slots=[meals.SlotIn(start=datetime.fromisoformat('2026-12-03T11:30:00+08:00'), "
        "end=datetime.fromisoformat('2026-12-03T12:00:00+08:00'), capacity=5)])"
    )
    before = await engine_rows()
    dishes, slots = await Dish.all().count(), await PickupSlot.all().count()

    await killed_at("meals.menu.after_engine", call)

    assert not await Menu.exists(canteen=canteen)
    assert (await Dish.all().count(), await PickupSlot.all().count()) == (dishes, slots)
    assert await engine_rows() == before
    menu = await meals.create_menu(
        day=day,
        meal="lunch",
        canteen=canteen,
        order_deadline=datetime.fromisoformat("2026-12-03T10:00:00+08:00"),
        per_user_limit=1,
        dishes=[meals.DishIn(name="红烧肉", price_fen=1200, stock=10)],
        slots=[
            meals.SlotIn(
                start=datetime.fromisoformat("2026-12-03T11:30:00+08:00"),
                end=datetime.fromisoformat("2026-12-03T12:00:00+08:00"),
                capacity=5,
            )
        ],
    )
    assert menu.dishes[0].remaining == 10 and menu.slots[0].available == 5
    assert await engine_rows() == (before[0] + 1, before[1] + 1, before[2] + 1)


async def test_a_room_killed_after_its_engine_resource_leaves_nothing():
    name = f"第{uuid.uuid4().hex[:6]}会议室"
    call = (
        "from services import meetings\n"
        f"await meetings.create_room(room=meetings.RoomSpec(name={name!r}, building='A座', "
        "floor=3, capacity=10))"
    )
    before = await engine_rows()

    await killed_at("meetings.room.after_resource", call)

    assert not await Room.exists(name=name)
    assert await engine_rows() == before
    room = await meetings.create_room(
        room=meetings.RoomSpec(name=name, building="A座", floor=3, capacity=10)
    )
    assert (await Room.get(id=room.id)).resource_id is not None
    assert await engine_rows() == (before[0] + 1, *before[1:])


async def test_a_day_of_wash_slots_killed_after_the_engine_slots_leaves_nothing():
    day = unique_day()
    call = (
        "from services.carwash import bay\n"
        f"await bay.create_slots(day=date.fromisoformat({day.isoformat()!r}), "
        "open_from=time(9), open_to=time(11), slot_minutes=30, bays=2)"
    )
    before = await engine_rows()
    wash_slots = await WashSlot.all().count()

    await killed_at("carwash.slots.after_engine", call)

    assert not await WashDay.exists(date=day)
    assert await WashSlot.all().count() == wash_slots
    assert await engine_rows() == before
    slots = await bay.create_slots(
        day=day, open_from=time(9), open_to=time(11), slot_minutes=30, bays=2
    )
    assert [s.available for s in slots] == [2, 2, 2, 2]
    assert await engine_rows() == (before[0] + 1, before[1] + 4, before[2])


async def test_a_duty_station_day_killed_after_the_engine_slots_leaves_nothing():
    day = unique_day()
    service = await DutyService.create(name=f"年审{uuid.uuid4().hex[:6]}", mode="appointment")
    call = (
        "from services.duty import catalog\n"
        f"await catalog.create_slots(day=date.fromisoformat({day.isoformat()!r}), "
        f"open_from=time(9), open_to=time(10), slot_minutes=30, counters={{{service.id}: 2}})"
    )
    before = await engine_rows()
    duty_slots = await DutySlot.all().count()

    await killed_at("duty.slots.after_engine", call)

    assert not await DutyDay.exists(date=day)
    assert await DutySlot.all().count() == duty_slots
    assert (await DutyService.get(id=service.id)).resource_id == 0
    assert await engine_rows() == before
    slots = await duty_catalog.create_slots(
        day=day, open_from=time(9), open_to=time(10), slot_minutes=30, counters={service.id: 2}
    )
    assert [s.available for s in slots] == [2, 2]
    assert await engine_rows() == (before[0] + 1, before[1] + 2, before[2])


async def test_a_gym_timetable_killed_after_the_engine_slots_leaves_nothing():
    partner = await gym.create_gym(
        name=f"健身房{uuid.uuid4().hex[:6]}",
        address="东路1号",
        offer="每月8次",
        open_hours="07:00-22:00",
        walk_in=True,
    )
    start = "2026-12-07T18:00:00+08:00"
    call = (
        "from services import gym\n"
        f"await gym.create_sessions(gym_id={partner.id}, weeks=3, sessions=[gym.SessionIn("
        f"name='瑜伽', coach='王', start=datetime.fromisoformat({start!r}), "
        f"end=datetime.fromisoformat({start!r}) + timedelta(hours=1), capacity=12)])"
    )
    before = await engine_rows()

    await killed_at("gym.sessions.after_engine", call)

    assert not await GymSession.exists(gym_id=partner.id)
    assert await engine_rows() == before
    sessions = await gym.create_sessions(
        gym_id=partner.id,
        weeks=3,
        sessions=[
            gym.SessionIn(
                name="瑜伽",
                coach="王",
                start=datetime.fromisoformat(start),
                end=datetime.fromisoformat(start) + timedelta(hours=1),
                capacity=12,
            )
        ],
    )
    assert len(sessions) == 3
    assert await engine_rows() == (before[0] + 1, before[1] + 3, before[2])


async def test_a_series_killed_between_its_weeks_leaves_nothing_and_the_retry_books_it_whole():
    organizer = await make_user()
    room = await meetings.create_room(
        room=meetings.RoomSpec(
            name=f"第{uuid.uuid4().hex[:6]}会议室", building="B座", floor=2, capacity=10
        )
    )
    start = datetime.fromisoformat("2026-12-08T10:00:00+08:00")
    call = (
        "from services import meetings\n"
        f"request = meetings.BookingIn(room_id={room.id}, "
        f"start=datetime.fromisoformat({start.isoformat()!r}), "
        f"end=datetime.fromisoformat({(start + timedelta(hours=1)).isoformat()!r}), "
        "title='处务会', attendees=6)\n"
        f"await meetings.create_series(user_id={organizer.user_id}, request=request, weeks=3, "
        f"now=datetime.fromisoformat({NOW.isoformat()!r}))"
    )

    await killed_at("meetings.series.after_week", call)

    # Killed with its first week written inside the transaction: nothing of it is left.
    assert not await Booking.exists(room_id=room.id)
    assert not await BookingSeries.exists(room_id=room.id)
    assert not await Reservation.exists(user_id=organizer.user_id)
    assert not await Notice.exists(user_id=organizer.user_id, kind="meeting_confirmed")

    # The places the killed process took in Redis are freed by the reconcile a process
    # runs at start; then the user's retry books the whole series.
    resource_id = (await Room.get(id=room.id)).resource_id
    assert resource_id is not None
    await booking.reconcile(resource_id=resource_id, now=NOW)
    retried = await meetings.create_series(
        user_id=organizer.user_id,
        request=meetings.BookingIn(
            room_id=room.id,
            start=start,
            end=start + timedelta(hours=1),
            title="处务会",
            attendees=6,
        ),
        weeks=3,
        now=NOW,
    )
    assert retried.skipped == []
    rows = await Booking.filter(room_id=room.id).order_by("start")
    assert [row.series_id for row in rows] == [retried.series_id] * 3
    assert [b.id for b in retried.bookings] == [row.id for row in rows]
    assert await BookingSeries.filter(room_id=room.id).count() == 1
    assert await Reservation.filter(user_id=organizer.user_id).count() == 3
    assert await Notice.filter(user_id=organizer.user_id, kind="meeting_confirmed").count() == 1
