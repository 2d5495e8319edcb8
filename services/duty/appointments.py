"""A person's side of the station: book a counter slot, hand in an errand, take a number,
check in, cancel, send missing documents, rate.

"One live appointment per person and service" holds for every kind: an appointment's
place is the booking engine's (per-user limit 1 on the service's resource), and every
live appointment carries a unique `live_key`, so a double tap or two phones never make a
second one, whatever the kind.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError

import booking
from models import could_exist
from models.duty import LIVE, Appointment, DutyRating, DutySlot
from server.clock import today
from server.errors import (
    Conflict,
    InvalidInput,
    InvalidState,
    LimitReached,
    TooEarly,
    TooLate,
)
from server.tx import Tx, move, transaction
from services.duty import documents, queue, shapes
from services.duty.catalog import service as active_service
from services.duty.common import appointment_view, live_key, own

CHECKIN_FROM = timedelta(minutes=30)  # before the slot starts
CHECKIN_UNTIL = timedelta(minutes=15)  # after it started: then it is a no-show
ONE_LIVE = "每项业务同时只能有一个进行中的预约或排号"


async def view(row: Appointment, *, now: datetime) -> shapes.Appointment:
    rated = row.status == "done" and await DutyRating.filter(appointment_id=row.id).exists()
    return appointment_view(
        row, position=await queue.position(appointment=row, now=now), rated=rated
    )


APPOINTMENT = "appointment:"  # a ref naming the row, not the engine's reservation


async def _fetch(appointment_id: int) -> Appointment:
    return await Appointment.get(id=appointment_id).select_related("service", "slot")


async def book(
    *,
    user_id: int,
    service_id: int,
    slot_id: int | None,
    document_ids: list[int],
    note: str,
    idempotency_key: str | None,
    now: datetime,
) -> shapes.Appointment:
    """A counter slot of an appointment service (`booked`), or an errand handed in with its
    documents (`waiting` in the queue, no ticket: nobody needs to come)."""
    service = await active_service(service_id=service_id)
    if service.mode == "walk_in":
        raise InvalidInput({"service_id": "该业务无需预约，请到勤务站现场取号"})
    if await Appointment.filter(live_key=live_key(user_id=user_id, service_id=service.id)).exists():
        raise LimitReached(ONE_LIVE)
    if service.mode == "errand":
        if slot_id is not None:
            raise InvalidInput({"slot_id": "代办业务无需选择时段"})
        return await _hand_in(
            user_id=user_id, service_id=service.id, document_ids=document_ids, note=note, now=now
        )
    if slot_id is None:
        raise InvalidInput({"slot_id": "请选择预约时段"})
    slot = await DutySlot.get_or_none(id=slot_id) if could_exist(slot_id) else None
    if slot is None or slot.service_id != service.id:
        raise InvalidInput({"slot_id": "该时段不属于所选业务"})
    if slot.start <= now:
        raise TooLate("该时段已开始，不能预约")

    wanted = list(dict.fromkeys(document_ids))

    async def record(step: booking.Recording) -> Appointment:
        try:
            row = await Appointment.create(
                using_db=step.tx.conn,
                user_id=user_id,
                service_id=service.id,
                slot_id=slot.id,
                kind="appointment",
                status="booked",
                date=today(slot.start),
                reservation_id=step.reservation.id,
                document_ids=wanted,
                note=note,
                live_key=live_key(user_id=user_id, service_id=service.id),
                created_at=step.now,
            )
        except IntegrityError:
            raise LimitReached(ONE_LIVE) from None
        await documents.take(step.tx, user_id=user_id, appointment_id=row.id, ids=wanted)
        return row

    try:
        reservation = await booking.reserve(
            resource_id=service.resource_id,
            user_id=user_id,
            slot_ids=[slot.id],
            idempotency_key=idempotency_key,
            record=record,
            now=now,
        )
    except LimitReached:
        raise LimitReached(ONE_LIVE) from None
    row = reservation.record
    if row is None:  # an idempotent replay of the engine's key
        row = await Appointment.get_or_none(reservation_id=reservation.id)
        if row is None:
            raise InvalidState(reservation.status, "该预约未能完成，请重新预约")
    return await view(await _fetch(row.id), now=now)


async def _hand_in(
    *, user_id: int, service_id: int, document_ids: list[int], note: str, now: datetime
) -> shapes.Appointment:
    if not document_ids:
        raise InvalidInput({"document_ids": "代办业务请上传所需材料"})
    wanted = list(dict.fromkeys(document_ids))
    async with transaction() as tx:
        row = await _create_live(
            tx,
            user_id=user_id,
            service_id=service_id,
            kind="errand",
            status="waiting",
            date=today(now),
            document_ids=wanted,
            note=note,
            queued_at=now,
            created_at=now,
        )
        tx.created(f"{APPOINTMENT}{row.id}")
        await documents.take(tx, user_id=user_id, appointment_id=row.id, ids=wanted)
    return await view(await _fetch(row.id), now=now)


async def _create_live(tx: Tx, **fields: object) -> Appointment:
    key = live_key(user_id=int(str(fields["user_id"])), service_id=int(str(fields["service_id"])))
    try:
        return await Appointment.create(using_db=tx.conn, live_key=key, **fields)
    except IntegrityError:
        raise LimitReached(ONE_LIVE) from None


async def walk_in(*, user_id: int, service_id: int, now: datetime) -> shapes.Appointment:
    """A number taken at the station (a B ticket), for any service but errands."""
    service = await active_service(service_id=service_id)
    if service.mode == "errand":
        raise InvalidInput({"service_id": "代办业务请在线提交材料，无需取号"})
    day = await queue.open_day(now=now)
    if await Appointment.filter(live_key=live_key(user_id=user_id, service_id=service.id)).exists():
        raise LimitReached(ONE_LIVE)
    async with transaction() as tx:
        ticket = await queue.take_ticket(tx, day=day, letter="B")
        row = await _create_live(
            tx,
            user_id=user_id,
            service_id=service.id,
            kind="walk_in",
            status="waiting",
            date=day.date,
            ticket_no=ticket,
            queued_at=now,
            checked_in_at=now,
            created_at=now,
        )
        tx.created(f"{APPOINTMENT}{row.id}")
    return await view(await _fetch(row.id), now=now)


async def made(*, user_id: int, ref: str, now: datetime) -> shapes.Appointment:
    """The appointment a committed `book` or `walk_in` made, as it is now (its place in
    the queue counted now): the answer to a replay whose first answer was lost, also
    after the slot began or the station closed (a replay makes nothing). A booked slot's
    transaction named the engine's reservation, an errand or a number the row."""
    if ref.startswith(APPOINTMENT):
        row = await Appointment.get(id=int(ref.removeprefix(APPOINTMENT)), user_id=user_id)
    else:
        row = await Appointment.get(reservation_id=int(ref), user_id=user_id)
    return await view(await _fetch(row.id), now=now)


