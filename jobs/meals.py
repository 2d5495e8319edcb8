"""Meals jobs: close menus at their deadline (prep summary, expire the waitlist) and
mark the orders of finished pickup slots as no-shows."""

from __future__ import annotations

from datetime import datetime

from jobs import Job
from services import meals


async def close_menus(*, now: datetime) -> str | None:
    sent = await meals.close_menus(now=now)
    return f"{sent} prep summaries sent" if sent else None


async def mark_no_shows(*, now: datetime) -> str | None:
    marked = await meals.mark_no_shows(now=now)
    return f"{marked} orders marked no_show" if marked else None


JOBS = [
    Job(name="meals.close_menus", func=close_menus, every_s=30),
    Job(name="meals.mark_no_shows", func=mark_no_shows, every_s=60),
]
