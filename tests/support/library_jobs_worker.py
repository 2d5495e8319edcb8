"""Run by test_library_jobs as a separate process: one library job at a given time.

A fresh process knows nothing of the runs before it (as after a restart), so what
keeps it from sending a notice twice can only be what the database holds.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import datetime

from jobs.library import JOBS
from server import resources
from server.config import load_settings


async def main() -> None:
    await resources.open_resources(load_settings())
    try:
        job = next(job for job in JOBS if job.name == sys.argv[1])
        print(await job(now=datetime.fromisoformat(sys.argv[2])) or "nothing")
    finally:
        await resources.close_resources()


asyncio.run(main())
