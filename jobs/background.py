"""The background process of a server: the job scheduler and the queue consumers.

Started once per host by `python -m server run` (a Sanic-managed process) or alone by
`python -m server worker`. Consumers are discovered like jobs: any module in
services/ may expose `async def consume_forever(*, stop: asyncio.Event)`; none
need to be listed here.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import pkgutil
import signal
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import services as services_package
from jobs.scheduler import build_scheduler, discover
from server import metrics, resources
from server.config import load_settings
from server.logs import get_logger

log = get_logger("background")


def consumers() -> list[Callable[..., Awaitable[Any]]]:
    found = []
    for module_info in sorted(
        pkgutil.iter_modules(services_package.__path__), key=lambda m: m.name
    ):
        module = importlib.import_module(f"services.{module_info.name}")
        consume = getattr(module, "consume_forever", None)
        if consume is not None:
            found.append(consume)
    return found


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


async def run(
    *, with_jobs: bool = True, with_consumers: bool = True, metrics_port: int | None = None
) -> None:
    """The background process: run until SIGINT/SIGTERM. Alone (`server worker`) it
    answers /metrics on `metrics_port`; under `server run` the web workers do."""
    settings = load_settings()
    await resources.open_resources(settings)
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
