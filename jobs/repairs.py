"""Repair jobs: escalate tickets waiting too long, close resolved ones nobody confirmed."""

from __future__ import annotations

from datetime import datetime

from jobs import Job
from services import repairs


async def escalate(*, now: datetime) -> dict[str, int]:
    return await repairs.escalate(now=now)


async def auto_close(*, now: datetime) -> int:
    return await repairs.auto_close(now=now)


JOBS: list[Job] = [
    Job("repairs.escalate", escalate, every_s=60),
    Job("repairs.auto_close", auto_close, every_s=600),
]
