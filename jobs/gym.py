"""Gym jobs: no-shows after a class ends, waitlists ended at the start, unused walk-in
vouchers expired after closing time."""

from __future__ import annotations

from datetime import datetime

from jobs import Job
from services import gym


async def mark_no_shows(*, now: datetime) -> str | None:
    marked = await gym.mark_no_shows(now=now)
    return f"{marked} class bookings marked no_show" if marked else None


async def expire_waitlists(*, now: datetime) -> str | None:
    expired = await gym.expire_waitlists(now=now)
    return f"{expired} waitlisted class bookings expired" if expired else None


async def expire_walk_ins(*, now: datetime) -> str | None:
    expired = await gym.expire_walk_ins(now=now)
    return f"{expired} walk-in vouchers expired" if expired else None


JOBS = [
    Job(name="gym.mark_no_shows", func=mark_no_shows, every_s=60),
    Job(name="gym.expire_waitlists", func=expire_waitlists, every_s=60),
    Job(name="gym.expire_walk_ins", func=expire_walk_ins, every_s=300),
]
