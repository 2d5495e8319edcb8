"""Meeting rooms: the admin's rooms (create, list, edit, close) and the staff's search
with busy intervals.

A room is one booking-engine resource (capacity 1 per slot, runs of consecutive
slots, full → 409 conflict); its bookings are services/meetings/bookings.py's.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from tortoise.exceptions import IntegrityError

import booking as engine
from models import could_exist
from models.meetings import HOLDING, Booking
from models.meetings import Room as RoomRow
from server import faults
from server.clock import day_bounds
from server.errors import Conflict, InvalidInput, InvalidState, NotFound
from server.tx import Tx, transaction
from services.meetings.rules import (
    AllRooms,
    Interval,
    Room,
    RoomList,
    RoomPatch,
    RoomSpec,
    RoomWithBusy,
    check_room_hours,
    minutes_of,
    parse_hhmm,
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
            tx.created(row.id)
    except IntegrityError:
        raise Conflict("该楼宇已有同名会议室", details={"name": room.name}) from None
    return Room.of(row)


async def room_created(*, user_id: int, ref: str, now: datetime) -> Room:
    """The room a committed `create_room` created, as it is now: the answer to a replay
    whose first answer was lost."""
    return Room.of(await RoomRow.get(id=int(ref)))


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


async def all_rooms() -> AllRooms:
    """Every room, closed ones included, in the order the search lists them."""
    rows = await RoomRow.filter(resource_id__not_isnull=True).order_by(
        "building", "floor", "name", "id"
    )
    return AllRooms(items=[Room.of(row) for row in rows])


async def update_room(*, room_id: int, patch: RoomPatch, now: datetime) -> Room:
    """Edit a room (API.md §4 PATCH /admin/rooms/{id}). Bookings it holds stay as they
    are, whatever changes: capacity, hours and approval apply to new bookings.

    The slot grid (its length and where it is anchored) changes only while the room
    has no slot from now on: its bookings are runs of grid slots, and two grids on one
    room would let two bookings overlap without sharing a slot. Closing goes through
    the engine (booking.redefine), so the gate refuses new bookings at once.
    """
    room = await bookable_room(room_id)
    changes = patch.model_dump(exclude_none=True)
    closed = changes.pop("closed", None)
    merged = {**Room.of(room).model_dump(), **changes}
    fields = check_room_hours(
        open_from=merged["open_from"],
        open_to=merged["open_to"],
        slot_minutes=merged["slot_minutes"],
    )
    if fields:
        raise InvalidInput(fields)
    new_grid = _grid(merged) != _grid(Room.of(room).model_dump())
    if "equipment" in changes:
        changes["equipment"] = list(
            dict.fromkeys(item.strip() for item in changes["equipment"] if item.strip())
        )
    for key in ("name", "building"):
        if key in changes:
            changes[key] = changes[key].strip()

    assert room.resource_id is not None
    resource_id = room.resource_id

    async def record(tx: Tx) -> None:
        # Under the engine's exclusive lock on the room: a booking is either written
        # before (its slots are seen here) or after (its own step sees the new grid).
        if new_grid and await engine.has_slots_after(resource_id=resource_id, moment=now):
            raise Conflict(
                "该会议室已有预订时段，不能修改开放起点或时段长度",
                details={"fields": {"slot_minutes": "已有预订时段", "open_from": "已有预订时段"}},
            )
        if changes:
            await RoomRow.filter(id=room.id).using_db(tx.conn).update(**changes)
        if closed is not None:
            await RoomRow.filter(id=room.id).using_db(tx.conn).update(closed=closed)

    try:
        await engine.redefine(resource_id=resource_id, closed=closed, record=record, now=now)
    except IntegrityError:
        raise Conflict("该楼宇已有同名会议室", details={"name": merged["name"]}) from None
    return Room.of(await RoomRow.get(id=room.id))


def _grid(room: dict[str, Any]) -> tuple[int, int]:
    """Where a room's slots fall: their length and the opening time's place in them."""
    minutes = int(room["slot_minutes"])
    return minutes, minutes_of(parse_hhmm(str(room["open_from"]))) % minutes


async def search_rooms(
    *, day: date, min_capacity: int = 1, equipment: list[str] | None = None
) -> RoomList:
    """Rooms that fit, each with the intervals of that day already held (pending or
    confirmed) so the mini-program can draw the free time without a query per room."""
    wanted = {item.strip() for item in equipment or [] if item.strip()}
    rooms = [
        room
        for room in await RoomRow.filter(
            capacity__gte=min_capacity, resource_id__not_isnull=True, closed=False
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


def closed_room() -> InvalidState:
    """A closed room's answer to a new booking (409 invalid_state, state closed)."""
    return InvalidState("closed", "该会议室已停用，不接受新预订")
