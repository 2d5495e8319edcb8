"""The scheduled side of meeting rooms: no-show release, reminders, completion.

Each function takes `now=` and handles every booking that is due, so a job that ran
late (or not at all for a while) catches up on its next run. Each booking is claimed
with a conditional UPDATE before anything else happens, so two job runners, or a job
and the organizer acting at the same moment, never both act on one booking, and a
reminder goes out once.
"""

from __future__ import annotations

from datetime import datetime

import booking as engine
from models.meetings import Booking
from server.clock import utc
from server.errors import InvalidState
from server.logs import get_logger
from server.tx import Tx
from services import notifications
from services.meetings.bookings import Claim, Notice, claims, end_booking, tell, when_text
from services.meetings.rules import CHECKIN_CLOSES, REMIND_BEFORE

log = get_logger("meetings.jobs")


async def release_no_shows(*, now: datetime) -> int:
    """Confirmed bookings not checked in by start + 15 min go back to the pool."""
    now = utc(now)
    due = await Booking.filter(
        status="confirmed", checked_in_at__isnull=True, start__lt=now - CHECKIN_CLOSES
    ).select_related("room")
    released = 0
    for row in due:
        try:
            await end_booking(
                row=row,
                expected=("confirmed",),
                to="released",
                now=now,
                notice=Notice(
                    kind="meeting_released",
                    title="会议室已释放",
                    body=f"{row.room.building}{row.room.name} {when_text(row)}「{row.title}」"
                    "开始15分钟后仍未签到，会议室已释放给他人使用",
                ),
            )
        except InvalidState:  # checked in or cancelled meanwhile (the claim lost)
            continue
        released += 1
    return released


async def expire_pending(*, now: datetime) -> int:
    """Bookings still awaiting approval when their meeting starts are rejected: an
    approval after the start would come too late to be of use."""
    now = utc(now)
    due = await Booking.filter(status="pending_approval", start__lte=now).select_related("room")
    expired = 0
    for row in due:
        try:
            await end_booking(
                row=row,
                expected=("pending_approval",),
                to="rejected",
                now=now,
                notice=Notice(
                    kind="meeting_rejected",
                    title="会议室预订未获审批",
                    body=f"{row.room.building}{row.room.name} {when_text(row)}「{row.title}」"
                    "在会议开始前未获审批，预订已失效",
                ),
                decided_at=now,
                reason="会议开始前未获审批",
            )
        except InvalidState:
            continue
        expired += 1
    return expired


async def send_reminders(*, now: datetime) -> int:
    """One reminder per confirmed booking, from 15 minutes before its start."""
    now = utc(now)
    due = await Booking.filter(
        status="confirmed",
        reminded_at__isnull=True,
        start__lte=now + REMIND_BEFORE,
        start__gt=now,
    ).select_related("room")

    async def claim(tx: Tx, row: Booking) -> int:
        return (
            await Booking.filter(id=row.id, status="confirmed", reminded_at__isnull=True)
            .using_db(tx.conn)
            .update(reminded_at=now)
        )

    async def notice(tx: Tx, row: Booking) -> None:
        await tell(
            tx,
            booking=row,
            kind="meeting_reminder",
            title="会议即将开始",
            body=f"{row.room.building}{row.room.name} {when_text(row)}「{row.title}」"
            "即将开始，请在开始前10分钟至开始后15分钟内签到",
            now=now,
        )

    # the claim and the reminder commit together
    return await notifications.notify_claimed(due, claim=claim, notice=notice)


async def complete_ended(*, now: datetime) -> int:
    """Checked-in bookings whose end has passed become `completed`; their time stays
    counted in the engine (a finished meeting used its room). Bookings never checked
    in are the release job's, which frees them instead."""
    now = utc(now)
    due = await Booking.filter(status="confirmed", checked_in_at__isnull=False, end__lte=now)
    completed = 0
    for row in due:
        claim = claims(row.id, expected=("confirmed",), to="completed", now=now)

        async def record(step: engine.Recording, claim: Claim = claim) -> None:
            await claim(step.tx)

        try:
            await engine.finish(
                reservation_id=row.reservation_id, status="completed", record=record, now=now
            )
        except InvalidState:  # cancelled or released meanwhile
            continue
        completed += 1
    return completed