async def check_in(*, user_id: int, appointment_id: int, now: datetime) -> shapes.Appointment:
    """On arrival, from 30 min before the slot until 15 min after it started: an A ticket
    and a place in the queue."""
    row = await own(user_id=user_id, appointment_id=appointment_id)
    if row.status != "booked" or row.slot is None:
        raise InvalidState(row.status, "当前状态不能签到")
    if now < row.slot.start - CHECKIN_FROM:
        raise TooEarly("预约时段开始前30分钟内可签到取号")
    if now > row.slot.start + CHECKIN_UNTIL:
        raise TooLate("已超过签到时间，请重新预约或现场取号")
    day = await queue.open_day(now=now)
    async with transaction() as tx:
        ticket = await queue.take_ticket(tx, day=day, letter="A")
        await move(
            tx,
            Appointment.filter(id=row.id, status="booked"),
            message="预约状态已变化",
            status="waiting",
            ticket_no=ticket,
            queued_at=now,
            checked_in_at=now,
        )
    return await view(await _fetch(row.id), now=now)


async def cancel(*, user_id: int, appointment_id: int, now: datetime) -> shapes.Appointment:
    """Before it is called: cancelled, its slot place free at once."""
    row = await own(user_id=user_id, appointment_id=appointment_id)
    if row.status not in ("booked", "waiting", "needs_info"):
        raise InvalidState(row.status, "已叫号或已结束的预约不能取消")
    changes = {"status": "cancelled", "live_key": None, "finished_at": now}
    state = Appointment.filter(id=row.id, status=row.status)
    if row.reservation_id is not None:

        async def record(step: booking.Recording) -> None:
            await move(step.tx, state, message="预约状态已变化", **changes)

        await booking.cancel(reservation_id=row.reservation_id, record=record, now=now)
    else:
        async with transaction() as tx:
            await move(tx, state, message="预约状态已变化", **changes)
    return await view(await _fetch(row.id), now=now)


