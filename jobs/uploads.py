"""Upload jobs: remove files uploaded but never attached to what they were uploaded for
(a report or a request abandoned before it was sent)."""

from __future__ import annotations

from datetime import datetime

from jobs import Job
from services import uploads


async def remove_orphans(*, now: datetime) -> int:
    return await uploads.remove_orphans(now=now)


JOBS: list[Job] = [Job("uploads.remove_orphans", remove_orphans, every_s=3600)]
