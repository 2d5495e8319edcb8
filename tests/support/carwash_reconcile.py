"""Run one registered job once in its own process, at a given time:

    python -m tests.support.carwash_reconcile carwash.reconcile_payments 2026-12-07T20:00:00+00:00

with the environment of the server it repairs (database, Redis, WeChat Pay). The job is
found in server/registry.py, so a job that is not registered is not run."""

from __future__ import annotations

import asyncio
import sys
from datetime import datetime

from server import registry, resources
from server.config import load_settings


async def main(name: str, now: datetime) -> None:
    (job,) = [j for j in registry.all_jobs() if j.name == name]
    await resources.open_resources(load_settings())
    try:
        print(await job(now=now))
    finally:
        await resources.close_resources()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], datetime.fromisoformat(sys.argv[2])))