async def send_documents(
    *, user_id: int, appointment_id: int, document_ids: list[int], now: datetime
) -> shapes.Appointment:
    """The documents the counter asked for: back to `waiting`, at the head of the queue."""
    row = await own(user_id=user_id, appointment_id=appointment_id)
    if row.status != "needs_info":
        raise InvalidState(row.status, "只有待补件的预约可以补充材料")
    if not document_ids:
        raise InvalidInput({"document_ids": "请上传需补充的材料"})
    async with transaction() as tx:
        taken = await documents.take(tx, user_id=user_id, appointment_id=row.id, ids=document_ids)
        await move(
            tx,
            Appointment.filter(id=row.id, status="needs_info"),
            message="预约状态已变化",
            status="waiting",
            document_ids=[*row.document_ids, *taken],
            queue_class=0,
            queued_at=now,
            counter=None,
        )
    return await view(await _fetch(row.id), now=now)


async def mine(*, user_id: int, now: datetime) -> list[shapes.Appointment]:
    """My appointments: live ones first (soonest first), then the last finished ones."""
    rows = (
        await Appointment.filter(user_id=user_id)
        .order_by("-id")
        .limit(50)
        .select_related("service", "slot")
    )
    rated_ids: list[Any] = await DutyRating.filter(
        appointment_id__in=[r.id for r in rows]
    ).values_list("appointment_id", flat=True)
    rated = {int(i) for i in rated_ids}
    order = {row.id: place for place, row in enumerate(await queue.waiting(now=now), start=1)}

    def soonest(row: Appointment) -> tuple[int, float]:
        when = row.slot.start if row.slot is not None else (row.queued_at or row.created_at)
        return (0, when.timestamp()) if row.status in LIVE else (1, -when.timestamp())

    return [
        appointment_view(row, position=order.get(row.id), rated=row.id in rated)
        for row in sorted(rows, key=soonest)
    ]


async def one(*, user_id: int, appointment_id: int, now: datetime) -> shapes.Appointment:
    return await view(await own(user_id=user_id, appointment_id=appointment_id), now=now)


async def rate(
    *, user_id: int, appointment_id: int, score: int, comment: str, now: datetime
) -> shapes.Rating:
    """Once, after it is done; counts in the centre's satisfaction (duty_station)."""
    row = await own(user_id=user_id, appointment_id=appointment_id)
    if row.status != "done":
        raise InvalidState(row.status, "办结后才能评价")
    try:
        rating = await DutyRating.create(
            appointment_id=row.id,
            service_id=row.service_id,
            score=score,
            comment=comment,
            created_at=now,
        )
    except IntegrityError:
        raise Conflict("已评价过") from None
    return shapes.Rating(
        appointment_id=row.id, score=rating.score, comment=rating.comment, created_at=now
    )
