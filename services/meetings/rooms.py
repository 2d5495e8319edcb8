"""Meeting rooms: the admin's room list and the staff's search with busy intervals.

A room is one booking-engine resource (capacity 1 per slot, runs of consecutive
slots, full → 409 conflict); its bookings are services/meetings/bookings.py's.
"""

from __future__ import annotations

from datetime import date

from tortoise.exceptions import IntegrityError

import booking as engine
from models import could_exist
from models.meetings import HOLDING, Booking
from models.meetings import Room as RoomRow
from server import faults
from server.clock import day_bounds
from server.errors import Conflict, InvalidInput, NotFound
from server.tx import Tx, transaction
from services.meetings.rules import (
    Interval,
    Room,
    RoomList,
    RoomSpec,
    RoomWithBusy,
    check_room_hours,
)

DOMAIN = "meetings"
ROOM_POLICY = engine.Policy(capacity=1, consecutive=True, full_code="conflict")


# --- rooms -------------------------------------------------------------------------


async def create_room(*, room: RoomSpec) -> Room:
    """A room and its engine resource, in one transaction: a room without its resource
    could not be booked, so neither exists without the other."""
    fields = check_room_hours(
        open_from=room.open_from, open_to=room.open_to, slot_minutes=room.slot_minutes
    )
    if fields:
        raise InvalidInput(fields)
    equipment = list(dict.fromkeys(item.strip() for item in room.equipment if item.strip()))
    try:
        async with transaction() as tx:
            row = await _create_room(tx, room=room, equipment=equipment)
    except IntegrityError:
        raise Conflict("该楼宇已有同名会议室", details={"name": room.name}) from None
    return Room.of(row)


async def _create_room(tx: Tx, *, room: RoomSpec, equipment: list[str]) -> RoomRow:
    row = await RoomRow.create(
        using_db=tx.conn,
        name=room.name.strip(),
        building=room.building.strip(),
        floor=room.floor,
        capacity=room.capacity,
        equipment=equipment,
        open_from=room.open_from,
        open_to=room.open_to,
        slot_minutes=room.slot_minutes,
        needs_approval=room.needs_approval,
    )
    row.resource_id = await engine.create_resource(
        tx=tx, domain=DOMAIN, ref_id=row.id, name=f"{row.building} {row.name}", policy=ROOM_POLICY
    )
    await faults.point("meetings.room.after_resource")
    await row.save(using_db=tx.conn, update_fields=["resource_id"])
    return row


async def search_rooms(
    *, day: date, min_capacity: int = 1, equipment: list[str] | None = None
) -> RoomList:
    """Rooms that fit, each with the intervals of that day already held (pending or
    confirmed) so the mini-program can draw the free time without a query per room."""
    wanted = {item.strip() for item in equipment or [] if item.strip()}
    rooms = [
        room
        for room in await RoomRow.filter(
            capacity__gte=min_capacity, resource_id__not_isnull=True
        ).order_by("building", "floor", "name", "id")
        if wanted <= set(room.equipment)
    ]
    day_start, day_end = day_bounds(day)
    busy: dict[int, list[Interval]] = {room.id: [] for room in rooms}
    held = (
        await Booking.filter(
            room_id__in=list(busy),
            status__in=HOLDING,
            start__lt=day_end,
            end__gt=day_start,
        )
        .order_by("start")
        .values("room_id", "start", "end")
    )
    for row in held:
        busy[row["room_id"]].append(Interval(start=row["start"], end=row["end"]))
    return RoomList(
        items=[
            RoomWithBusy.model_construct(**dict(Room.of(room)), busy=busy[room.id])
            for room in rooms
        ],
        next_cursor=None,
    )


async def bookable_room(room_id: int) -> RoomRow:
    room = await RoomRow.get_or_none(id=room_id) if could_exist(room_id) else None
    if room is None or room.resource_id is None:
        raise NotFound("会议室不存在", details={"room_id": room_id})
    return room
