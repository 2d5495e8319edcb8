"""The time rules of a room booking and the wire shapes of rooms and bookings.

(Wire times, zones and day bounds are server/clock.py's, re-exported for this domain.)

Kept apart from services/meetings.py so the rules read as one page: a booking must sit
on the room's slot grid (anchored at its opening time), inside its opening hours on
one day, last at most 8 h, start in the future and fit the room. Every broken rule is
reported at once, field by field, so the mini-program can mark all of them together.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from models import MAX_ID
from models import meetings as models
from models.meetings import BOOKING_STATUSES
from server.clock import tz, utc
from server.errors import InvalidInput
from server.wire import WireTime

MAX_DURATION = timedelta(hours=8)
# Check-in window around the start (API.md §4) and the no-show release point.
CHECKIN_OPENS = timedelta(minutes=10)
CHECKIN_CLOSES = timedelta(minutes=15)
REMIND_BEFORE = timedelta(minutes=15)


def parse_hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def minutes_of(value: time) -> int:
    return value.hour * 60 + value.minute


def check_room_hours(*, open_from: str, open_to: str, slot_minutes: int) -> dict[str, str]:
    """A room's day must be a whole number of its slots, so the grid ends at closing time."""
    fields: dict[str, str] = {}
    span = minutes_of(parse_hhmm(open_to)) - minutes_of(parse_hhmm(open_from))
    if span <= 0:
        fields["open_to"] = "关门时间应晚于开放时间"
    elif span % slot_minutes:
        fields["slot_minutes"] = "开放时长应为时段长度的整数倍"
    return fields


def booking_window_errors(
    *, room: models.Room, start: datetime, end: datetime, attendees: int, now: datetime
) -> dict[str, str]:
    """Every rule of API.md §4 a requested [start, end) breaks, by field (empty if none)."""
    fields: dict[str, str] = {}
    local_start, local_end = start.astimezone(tz()), end.astimezone(tz())
    if end <= start:
        fields["end"] = "结束时间应晚于开始时间"
    elif end - start > MAX_DURATION:
        fields["end"] = "单次预订不能超过8小时"
    opens, closes = parse_hhmm(room.open_from), parse_hhmm(room.open_to)
    if not _on_grid(local_start, opens, room.slot_minutes):
        fields["start"] = f"开始时间应在{room.slot_minutes}分钟时段的整点上（自{room.open_from}起）"
    elif local_start.time() < opens or local_start.time() >= closes:
        fields["start"] = f"开始时间应在开放时间{room.open_from}–{room.open_to}内"
    elif start < now:
        fields["start"] = "不能预订已经过去的时间"
    if "end" not in fields:
        if not _on_grid(local_end, opens, room.slot_minutes):
            fields["end"] = (
                f"结束时间应在{room.slot_minutes}分钟时段的整点上（自{room.open_from}起）"
            )
        elif local_end.date() != local_start.date() or local_end.time() > closes:
            fields["end"] = f"结束时间应在开放时间{room.open_from}–{room.open_to}内"
    if attendees > room.capacity:
        fields["attendees"] = f"参会人数超过会议室容量（{room.capacity}人）"
    return fields


def _on_grid(moment: datetime, opens: time, slot_minutes: int) -> bool:
    if moment.second or moment.microsecond:
        return False
    offset = minutes_of(moment.time()) - minutes_of(opens)
    return offset % slot_minutes == 0


def weekly(start: datetime, end: datetime, weeks: int) -> list[tuple[datetime, datetime]]:
    """The same local wall-clock time every week (UTC results); a series running off
    the calendar (past year 9999) is a 400 on `weeks`."""
    local_start, local_end = start.astimezone(tz()), end.astimezone(tz())
    try:
        return [
            (
                utc(local_start + timedelta(weeks=k)),
                utc(local_end + timedelta(weeks=k)),
            )
            for k in range(weeks)
        ]
    except OverflowError:
        raise InvalidInput({"weeks": "重复周数超出可预订的日期范围"}) from None


# --- wire shapes (API.md §4): the one definition of each, documented as is ----------

HHMM = r"^([01]\d|2[0-3]):[0-5]\d$"
BookingStatus = Literal[
    "pending_approval", "confirmed", "cancelled", "released", "rejected", "completed"
]
assert set(get_args(BookingStatus)) == set(BOOKING_STATUSES)


class BookingIn(BaseModel):
    """A booking as its organizer asks for it (the body of POST /meetings/bookings)."""

    room_id: int = Field(gt=0, le=MAX_ID)
    start: datetime
    end: datetime
    title: str = Field(min_length=1, max_length=100)
    attendees: int = Field(ge=1, le=10000)


