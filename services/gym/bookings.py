"""Members' class bookings and walk-in visits: book, wait, cancel, promotion.

A class booking is one engine reservation and one GymBooking row written in the
engine's transaction by the record step, which also spends the month's quota with a
conditional UPDATE (services/gym/common.py): if the quota is gone the step raises, the
engine gives the place back and nothing of the action commits. A waitlisted booking
holds its visit too (so a promotion can never overrun the quota); the visit comes back
if the booking is cancelled in time or never gets a place.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError

import booking
from models.gym import Gym, GymBooking, GymSession
from server import pagination
from server.errors import Conflict, InvalidState, LimitReached, NotFound, SlotFull, TooLate
from server.tx import transaction
from services.gym.catalog import session_of, sessions_with_places
from services.gym.common import (
    FREE_CANCEL,
    LIVE,
    PROMOTION_CUTOFF,
    active_gym,
    at_local,
    booking_view,
    ensure_quota_row,
    give_back_quota,
    known,
    local,
    month_of,
    quota_limit,
    take_quota,
)
from services.gym.shapes import BookingPage, BookingView
from services.notifications import notify


async def book_class(
    *,
    user_id: int,
    session_id: int,
    waitlist: bool,
    idempotency_key: str | None,
    now: datetime,
) -> BookingView:
    """Book a place (201 confirmed) or, when full and asked, a waitlist entry (202).

    Joining a waitlist closes with promotion, 1 h before the start: later, a full class
    is simply full. Booking closes at the start.
    """
    session = await session_of(session_id)
    gym = await active_gym(session.gym_id)
    if now >= session.start:
        raise TooLate("课程已开始，不能预约", details={"start": local(session.start).isoformat()})
    month = month_of(session.start)
    quota = await ensure_quota_row(user_id=user_id, month=month)
    if idempotency_key is None and quota.used >= quota_limit():
        raise LimitReached("本月健身次数已用完", details={"quota": quota_limit(), "month": month})
    can_wait = waitlist and now < session.start - PROMOTION_CUTOFF

    async def record(step: booking.Recording) -> GymBooking:
        await take_quota(step.tx.conn, user_id=user_id, month=month)
        return await GymBooking.create(
            using_db=step.tx.conn,
            gym_id=gym.id,
            session_id=session.id,
            user_id=user_id,
            kind="class",
            status="waitlisted" if step.reservation.status == "waitlisted" else "confirmed",
            month=month,
            reservation_id=step.reservation.id,
        )

    try:
        reservation = await booking.reserve(
            resource_id=session.resource_id,
            user_id=user_id,
            slot_ids=[session.id],
            waitlist=can_wait,
            idempotency_key=idempotency_key,
            record=record,
            now=now,
        )
    except Conflict:
        raise LimitReached("您已预约该课程", details={"session_id": session.id}) from None
    except SlotFull as full:
        if waitlist and not can_wait:
            full.message = "课程已约满，开课前1小时内不再候补"
        raise
    row: GymBooking | None = reservation.record
    if row is None:  # an idempotent replay: the row committed with the reservation
        row = await GymBooking.get_or_none(reservation_id=reservation.id)
        if row is None:
            raise InvalidState(reservation.status, "该预约未能完成，请重新预约")
    return await view(row, gym=gym, session=session, position=reservation.position)


async def visit(*, user_id: int, gym_id: int, now: datetime) -> BookingView:
    """A walk-in visit of today, valid until the gym closes; one per gym and day."""
    gym = await active_gym(gym_id)
    if not gym.walk_in:
        raise InvalidState("no_walk_in", "该场馆不接受到店体验")
    today = local(now).date()
    valid_until = at_local(today, gym.closes)
    if now >= valid_until:
        raise TooLate("今日已闭馆", details={"closes": gym.closes})
    month = month_of(now)
    await ensure_quota_row(user_id=user_id, month=month)
    try:
        async with transaction() as tx:
            await take_quota(tx.conn, user_id=user_id, month=month)
            row = await GymBooking.create(
                using_db=tx.conn,
                gym_id=gym.id,
                user_id=user_id,
                kind="walk_in",
                status="confirmed",
                month=month,
                walk_in_key=f"{user_id}:{gym.id}:{today.isoformat()}",
                valid_until=valid_until,
            )
            tx.created(row.id)
    except IntegrityError:
        raise LimitReached("今日已领取该场馆的到店券", details={"gym_id": gym.id}) from None
    return await view(row, gym=gym)


async def class_booked(*, user_id: int, ref: str, now: datetime) -> BookingView:
    """The booking a committed `book_class` made (its transaction named the engine's
    reservation), as it is now: the answer to a replay whose first answer was lost,
    also after the class began (a replay books nothing)."""
    return await view(await GymBooking.get(reservation_id=int(ref), user_id=user_id))


async def visited(*, user_id: int, ref: str, now: datetime) -> BookingView:
    """The walk-in a committed `visit` gave, as it is now: the answer to a replay whose
    first answer was lost."""
    return await view(await GymBooking.get(id=int(ref), user_id=user_id))


def booked_status(result: BookingView) -> int:
    """201 for a place, 202 for a waitlist entry (the route's two answers)."""
    return 202 if result.status == "waitlisted" else 201


async def cancel(*, user_id: int, booking_id: int, now: datetime) -> BookingView:
    """Cancel: the visit comes back more than 2 h before the start (`cancelled`), not
    later (`late_cancelled`); the place is freed either way and the engine promotes the
    head of the waitlist in the same step (record_promotion decides the cutoff)."""
    row = await own_booking(user_id=user_id, booking_id=booking_id)
    if row.kind == "walk_in":
        return await _cancel_walk_in(row, now=now)
    assert row.session_id is not None  # every booking but a walk-in has its session
    session = await session_of(row.session_id)
    if row.status not in LIVE:
        raise InvalidState(row.status, "当前状态不能取消")
    if now >= session.start:
        raise TooLate("课程已开始，不能取消")
    outcome: dict[str, str] = {}

    async def record(step: booking.Recording) -> None:
        conn = step.tx.conn
        current = await GymBooking.filter(id=row.id).using_db(conn).first()
        if current is None or current.status not in LIVE:
            raise InvalidState(current.status if current else "missing", "当前状态不能取消")
        # A waitlisted booking never held a place: its visit always comes back.
        late = current.status == "confirmed" and now >= session.start - FREE_CANCEL
        status = "late_cancelled" if late else "cancelled"
        await GymBooking.filter(id=row.id).using_db(conn).update(status=status)
        if not late:
            await give_back_quota(conn, user_id=user_id, month=row.month)
        outcome["status"] = status

    await booking.cancel(reservation_id=row.reservation_id or 0, record=record, now=now)
    row.status = outcome["status"]
    return await view(row)


async def _cancel_walk_in(row: GymBooking, *, now: datetime) -> BookingView:
    async with transaction() as tx:
        moved = (
            await GymBooking.filter(id=row.id, status="confirmed")
            .using_db(tx.conn)
            .update(status="cancelled", walk_in_key=None)
        )
        if not moved:
            current = await GymBooking.get(id=row.id)
            raise InvalidState(current.status, "当前状态不能取消")
        await give_back_quota(tx.conn, user_id=row.user_id, month=row.month)
    row.status = "cancelled"
    return await view(row)


async def record_promotion(step: booking.Recording) -> None:
    """A waitlisted booking got a place: confirm it and tell the member, in the
    promotion's transaction. From 1 h before the start no one is promoted (refused:
    the place stays free and the entry keeps waiting until the no-show job ends it)."""
    conn = step.tx.conn
    row = (
        await GymBooking.filter(reservation_id=step.reservation.id, status="waitlisted")
        .using_db(conn)
        .first()
    )
    if row is None:
        raise InvalidState("missing", "候补预约不存在")
    session = await GymSession.filter(id=row.session_id).using_db(conn).first()
    if session is None or step.now >= session.start - PROMOTION_CUTOFF:
        raise TooLate("已过候补截止时间")
    await GymBooking.filter(id=row.id).using_db(conn).update(status="confirmed")
    gym = await Gym.filter(id=session.gym_id).using_db(conn).first()
    start = local(session.start)
    await notify(
        tx=step.tx,
        user_id=row.user_id,
        kind="gym_promoted",
        title="候补成功",
        body=f"{gym.name if gym else ''}「{session.name}」{start:%m月%d日 %H:%M}已为您保留名额，请准时到场。",
        link=f"/pages/gym/booking?id={row.id}",
        template_data={"start": start.strftime("%Y-%m-%d %H:%M")},
        now=step.now,
    )


async def rows_of(reservation_ids: list[int]) -> set[int]:
    """Which of these reservations have their booking row (the engine's orphan repair)."""
    found: list[Any] = await GymBooking.filter(reservation_id__in=reservation_ids).values_list(
        "reservation_id", flat=True
    )
    return {int(r) for r in found}


async def own_booking(*, user_id: int, booking_id: int) -> GymBooking:
    """The caller's booking, or NotFound (another member's booking is not revealed)."""
    row = await GymBooking.get_or_none(id=known(booking_id, "预约"), user_id=user_id)
    if row is None:
        raise NotFound("预约不存在")
    return row


async def get_booking(*, user_id: int, booking_id: int) -> BookingView:
    return await view(await own_booking(user_id=user_id, booking_id=booking_id))


async def list_bookings(*, user_id: int, limit: int, cursor: str | None) -> BookingPage:
    """My bookings and visits, newest first."""
    rows, next_cursor = await pagination.page(
        GymBooking.filter(user_id=user_id), limit=limit, cursor=cursor
    )
    return BookingPage(items=[await view(r) for r in rows], next_cursor=next_cursor)


async def view(
    row: GymBooking,
    *,
    gym: Gym | None = None,
    session: GymSession | None = None,
    position: int | None = None,
) -> BookingView:
    """The wire GymBooking, with the session's live places and the waitlist position."""
    gym = gym or await Gym.get(id=row.gym_id)
    session_out = None
    if row.session_id is not None:
        session = session or await GymSession.get(id=row.session_id)
        session_out = (await sessions_with_places([session], gym))[0]
    if row.status == "waitlisted" and position is None and row.reservation_id:
        position = (await booking.get(reservation_id=row.reservation_id)).position
    return booking_view(row, gym=gym, session=session_out, position=position)
