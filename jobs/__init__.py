"""Scheduled jobs, one module per domain, each exposing `JOBS: list[Job]`.

A job is a plain async function taking `now=`; it calls services. The registry
(server/registry.py) names each domain's `JOBS`; the runner in `jobs/scheduler.py`
schedules them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Job:
    name: str
    func: Callable[..., Awaitable[Any]]  # async def func(*, now: datetime) -> Any
    every_s: int

    async def __call__(self, *, now: datetime) -> Any:
        return await self.func(now=now)