class RoomSpec(BaseModel):
    """A room as an admin describes it (the body of POST /admin/rooms)."""

    name: str = Field(min_length=1, max_length=64)
    building: str = Field(min_length=1, max_length=64)
    floor: int = Field(ge=-5, le=200)
    capacity: int = Field(ge=1, le=2000)
    equipment: list[Annotated[str, Field(min_length=1, max_length=32)]] = Field(
        default_factory=list, max_length=20
    )
    open_from: str = Field(default="08:00", pattern=HHMM, description="HH:MM，本地时间")
    open_to: str = Field(default="21:00", pattern=HHMM, description="HH:MM，本地时间")
    slot_minutes: Literal[15, 30, 60] = 30
    needs_approval: bool = False


class _Id(BaseModel):
    id: int


class Room(RoomSpec, _Id):
    """`Room` of API.md §4: the spec and its id (first on the wire), and whether an
    admin closed it (no new bookings)."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    closed: bool = Field(default=False, description="已停用：不接受新预订，已有预订保留")

    @classmethod
    def of(cls, room: models.Room) -> Room:
        return cls.model_construct(  # stored rows were validated on the way in
            id=room.id,
            name=room.name,
            building=room.building,
            floor=room.floor,
            capacity=room.capacity,
            equipment=list(room.equipment),
            open_from=room.open_from,
            open_to=room.open_to,
            slot_minutes=room.slot_minutes,
            needs_approval=room.needs_approval,
            closed=room.closed,
        )


class RoomPatch(BaseModel):
    """An admin's edit of a room: any Room field, or `closed`."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=64)
    building: str | None = Field(default=None, min_length=1, max_length=64)
    floor: int | None = Field(default=None, ge=-5, le=200)
    capacity: int | None = Field(default=None, ge=1, le=2000)
    equipment: list[Annotated[str, Field(min_length=1, max_length=32)]] | None = Field(
        default=None, max_length=20
    )
    open_from: str | None = Field(default=None, pattern=HHMM, description="HH:MM，本地时间")
    open_to: str | None = Field(default=None, pattern=HHMM, description="HH:MM，本地时间")
    slot_minutes: Literal[15, 30, 60] | None = None
    needs_approval: bool | None = None
    closed: bool | None = Field(
        default=None, description="true 停用（不接受新预订，已有预订保留）；false 恢复"
    )

    @model_validator(mode="after")
    def _something(self) -> RoomPatch:
        if not self.model_dump(exclude_none=True):
            raise ValueError("没有要修改的内容")
        return self


class AllRooms(BaseModel):
    """Every room, closed ones included (the admin's list)."""

    items: list[Room]
    next_cursor: str | None = Field(default=None, description="全部会议室一页返回，恒为 null")


class Interval(BaseModel):
    start: WireTime
    end: WireTime


class RoomWithBusy(Room):
    """A room found by search, with the day's held intervals."""

    busy: list[Interval]


class RoomList(BaseModel):
    items: list[RoomWithBusy]
    next_cursor: str | None = Field(description="始终为 null：当日全部会议室一页返回")


class RoomRef(BaseModel):
    """Where a booking's room is."""

    id: int
    name: str
    building: str
    floor: int


class PersonRef(BaseModel):
    id: int
    name: str | None


class Booking(BaseModel):
    """`Booking` of API.md §4, plus where the room is and the series it belongs to."""

    id: int
    room: RoomRef
    start: WireTime
    end: WireTime
    title: str
    attendees: int
    status: BookingStatus
    organizer: PersonRef
    checked_in_at: WireTime | None
    series_id: int | None
    reason: str | None
    created_at: WireTime

    @classmethod
    def of(cls, booking: models.Booking, *, organizer_name: str | None) -> Booking:
        room: models.Room = booking.room
        return cls(
            id=booking.id,
            room=RoomRef(id=room.id, name=room.name, building=room.building, floor=room.floor),
            start=booking.start,
            end=booking.end,
            title=booking.title,
            attendees=booking.attendees,
            status=booking.status,  # type: ignore[arg-type]
            organizer=PersonRef(id=booking.organizer_id, name=organizer_name),
            checked_in_at=booking.checked_in_at,
            series_id=booking.series_id,
            reason=booking.reason or None,
            created_at=booking.created_at,
        )


class Skipped(BaseModel):
    """A week of a series not booked, and why."""

    start: WireTime
    end: WireTime
    reason: str
    message: str


class Series(BaseModel):
    series_id: int
    bookings: list[Booking]
    skipped: list[Skipped]
