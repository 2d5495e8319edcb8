"""The wash bay: slots of a day and bookings, through the one booking engine.

One engine resource per day (capacity per slot = bays, per-user limit 1), so "one live
booking per user per day" is the engine's own atomic per-user limit. The booking row
is written by the engine's record step, in the reservation's transaction.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError

import booking
from models import could_exist
from models.carwash import WashBooking, WashDay, WashSlot
from server import faults
from server.clock import tz
from server.errors import Conflict, InvalidInput, InvalidState, LimitReached, NotFound, TooLate
from server.logs import get_logger
from server.tx import Tx, move, transaction
from services.carwash import shapes
from services.carwash.common import DOMAIN, own_card, utc
from services.carwash.redeem import _usable
from services.notifications import notify

log = get_logger("carwash.bay")

NO_SHOW_AFTER = timedelta(minutes=10)


def slot_view(slot: WashSlot, place: booking.SlotAvailability | None) -> shapes.WashSlot:
    booked = place.booked if place else 0
    return shapes.WashSlot(
        id=slot.id,
        start=slot.start,
        end=slot.end,
        capacity=slot.capacity,
        booked=booked,
        available=place.available if place else max(0, slot.capacity - booked),
    )


async def create_slots(
    *, day: date, open_from: time, open_to: time, slot_minutes: int, bays: int
) -> list[shapes.WashSlot]:
    """A day's grid of wash slots (409 conflict if the day already has slots): the day,
    its engine resource and every slot in one transaction."""
    start = datetime.combine(day, open_from, tzinfo=tz())
    end = datetime.combine(day, open_to, tzinfo=tz())
    if end <= start:
        raise InvalidInput({"open_to": "结束时间应晚于开始时间"})
    if (end - start) < timedelta(minutes=slot_minutes):
        raise InvalidInput({"slot_minutes": "营业时段不足一个时段"})
    specs = []
    cursor = start
    while cursor + timedelta(minutes=slot_minutes) <= end:
        specs.append(
            booking.SlotSpec(
                start=cursor, end=cursor + timedelta(minutes=slot_minutes), capacity=bays
            )
        )
        cursor += timedelta(minutes=slot_minutes)
    try:
        async with transaction() as tx:
            await _create_day(tx, day=day, bays=bays, specs=specs)
            tx.created(day.isoformat())
    except IntegrityError:  # the same day created at the same moment
        raise Conflict("该日期已设置洗车时段") from None
    return await list_slots(day=day)


async def slots_created(*, user_id: int, ref: str, now: datetime) -> shapes.WashSlotList:
    """The day a committed `create_slots` set up (a day is set up once), its places as
    they are now: the answer to a replay whose first answer was lost."""
    return shapes.WashSlotList(items=await list_slots(day=date.fromisoformat(ref)))


async def _create_day(tx: Tx, *, day: date, bays: int, specs: list[booking.SlotSpec]) -> None:
    existing = await WashDay.get_or_none(date=day, using_db=tx.conn)
    if existing is not None and existing.resource_id:
        raise Conflict("该日期已设置洗车时段")
    wash_day = existing or await WashDay.create(using_db=tx.conn, date=day, bays=bays)
    resource_id = await booking.create_resource(
        tx=tx,
        domain=DOMAIN,
        ref_id=wash_day.id,
        name=f"{day} 洗车工位",
        policy=booking.Policy(capacity=bays, per_user_limit=1, waitlist=False),
    )
    infos = await booking.add_slots(tx=tx, resource_id=resource_id, slots=specs)
    await faults.point("carwash.slots.after_engine")
    for info in infos:
        await WashSlot.create(
            using_db=tx.conn,
            id=info.id,
            day=wash_day,
            start=info.start,
            end=info.end,
            capacity=info.capacity,
        )
    await (
        WashDay.filter(id=wash_day.id).using_db(tx.conn).update(resource_id=resource_id, bays=bays)
    )


async def list_slots(*, day: date) -> list[shapes.WashSlot]:
    wash_day = await WashDay.get_or_none(date=day, resource_id__gt=0)
    if wash_day is None:
        return []
    places = {a.slot_id: a for a in await booking.availability(resource_id=wash_day.resource_id)}
    slots = await WashSlot.filter(day_id=wash_day.id).order_by("start")
    return [slot_view(s, places.get(s.id)) for s in slots]


def booking_view(row: WashBooking) -> shapes.WashBooking:
    slot: WashSlot = row.slot
    return shapes.WashBooking(
        id=row.id,
        slot=shapes.SlotRef(id=slot.id, start=slot.start, end=slot.end),
        card_id=row.card_id,
        status=row.status,
        plate=row.plate,
    )


async def book(
    *,
    user_id: int,
    slot_id: int,
    card_id: int,
    plate: str,
    idempotency_key: str | None,
    now: datetime,
) -> shapes.WashBooking:
    """Book a bay slot with a usable card; the engine takes the place and the limit."""
    if not could_exist(slot_id):
        raise NotFound("洗车时段不存在")
    slot = await WashSlot.get_or_none(id=slot_id).select_related("day")
    if slot is None:
        raise NotFound("洗车时段不存在")
    if slot.start <= now:
        raise TooLate("该时段已开始，不能预约")
    card = await own_card(user_id=user_id, card_id=card_id)
    _usable(card, now=now)

    async def record(step: booking.Recording) -> WashBooking:
        row = await WashBooking.create(
            using_db=step.tx.conn,
            slot_id=slot.id,
            user_id=user_id,
            card_id=card.id,
            reservation_id=step.reservation.id,
            plate=plate,
            status="confirmed",
        )
        row.slot = slot
        return row

    try:
        reservation = await booking.reserve(
            resource_id=slot.day.resource_id,
            user_id=user_id,
            slot_ids=[slot.id],
            idempotency_key=idempotency_key,
            record=record,
            now=now,
        )
    except LimitReached:
        raise LimitReached("每人每天只能预约一次洗车") from None
    row: WashBooking | None = reservation.record
    if row is None:  # an idempotent replay
        row = await WashBooking.get_or_none(reservation_id=reservation.id).select_related("slot")
        if row is None:
            raise InvalidState(reservation.status, "该预约未能完成，请重新预约")
    return booking_view(row)


async def booked(*, user_id: int, ref: str, now: datetime) -> shapes.WashBooking:
    """The booking a committed `book` made (its transaction named the engine's
    reservation), as it is now: the answer to a replay whose first answer was lost,
    also once the slot has begun or the card is used up (a replay books nothing)."""
    row = await WashBooking.get(reservation_id=int(ref), user_id=user_id).select_related("slot")
    return booking_view(row)


async def list_bookings(*, user_id: int) -> list[shapes.WashBooking]:
    rows = (
        await WashBooking.filter(user_id=user_id).order_by("-id").limit(50).select_related("slot")
    )
    return [booking_view(r) for r in rows]


async def cancel(*, user_id: int, booking_id: int, now: datetime) -> shapes.WashBooking:
    """Cancel a confirmed booking; its place is free at once."""
    if not could_exist(booking_id):
        raise NotFound("预约不存在")
    row = await WashBooking.get_or_none(id=booking_id, user_id=user_id).select_related("slot")
    if row is None:
        raise NotFound("预约不存在")
    if row.status != "confirmed":
        raise InvalidState(row.status, "预约当前状态不能取消")

    async def record(step: booking.Recording) -> None:
        rows = WashBooking.filter(id=row.id, status="confirmed")
        await move(step.tx, rows, message="预约状态已变化", status="cancelled")

    await booking.cancel(reservation_id=row.reservation_id, record=record, now=now)
    row.status = "cancelled"
    return booking_view(row)


async def release_no_shows(*, now: datetime) -> int:
    """Bookings not redeemed 10 min after their slot starts: no_show, bay freed."""
    released = 0
    late = await WashBooking.filter(
        status="confirmed", slot__start__lte=utc(now - NO_SHOW_AFTER)
    ).limit(1000)
    for row in late:

        async def record(step: booking.Recording, row: WashBooking = row) -> None:
            rows = WashBooking.filter(id=row.id, status="confirmed")
            await move(step.tx, rows, status="no_show")
            await notify(
                tx=step.tx,
                user_id=row.user_id,
                kind="carwash_no_show",
                title="洗车预约已失效",
                body="您未在预约时段开始后10分钟内到场，预约已释放。",
                link="/pages/carwash/bookings",
                now=step.now,
            )

        try:
            await booking.cancel(
                reservation_id=row.reservation_id, status="released", record=record, now=now
            )
        except InvalidState:
            continue
        released += 1
    return released


async def bookings_of(reservation_ids: list[int]) -> set[int]:
    """Which of these reservations have their booking row (the engine's orphan repair)."""
    found: list[Any] = await WashBooking.filter(reservation_id__in=reservation_ids).values_list(
        "reservation_id", flat=True
    )
    return {int(r) for r in found}
