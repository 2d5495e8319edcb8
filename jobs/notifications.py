"""Notification jobs: the sweeper that keeps the stream in step with the inbox table.

The consumer itself is not a job: it runs continuously (services.notifications.
consume_forever, started by jobs/background.py). Backoff retries are moved back into
the stream by the consumer on every batch, so they need no job either.
"""

from __future__ import annotations

from datetime import datetime

from jobs import Job
from services import notifications_delivery


async def sweep_notices(*, now: datetime) -> dict[str, int] | None:
    """Append again notices whose stream append failed or that got stuck; expire
    day-old undelivered ones. Returns the counts when it did something (logged)."""
    report = await notifications_delivery.sweep(now=now)
    return report if any(report.values()) else None


JOBS: list[Job] = [Job(name="notifications.sweep", func=sweep_notices, every_s=60)]
