"""Idempotency records: delete those past their 24 h, every hour (once per cluster)."""

from __future__ import annotations

from datetime import datetime

from jobs import Job
from services import idempotency


async def purge_expired(*, now: datetime) -> str | None:
    count = await idempotency.purge_expired(now=now)
    return f"{count} idempotency records purged" if count else None


JOBS = [Job(name="idempotency.purge_expired", func=purge_expired, every_s=3600)]
