"""Helpers shared by the meeting-room tests (no tests here).

Times are local (Asia/Shanghai) wall-clock strings on DAY, three days after the real
date of the run: the clock of every request is set with X-Test-Now, and the tokens of
tests.support.make_user are valid for 7 days from the real now, so every test clock must stay
inside that week (series bookings weeks ahead are made with the clock on EVE).
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from models.meetings import Booking

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = datetime.now(SHANGHAI).date() + timedelta(days=3)
_names = itertools.count(1)


def at(hhmm: str, day: date = DAY, weeks: int = 0) -> str:
    """'09:30' → '<DAY>T09:30:00+08:00' (optionally some weeks later)."""
    hours, minutes = (int(part) for part in hhmm.split(":"))
    moment = datetime(day.year, day.month, day.day, hours, minutes, tzinfo=SHANGHAI)
    return (moment + timedelta(weeks=weeks)).isoformat()


def clock(moment: str, actor: Any) -> dict[str, str]:
    """The actor's headers with the request clock set to `moment`."""
    return actor.with_headers(**{"X-Test-Now": moment})


# The day before DAY at noon: everything on DAY is in the future.
EVE = at("12:00", DAY - timedelta(days=1))


async def new_room(client: Any, admin: Any, **overrides: Any) -> dict[str, Any]:
    body = {
        "name": f"测试会议室{next(_names)}",
        "building": "市民中心T座",
        "floor": 3,
        "capacity": 12,
        "equipment": ["投影仪", "白板"],
        "open_from": "08:00",
        "open_to": "21:00",
        "slot_minutes": 30,
        "needs_approval": False,
        **overrides,
    }
    response = await client.post("/api/v1/admin/rooms", json=body, headers=admin.headers)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def book(
    client: Any,
    actor: Any,
    room_id: int,
    start: str,
    end: str,
    *,
    now: str = EVE,
    title: str = "项目周例会",
    attendees: int = 6,
    headers: dict[str, str] | None = None,
) -> Any:
    body = {"room_id": room_id, "start": start, "end": end, "title": title, "attendees": attendees}
    return await client.post(
        "/api/v1/meetings/bookings", json=body, headers={**clock(now, actor), **(headers or {})}
    )


async def holding(room_id: int) -> list[Booking]:
    """The room's bookings that hold time (pending or confirmed), by start."""
    return await Booking.filter(
        room_id=room_id, status__in=("pending_approval", "confirmed")
    ).order_by("start")


def assert_disjoint(bookings: list[Booking]) -> None:
    ordered = sorted(bookings, key=lambda b: b.start)
    for earlier, later in itertools.pairwise(ordered):
        assert earlier.end <= later.start, (earlier.id, later.id)
