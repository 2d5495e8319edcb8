"""Duty-station jobs: appointment reminders (the day before, 30 min before), booked
appointments not checked in 15 min after their slot started, and the end of a day."""

from __future__ import annotations

from datetime import datetime

from jobs import Job
from services.duty import jobs


async def send_reminders(*, now: datetime) -> str | None:
    sent = await jobs.send_reminders(now=now)
    return f"{sent} reminders" if sent else None


async def release_no_shows(*, now: datetime) -> str | None:
    released = await jobs.release_no_shows(now=now)
    return f"{released} appointments released as no_show" if released else None


async def close_days(*, now: datetime) -> str | None:
    closed = await jobs.close_days(now=now)
    return f"{closed} numbers of earlier days closed" if closed else None


JOBS = [
    Job(name="duty.send_reminders", func=send_reminders, every_s=60),
    Job(name="duty.release_no_shows", func=release_no_shows, every_s=60),
    Job(name="duty.close_days", func=close_days, every_s=3600),
]
