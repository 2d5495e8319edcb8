"""Purchase-request jobs: remind approvers of steps waiting over two working days.

Hourly, so a reminder goes out soon after 09:00 on a working day; the reminder row
(unique per request, stage and day) keeps it to once a day, and the scheduler's lock
keeps each run to one process in the cluster.
"""

from __future__ import annotations

from datetime import datetime

from jobs import Job
from services import procurement


async def remind(*, now: datetime) -> int:
    return await procurement.remind(now=now)


JOBS: list[Job] = [Job("procurement.remind", remind, every_s=3600)]
