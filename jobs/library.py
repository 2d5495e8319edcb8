"""Library jobs: due-soon reminders, overdue notices (days 1, 7, 14) and hold expiry.

Each notice is claimed by a conditional update in the transaction that writes it
(services/library/reminders.py), so a job that runs twice or after a restart sends
nothing twice; the scheduler's run lock only saves the duplicate work.
"""

from __future__ import annotations

from datetime import datetime

from jobs import Job
from services import library


async def remind_due(*, now: datetime) -> str | None:
    sent = await library.remind_due(now=now)
    return f"{sent} due-soon reminders sent" if sent else None


async def send_overdue(*, now: datetime) -> str | None:
    sent = await library.send_overdue(now=now)
    return f"{sent} overdue notices sent" if sent else None


async def expire_holds(*, now: datetime) -> str | None:
    expired = await library.expire_holds(now=now)
    return f"{expired} ready holds expired" if expired else None


JOBS = [
    Job(name="library.remind_due", func=remind_due, every_s=3600),
    Job(name="library.send_overdue", func=send_overdue, every_s=3600),
    Job(name="library.expire_holds", func=expire_holds, every_s=300),
]
