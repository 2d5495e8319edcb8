"""Approval of bookings in rooms that need it (admins).

A pending booking already holds its time in the engine (a `held` reservation), so an
approval only turns the hold into a confirmation and can never collide with another
booking; a rejection gives the time back at once. Both are claimed with a conditional
UPDATE, so an approval racing a rejection (two admins) ends in exactly one of them.
"""

from __future__ import annotations

from datetime import datetime

import booking as engine
from models import could_exist
from models.meetings import Booking as BookingRow
from server.errors import InvalidState, NotFound, TooLate
from services.meetings.bookings import Notice, booking_view, claims, end_booking, tell, when_text
from services.meetings.rules import Booking


async def approve(*, admin_id: int, booking_id: int, now: datetime) -> Booking:
    """pending_approval → confirmed; the time was already held, so nothing can have
    taken it meanwhile. The row, the engine's confirmation and the notice commit
    together."""
    row = await _any_booking(booking_id)
    if row.status != "pending_approval":
        raise InvalidState(row.status, "只有待审批的预订可以审批")
    if row.start <= now:
        raise TooLate("会议已开始，不能再审批")
    claim = claims(
        row.id,
        expected=("pending_approval",),
        to="confirmed",
        now=now,
        decided_by_id=admin_id,
        decided_at=now,
    )

    async def record(step: engine.Recording) -> None:
        await claim(step.tx)
        await tell(
            step.tx,
            booking=row,
            kind="meeting_approved",
            title="会议室预订已通过审批",
            body=f"{row.room.building}{row.room.name} {when_text(row)}「{row.title}」",
            now=now,
        )

    try:
        await engine.confirm(reservation_id=row.reservation_id, record=record, now=now)
    except InvalidState:
        current = await BookingRow.get(id=row.id)
        raise InvalidState(current.status, "预订状态已变化，请刷新后重试") from None
    return await booking_view(booking_id=row.id)


async def reject(*, admin_id: int, booking_id: int, reason: str | None, now: datetime) -> Booking:
    """pending_approval → rejected; the held time is free again at once."""
    row = await _any_booking(booking_id)
    if row.status != "pending_approval":
        raise InvalidState(row.status, "只有待审批的预订可以驳回")
    reason = (reason or "").strip()
    await end_booking(
        row=row,
        expected=("pending_approval",),
        to="rejected",
        now=now,
        notice=Notice(
            kind="meeting_rejected",
            title="会议室预订未通过审批",
            body=f"{row.room.building}{row.room.name} {when_text(row)}「{row.title}」"
            + (f"，原因：{reason}" if reason else ""),
        ),
        decided_by_id=admin_id,
        decided_at=now,
        reason=reason,
    )
    return await booking_view(booking_id=row.id)


async def _any_booking(booking_id: int) -> BookingRow:
    if not could_exist(booking_id):
        raise NotFound("预订不存在", details={"booking_id": booking_id})
    row = await BookingRow.get_or_none(id=booking_id).select_related("room", "organizer__staff")
    if row is None:
        raise NotFound("预订不存在", details={"booking_id": booking_id})
    return row
