"""Booking engine jobs: repair orphans and Redis drift, expire held reservations, every minute."""

from __future__ import annotations

from datetime import datetime

import booking
from jobs import Job


async def reconcile(*, now: datetime) -> dict[str, int] | None:
    """Give back reservations left without their domain row, then compare every Redis
    copy with the database; report only when something was repaired."""
    orphans = await booking.repair_orphans(now=now)
    report = await booking.reconcile(now=now)
    if report.keys_repaired or orphans:
        return {
            "resources": report.resources,
            "keys_repaired": report.keys_repaired,
            "orphans": len(orphans),
        }
    return None


async def expire_holds(*, now: datetime) -> dict[str, int] | None:
    """Held reservations past their hold TTL give their places back."""
    expired = await booking.expire_holds(now=now)
    return {"expired": expired} if expired else None


JOBS = [
    Job(name="booking.reconcile", func=reconcile, every_s=60),
    Job(name="booking.expire_holds", func=expire_holds, every_s=60),
]
