"""The station's scheduled work: reminders before an appointment, no-shows of booked
appointments nobody checked in for, and the end of a day's numbers."""

from __future__ import annotations

from datetime import datetime, timedelta

from tortoise.queryset import QuerySet

import booking
from models.duty import Appointment
from server.clock import local, today, utc
from server.errors import InvalidState
from server.tx import Tx, move, transaction
from services import notifications
from services.duty.common import link

DAY_BEFORE = timedelta(hours=24)
SOON = timedelta(minutes=30)
NO_SHOW_AFTER = timedelta(minutes=15)  # after the slot started, not checked in


def _when(row: Appointment) -> str:
    assert row.slot is not None
    return local(row.slot.start).strftime("%m月%d日 %H:%M")


async def send_reminders(*, now: datetime) -> int:
    """The day before (for appointments booked earlier than that) and 30 min before:
    each reminder once, claimed with the notice in one transaction."""
    now = utc(now)
    sent = 0
    for column, lead, title in (
        ("reminded_day_at", DAY_BEFORE, "勤务站预约提醒"),
        ("reminded_soon_at", SOON, "勤务站预约即将开始"),
    ):
        window = {"slot__start__lte": now + lead, "slot__start__gt": now}
        if column == "reminded_day_at":
            window["slot__start__gt"] = now + SOON  # the 30-min reminder covers the rest
        due = await Appointment.filter(
            status="booked", **{f"{column}__isnull": True}, **window
        ).select_related("service", "slot")
        if column == "reminded_day_at":
            due = [row for row in due if row.slot and row.created_at <= row.slot.start - lead]

        async def claim(tx: Tx, row: Appointment, column: str = column) -> int:
            return (
                await Appointment.filter(id=row.id, status="booked", **{f"{column}__isnull": True})
                .using_db(tx.conn)
                .update(**{column: now})
            )

        async def notice(tx: Tx, row: Appointment, title: str = title) -> None:
            await notifications.notify(
                tx=tx,
                user_id=row.user_id,
                kind="duty_reminder",
                title=title,
                body=f"{row.service.name}：{_when(row)}，请提前到勤务站签到取号（开始前30分钟起可签到）。",
                link=link(row.id),
                template_data={"start": _when(row)},
                now=now,
            )

        sent += await notifications.notify_claimed(due, claim=claim, notice=notice)
    return sent


async def release_no_shows(*, now: datetime) -> int:
    """Booked appointments not checked in 15 min after their slot started: no_show, the
    place freed, the owner told."""
    now = utc(now)
    late = (
        await Appointment.filter(status="booked", slot__start__lte=now - NO_SHOW_AFTER)
        .select_related("service", "slot")
        .limit(1000)
    )
    released = 0
    for row in late:

        async def record(step: booking.Recording, row: Appointment = row) -> None:
            await move(
                step.tx,
                Appointment.filter(id=row.id, status="booked"),
                status="no_show",
                live_key=None,
                finished_at=step.now,
            )
            await notifications.notify(
                tx=step.tx,
                user_id=row.user_id,
                kind="duty_no_show",
                title="勤务站预约已失效",
                body=f"{row.service.name} {_when(row)} 的预约开始15分钟后仍未签到，已释放。",
                link=link(row.id),
                now=step.now,
            )

        if row.reservation_id is None:
            continue
        try:
            await booking.cancel(
                reservation_id=row.reservation_id, status="released", record=record, now=now
            )
        except InvalidState:  # cancelled or checked in meanwhile
            continue
        released += 1
    return released


async def close_days(*, now: datetime) -> int:
    """Walk-ins and appointments of an earlier day still in the queue or at a counter
    become no_show (the day's numbers end with it); errands wait on across days."""
    stale = await Appointment.filter(
        date__lt=today(now),
        kind__in=("appointment", "walk_in"),
        status__in=("waiting", "called"),
    ).limit(1000)
    closed = 0
    for row in stale:
        state = Appointment.filter(id=row.id, status=row.status)

        async def step(recording: booking.Recording, state: QuerySet[Appointment] = state) -> None:
            await _close(recording.tx, state, now=now)

        try:
            if row.reservation_id is not None:
                await booking.finish(
                    reservation_id=row.reservation_id, status="no_show", record=step, now=now
                )
            else:
                async with transaction() as tx:
                    await _close(tx, state, now=now)
        except InvalidState:
            continue
        closed += 1
    return closed


async def _close(tx: Tx, state: QuerySet[Appointment], *, now: datetime) -> None:
    await move(tx, state, status="no_show", live_key=None, finished_at=now)
