"""Scheduled work of the gym domain: no-shows after a class ends, waitlists that never
got a place, and walk-in vouchers unused at closing time.

Each change is its own conditional step (a rerun or a second scheduler finds only what
is left, and a check-in at the last second wins or loses as a whole).
"""

from __future__ import annotations

from datetime import datetime

import booking
from models.gym import GymBooking
from server.errors import InvalidState
from server.tx import move
from services.gym.common import give_back_quota, utc

BATCH = 2000


async def mark_no_shows(*, now: datetime) -> int:
    """Confirmed class bookings not checked in by the session's end become no_show
    (the visit stays spent, the engine keeps the place counted)."""
    rows = await GymBooking.filter(
        kind="class", status="confirmed", session__end__lte=utc(now)
    ).limit(BATCH)
    marked = 0
    for row in rows:

        async def record(step: booking.Recording, row: GymBooking = row) -> None:
            rows = GymBooking.filter(id=row.id, status="confirmed")
            await move(step.tx, rows, status="no_show")

        try:
            await booking.finish(
                reservation_id=row.reservation_id or 0, status="no_show", record=record, now=now
            )
        except InvalidState:
            continue  # checked in or cancelled at the last second
        marked += 1
    return marked


async def expire_waitlists(*, now: datetime) -> int:
    """Waitlisted bookings of sessions that started never got a place: expired, and the
    visit they held comes back."""
    rows = await GymBooking.filter(
        kind="class", status="waitlisted", session__start__lte=utc(now)
    ).limit(BATCH)
    expired = 0
    for row in rows:

        async def record(step: booking.Recording, row: GymBooking = row) -> None:
            rows = GymBooking.filter(id=row.id, status="waitlisted")
            await move(step.tx, rows, status="expired")
            await give_back_quota(step.tx.conn, user_id=row.user_id, month=row.month)

        try:
            await booking.cancel(
                reservation_id=row.reservation_id or 0, status="expired", record=record, now=now
            )
        except InvalidState:
            continue
        expired += 1
    return expired


async def expire_walk_ins(*, now: datetime) -> int:
    """Walk-in vouchers unused at closing time become expired (the visit stays spent,
    like a class no-show)."""
    return await GymBooking.filter(
        kind="walk_in", status="confirmed", valid_until__lte=utc(now)
    ).update(status="expired")
