"""The call order of the station's queue and the ticket numbers of a day.

Call order: an errand whose missing documents arrived goes back to the head; then
checked-in appointments whose slot has started, by slot and arrival; then everyone else
(walk-ins, errands, early appointments) by the time they joined. The queue is today's
walk-ins and appointments plus every errand still waiting (errands wait across days).
"""

from __future__ import annotations

import contextlib
from datetime import date, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from models.duty import Appointment, DutyDay
from server.clock import today
from server.errors import InvalidState
from server.tx import Tx

# More than a station serves in a week: a bound on what one call reads.
QUEUE_LIMIT = 2000


def order_key(row: Appointment, now: datetime) -> tuple[int, int, datetime, datetime, int]:
    """`row` with its slot fetched; smaller keys are called first."""
    joined = row.queued_at or row.created_at
    slot = row.slot
    if row.queue_class == 1 and slot is not None and slot.start <= now:
        return (1, 0, slot.start, joined, row.id)
    return (row.queue_class, 1, joined, joined, row.id)


async def waiting(*, now: datetime, conn: BaseDBAsyncClient | None = None) -> list[Appointment]:
    """Everyone waiting now, in call order (service and slot fetched)."""
    query = Appointment.filter(status="waiting", date__lte=today(now)).select_related(
        "service", "slot"
    )
    if conn is not None:
        query = query.using_db(conn)
    rows = await query.limit(QUEUE_LIMIT)
    return sorted(rows, key=lambda row: order_key(row, now))


async def position(*, appointment: Appointment, now: datetime) -> int | None:
    """Its 1-based place in the call order while waiting, else None."""
    if appointment.status != "waiting":
        return None
    for place, row in enumerate(await waiting(now=now), start=1):
        if row.id == appointment.id:
            return place
    return None


async def open_day(*, now: datetime, conn: BaseDBAsyncClient | None = None) -> DutyDay:
    """Today's day row if the station is open now; 409 otherwise (too early, too late,
    or a day it does not open)."""
    query = DutyDay.filter(date=today(now))
    if conn is not None:
        query = query.using_db(conn)
    day = await query.first()
    if day is None or day.open_from is None or day.open_to is None:
        raise InvalidState("closed", "勤务站今日不开放")
    if now < day.open_from:
        raise InvalidState("closed", "勤务站尚未开门")
    if now >= day.open_to:
        raise InvalidState("closed", "勤务站今日已下班")
    return day


async def take_ticket(tx: Tx, *, day: DutyDay, letter: str) -> str:
    """The next ticket number of the day (A for appointments, B for walk-ins), taken with a
    conditional UPDATE in `tx`, so two arrivals never get the same number."""
    column = "last_a" if letter == "A" else "last_b"
    rows = DutyDay.filter(id=day.id).using_db(tx.conn)
    await rows.update(**{column: F(column) + 1})
    number: list[Any] = (
        await DutyDay.filter(id=day.id).using_db(tx.conn).values_list(column, flat=True)
    )
    return f"{letter}{int(number[0]):03d}"


async def ensure_day(day: date) -> None:
    """The day's row (its hours unset unless an admin set them), made once."""
    if await DutyDay.filter(date=day).exists():
        return
    with contextlib.suppress(IntegrityError):  # another request made it first
        await DutyDay.create(date=day)


async def count_call(tx: Tx, *, day: date) -> int:
    """Count a call on `day` (its row exists: `ensure_day`) and return its sequence number.

    The UPDATE takes the day row's lock until `tx` ends (PostgreSQL; SQLite runs one write
    transaction at a time), so the calls of several counters are serialized: each reads
    the queue after the previous call committed and takes a different head.
    """
    rows = DutyDay.filter(date=day).using_db(tx.conn)
    await rows.update(calls=F("calls") + 1)
    calls: list[Any] = (
        await DutyDay.filter(date=day).using_db(tx.conn).values_list("calls", flat=True)
    )
    return int(calls[0])
