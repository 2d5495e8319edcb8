"""Duty station (勤务站, API.md §14): errands for staff at a few counters.

catalog — the services and the days' counter slots (admin); appointments — a person's
side (book, hand in, take a number, check in, cancel, documents, rate); queue — the call
order and ticket numbers; desk — the counters (queue, call, start, done, needs-info,
no-show); display — the station's TV; report — the monthly report; jobs — reminders and
no-shows; documents — uploads handed in.
"""

from __future__ import annotations

from typing import Any

from models.duty import Appointment
from services.duty import appointments, catalog, desk, display, documents, jobs, report, shapes


async def appointments_of(reservation_ids: list[int]) -> set[int]:
    """Which of these reservations have their appointment (the engine's orphan repair)."""
    found: list[Any] = await Appointment.filter(reservation_id__in=reservation_ids).values_list(
        "reservation_id", flat=True
    )
    return {int(r) for r in found}


__all__ = [
    "appointments",
    "appointments_of",
    "catalog",
    "desk",
    "display",
    "documents",
    "jobs",
    "report",
    "shapes",
]
