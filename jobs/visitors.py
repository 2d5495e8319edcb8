"""Visitor pass jobs: expiry every minute, anonymisation every hour.

The gate already refuses a pass past its window whatever its stored status, so the
expiry job only keeps the stored status (and the host's list filters) honest. The
anonymisation job erases the visitor's name, phone and plate VISITOR_RETENTION_DAYS
after the window ended; entry rows and their counts stay.
"""

from __future__ import annotations

from datetime import datetime

from jobs import Job
from services import visitors


async def expire_passes(*, now: datetime) -> str | None:
    count = await visitors.expire_passes(now=now)
    return f"{count} passes expired" if count else None


async def anonymise_passes(*, now: datetime) -> str | None:
    count = await visitors.anonymise_passes(now=now)
    return f"{count} passes anonymised" if count else None


JOBS = [
    Job(name="visitors.expire_passes", func=expire_passes, every_s=60),
    Job(name="visitors.anonymise_passes", func=anonymise_passes, every_s=3600),
]
