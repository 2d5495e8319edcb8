"""Booking engine jobs: repair Redis drift and expire held reservations, every minute."""

from __future__ import annotations

from datetime import datetime

import booking
from jobs import Job


async def reconcile(*, now: datetime) -> dict[str, int] | None:
    """Compare every Redis copy with the database; report only when something drifted."""
    report = await booking.reconcile(now=now)
    if report.keys_repaired:
        return {"resources": report.resources, "keys_repaired": report.keys_repaired}
    return None


async def expire_holds(*, now: datetime) -> dict[str, int] | None:
    """Held reservations past their hold TTL give their places back."""
    expired = await booking.expire_holds(now=now)
    return {"expired": expired} if expired else None


JOBS = [
    Job(name="booking.reconcile", func=reconcile, every_s=60),
    Job(name="booking.expire_holds", func=expire_holds, every_s=60),
]
