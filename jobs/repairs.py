"""Repair jobs: escalate tickets waiting too long, close resolved ones nobody confirmed,
and remove photos that were uploaded but never reported."""

from __future__ import annotations

from datetime import datetime

from jobs import Job
from services import repairs, uploads


async def escalate(*, now: datetime) -> dict[str, int]:
    return await repairs.escalate(now=now)


async def auto_close(*, now: datetime) -> int:
    return await repairs.auto_close(now=now)


async def remove_orphan_photos(*, now: datetime) -> int:
    return await uploads.remove_orphans(now=now)


JOBS: list[Job] = [
    Job("repairs.escalate", escalate, every_s=60),
    Job("repairs.auto_close", auto_close, every_s=600),
    Job("repairs.remove_orphan_photos", remove_orphan_photos, every_s=3600),
]
