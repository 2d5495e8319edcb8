"""The background process of a server: the job scheduler and the queue consumers.

Started once per host by `python -m server run` (a Sanic-managed process) or alone by
`python -m server worker`. Its jobs and queue consumers are the ones the registry
(server/registry.py) names for each domain.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import booking
from jobs.scheduler import build_scheduler, discover
from server import metrics, registry, resources
from server.config import load_settings
from server.logs import get_logger

log = get_logger("background")


def consumers() -> list[Callable[..., Awaitable[Any]]]:
    from server import registry

    return list(registry.all_consumers())


async def start_in_loop(
    *, with_jobs: bool = True, with_consumers: bool = True
) -> Callable[[], Awaitable[None]]:
    """Start the scheduler and the consumers on the running loop; return `shutdown()`."""
    stop = asyncio.Event()
    scheduler = None
    if with_jobs:
        job_list = discover()
        scheduler = build_scheduler(job_list)
        scheduler.start()
        await metrics.jobs_started([job.name for job in job_list], now=datetime.now(UTC))
        log.info("scheduler started with %d jobs", len(job_list))
    tasks: list[asyncio.Task[Any]] = [
        asyncio.ensure_future(c(stop=stop)) for c in (consumers() if with_consumers else [])
    ]

    async def shutdown() -> None:
        stop.set()
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    return shutdown


async def heal_at_start() -> None:
    """Places taken in Redis by a process that died before its transaction are free at
    once when this process starts, not at the next minute (booking.heal_at_start)."""
    try:
        await booking.heal_at_start(now=datetime.now(UTC))
    except Exception:  # Redis or the database away: the reconcile job repairs later
        log.warning("booking heal at start failed", exc_info=True)


async def run(
    *, with_jobs: bool = True, with_consumers: bool = True, metrics_port: int | None = None
) -> None:
    """The background process: run until SIGINT/SIGTERM. Alone (`server worker`) it
    answers /metrics on `metrics_port`; under `server run` the web workers do."""
    settings = load_settings()
    registry.install()
    await resources.open_resources(settings)
    await heal_at_start()
    endpoint = None
    if metrics_port:
        endpoint = await metrics.serve(host=settings.host, port=metrics_port)
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stopped.set)
    shutdown = await start_in_loop(with_jobs=with_jobs, with_consumers=with_consumers)
    try:
        await stopped.wait()
    finally:
        if endpoint is not None:
            endpoint.close()
        await shutdown()
        await resources.close_resources()


def process_main(**_: Any) -> None:
    """Entry point of the Sanic-managed background process."""
    import logging.config

    from server.logs import logging_config

    logging.config.dictConfig(logging_config())
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())
