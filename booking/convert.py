"""Conversions into the engine's public types and errors: reservation rows into
`ReservationInfo` (with the waitlist position), a FULL Lua reply into SlotFull (with
alternatives) or Conflict, and a client's impossible id into NotFound."""

from __future__ import annotations

from typing import Any, cast

from booking.types import ReservationInfo, Status
from models import could_exist
from models.booking import Reservation, WaitlistEntry
from server.clock import wire_epoch
from server.errors import AppError, Conflict, NotFound, SlotFull

MAX_ALTERNATIVES = 5


def known_id(value: int, what: str) -> int:
    """An id that could exist, else NotFound: a client's made-up id is never a 500."""
    if not could_exist(value):
        raise NotFound(f"{what}不存在")
    return value


def full_error(reply: list[Any], *, quantity: int) -> AppError:
    """SlotFull with the nearest other slots that have room, or Conflict (rooms)."""
    slot_id, code = int(reply[1]), reply[2]
    if code == "conflict":
        return Conflict("该时段已被预订", details={"slot_id": slot_id})
    anchor = int(reply[3].split(":")[0])
    found = []
    for i in range(4, len(reply) - 2, 3):
        start, end = (int(x) for x in reply[i + 1].split(":"))
        found.append((int(reply[i]), start, end, int(reply[i + 2])))
    found.sort(key=lambda alt: (abs(alt[1] - anchor), alt[1]))
    alternatives = [
        {"slot_id": sid, "start": wire_epoch(start), "end": wire_epoch(end), "available": free}
        for sid, start, end, free in sorted(found[:MAX_ALTERNATIVES], key=lambda alt: alt[1])
    ]
    return SlotFull(details={"slot_id": slot_id, "alternatives": alternatives})


async def waitlist_position(row: Reservation) -> int | None:
    """1-based place in the queue of the first slot of the run, from the database mirror."""
    if row.status != "waitlisted" or row.wait_seq is None or not row.slot_ids:
        return None
    ahead = await WaitlistEntry.filter(slot_id=row.slot_ids[0], seq__lt=row.wait_seq).count()
    return ahead + 1


async def info_of(row: Reservation, *, created: bool = True) -> ReservationInfo:
    return ReservationInfo(
        id=row.id,
        resource_id=row.resource_id,
        user_id=row.user_id,
        slot_ids=list(row.slot_ids),
        quantity=row.quantity,
        status=cast(Status, row.status),
        position=await waitlist_position(row),
        counters=dict(row.counters or {}),
        idempotency_key=row.idempotency_key,
        created_at=row.created_at,
        created=created,
    )


async def reservation_info(reservation_id: int, *, created: bool = True) -> ReservationInfo:
    row = await Reservation.get_or_none(id=known_id(reservation_id, "预订"))
    if row is None:
        raise NotFound("预订不存在")
    return await info_of(row, created=created)
