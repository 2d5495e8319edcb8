"""The jobs runner: one APScheduler per server, one execution per job run per cluster.

Every server (host) runs one background process with an `AsyncIOScheduler` (not one
per Sanic worker). Several hosts each schedule the same jobs, so each run first takes
a Redis lock named after the job and its run slot: the slot is the nearest multiple
of the job's interval since the epoch, so schedulers whose clocks differ by less than
half an interval agree on it, and only the one that sets the key runs the job.
"""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from jobs import Job
from server import metrics, resources
from server.logs import get_logger

log = get_logger("jobs")
OWNER = f"{socket.gethostname()}:{os.getpid()}"


def discover() -> list[Job]:
    """Every domain's jobs, as the registry (server/registry.py) names them."""
    from server import registry

    return registry.all_jobs()


def run_slot(job: Job, at: datetime) -> int:
    """The run this moment belongs to: the nearest multiple of the interval."""
    return round(at.timestamp() / job.every_s)


async def run_once(job: Job, *, now: datetime) -> bool:
    """Run `job` for the slot of `now` unless another process already has; True if ran."""
    slot = run_slot(job, now)
    key = f"jobs:lock:{job.name}:{slot}"
    # The key outlives the slot so a late scheduler cannot run the same slot again.
    if not await resources.redis().set(key, OWNER, nx=True, ex=max(job.every_s * 3, 60)):
        return False
    try:
        result = await job(now=now)
    except Exception:
        log.exception("job %s failed (slot %s)", job.name, slot)
        await metrics.job_ran(job.name, ok=False, now=now)
        return True
    await metrics.job_ran(job.name, ok=True, now=now)
    if result:
        log.info("job %s: %s", job.name, result)
    return True


def build_scheduler(job_list: list[Job] | None = None) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone=UTC)
    epoch = datetime(2020, 1, 1, tzinfo=UTC)
    for job in job_list if job_list is not None else discover():
        scheduler.add_job(
            _fire,
            IntervalTrigger(seconds=job.every_s, start_date=epoch, timezone=UTC),
            args=[job],
            id=job.name,
            name=job.name,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=max(1, job.every_s // 2),
        )
    return scheduler


async def _fire(job: Job) -> None:
    await run_once(job, now=datetime.now(UTC))


def describe(job_list: list[Job]) -> list[dict[str, Any]]:
    return [{"name": j.name, "every": str(timedelta(seconds=j.every_s))} for j in job_list]
