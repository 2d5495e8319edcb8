"""The jobs runner: a run happens once however many schedulers there are."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from jobs import Job
from jobs.scheduler import build_scheduler, run_once, run_slot
from server import resources

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
async def test_two_scheduler_processes_run_each_slot_once(app):
    tag, slots = uuid.uuid4().hex[:8], 40
    command = [sys.executable, "-m", "tests.support.jobs_worker", tag, str(slots)]
    processes = [
        await asyncio.create_subprocess_exec(
            *command, cwd=ROOT, env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(2)
    ]
    outputs = [await p.communicate() for p in processes]
    assert all(p.returncode == 0 for p in processes), outputs
    ran = [int(out.decode().strip().splitlines()[-1]) for out, _ in outputs]
    assert sum(ran) == slots  # every slot ran, split between the two processes
    redis = resources.redis()
    keys = [k async for k in redis.scan_iter(f"test:jobs:{tag}:*")]
    assert len(keys) == slots
    assert {await redis.get(k) for k in keys} == {"1"}  # and none ran twice


async def test_nearby_clocks_agree_on_the_slot():
    job = Job(name="x", func=lambda *, now: None, every_s=60)  # type: ignore[arg-type]
    at = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    assert run_slot(job, at - timedelta(seconds=20)) == run_slot(job, at + timedelta(seconds=20))
    assert run_slot(job, at) != run_slot(job, at + timedelta(seconds=60))


async def test_a_failing_job_is_logged_not_raised(app, caplog):
    async def broken(*, now):
        raise ValueError("boom")

    job = Job(name=f"broken-{uuid.uuid4().hex[:6]}", func=broken, every_s=60)
    assert await run_once(job, now=datetime.now(UTC)) is True
    assert "boom" in caplog.text


async def test_the_scheduler_fires_registered_jobs(app):
    fired = asyncio.Event()

    async def tick(*, now):
        fired.set()

    scheduler = build_scheduler([Job(name=f"tick-{uuid.uuid4().hex[:6]}", func=tick, every_s=1)])
    scheduler.start()
    try:
        await asyncio.wait_for(fired.wait(), timeout=10)
    finally:
        scheduler.shutdown(wait=False)
    assert fired.is_set()
