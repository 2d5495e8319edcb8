"""Run by test_jobs in two separate processes at once: each tries every run slot."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime, timedelta

from jobs import Job
from jobs.scheduler import run_once
from server import resources
from server.config import load_settings


async def count_run(*, now: datetime) -> None:
    await resources.redis().incr(f"test:jobs:{sys.argv[1]}:{now.isoformat()}")


async def main() -> None:
    await resources.open_resources(load_settings(), with_db=False)
    job = Job(name=f"test-{sys.argv[1]}", func=count_run, every_s=60)
    base = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    ran = 0
    for minute in range(int(sys.argv[2])):
        ran += await run_once(job, now=base + timedelta(minutes=minute))
    print(ran)
    await resources.close_resources()


asyncio.run(main())
