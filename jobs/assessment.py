"""Assessment jobs: rectifications past their due time become overdue (once each)."""

from __future__ import annotations

from datetime import datetime

from jobs import Job
from services import assessment


async def mark_overdue(*, now: datetime) -> int:
    return await assessment.mark_overdue(now=now)


JOBS: list[Job] = [
    Job("assessment.mark_overdue", mark_overdue, every_s=300),
]
