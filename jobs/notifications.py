"""Notification jobs: the outbox relay that keeps the stream in step with the inbox table.

Notices are written in the transaction of the change they report and pushed to the
stream after its commit; a push that failed, or never ran because the process died
right after the commit, is done here (once per cluster, every minute).

The consumer itself is not a job: it runs continuously (services.notifications.
consume_forever, started by jobs/background.py). Backoff retries are moved back into
the stream by the consumer on every batch, so they need no job either.
"""

from __future__ import annotations

from datetime import datetime

from jobs import Job
from services.notifications import delivery as notifications_delivery


async def sweep_notices(*, now: datetime) -> dict[str, int] | None:
    """Push notices never pushed (append failed, or the process died after the commit)
    or stuck; expire day-old undelivered ones. Returns the counts when it did something."""
    report = await notifications_delivery.sweep(now=now)
    return report if any(report.values()) else None


JOBS: list[Job] = [Job(name="notifications.relay", func=sweep_notices, every_s=60)]
