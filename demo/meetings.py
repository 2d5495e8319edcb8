"""Demo meeting rooms and bookings (python -m server seed-demo), idempotent.

Twelve rooms over the three towers of the civic centre, from a 6-seat discussion
room to the 200-seat auditorium (which, like the large halls, needs an approval).
Bookings go through the real service, so they hold engine time like any other. Demo
organizers are bound to the openid the fake WeChat gives for `demo-<employee_no>`;
S0002 张伟 is left unbound for the walk in docs/meetings.md.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from demo import demo_account
from models.meetings import Booking, Room
from server.clock import tz
from server.errors import Conflict
from services.meetings import bookings, rooms
from services.meetings.rules import BookingIn, RoomPatch, RoomSpec

# building, name, floor, capacity, equipment, needs_approval
DEMO_ROOMS: list[tuple[str, str, int, int, list[str], bool]] = [
    ("市民中心A座", "101洽谈室", 1, 6, ["白板", "电视屏"], False),
    ("市民中心A座", "302会议室", 3, 12, ["投影仪", "白板"], False),
    ("市民中心A座", "305会议室", 3, 16, ["投影仪", "视频会议", "白板"], False),
    ("市民中心A座", "501多功能厅", 5, 60, ["投影仪", "话筒", "音响"], True),
    ("市民中心B座", "201小会议室", 2, 8, ["电视屏", "白板"], False),
    ("市民中心B座", "208会议室", 2, 20, ["投影仪", "视频会议", "话筒"], False),
    ("市民中心B座", "410视频会议室", 4, 24, ["视频会议", "投影仪", "话筒", "摄像头"], False),
    ("市民中心B座", "601常务会议室", 6, 40, ["投影仪", "视频会议", "话筒", "同声传译"], True),
    ("市民中心C座", "103培训室", 1, 50, ["投影仪", "话筒", "白板"], False),
    ("市民中心C座", "212会议室", 2, 10, ["投影仪", "白板"], False),
    ("市民中心C座", "316研讨室", 3, 14, ["电视屏", "视频会议", "白板"], False),
    ("市民中心C座", "一楼报告厅", 1, 200, ["投影仪", "话筒", "音响", "视频会议", "舞台灯光"], True),
]

# organizer, building, room, workday index, start, end, title, attendees
DEMO_BOOKINGS: list[tuple[str, str, str, int, time, time, str, int]] = [
    ("S0001", "市民中心A座", "302会议室", 0, time(9), time(10, 30), "发改委周例会", 10),
    ("S0003", "市民中心A座", "302会议室", 0, time(14), time(15), "教育信息化项目评审", 8),
    ("S0004", "市民中心B座", "410视频会议室", 0, time(10), time(11, 30), "省厅视频调度会", 18),
    ("S0001", "市民中心C座", "一楼报告厅", 1, time(14), time(17), "年度政策宣讲会", 180),
    ("S0003", "市民中心C座", "212会议室", 1, time(9, 30), time(11), "招生政策研讨", 9),
    ("S0004", "市民中心B座", "601常务会议室", 2, time(15), time(16, 30), "用地规划审查会", 30),
]


async def _demo_user(employee_no: str) -> int:
    return (await demo_account(employee_no)).id


def _workdays(after: date, count: int) -> list[date]:
    days: list[date] = []
    day = after
    while len(days) < count:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days.append(day)
    return days


# A room closed by the admin (under renovation): listed to admins, never offered.
CLOSED_ROOM = ("行政中心老楼", "108会议室（装修停用）", 1, 10, ["白板"], False)


async def _closed_room(now: datetime) -> int:
    building, name, floor, capacity, equipment, approval = CLOSED_ROOM
    if await Room.exists(building=building, name=name):
        return 0
    room = await rooms.create_room(
        room=RoomSpec(
            name=name,
            building=building,
            floor=floor,
            capacity=capacity,
            equipment=equipment,
            needs_approval=approval,
        )
    )
    await rooms.update_room(room_id=room.id, patch=RoomPatch(closed=True), now=now)
    return 1


async def seed(*, now: datetime) -> list[str]:
    """Rooms missing by (building, name) are created; a demo booking already there
    (same room and start) is kept, so running it twice changes nothing."""
    rooms_made = 0
    for building, name, floor, capacity, equipment, approval in DEMO_ROOMS:
        if await Room.exists(building=building, name=name):
            continue
        try:
            await rooms.create_room(
                room=RoomSpec(
                    name=name,
                    building=building,
                    floor=floor,
                    capacity=capacity,
                    equipment=equipment,
                    open_from="08:00",
                    open_to="21:00",
                    slot_minutes=30,
                    needs_approval=approval,
                )
            )
        except Conflict:  # a concurrent seed made it
            continue
        rooms_made += 1
    days = _workdays(now.astimezone(tz()).date(), 3)
    booked = 0
    for organizer, building, name, day_index, start, end, title, attendees in DEMO_BOOKINGS:
        room = await Room.get(building=building, name=name)
        starts = datetime.combine(days[day_index], start, tzinfo=tz())
        if await Booking.exists(room_id=room.id, start=starts):
            continue
        try:
            await bookings.create_booking(
                user_id=await _demo_user(organizer),
                request=BookingIn(
                    room_id=room.id,
                    start=starts,
                    end=datetime.combine(days[day_index], end, tzinfo=tz()),
                    title=title,
                    attendees=attendees,
                ),
                now=now,
            )
        except Conflict:
            continue
        booked += 1
    closed = await _closed_room(now)
    return [
        f"meetings: {rooms_made} rooms created ({len(DEMO_ROOMS)} in all), "
        f"{booked} demo bookings created, {closed} closed room created"
    ]
