"""Health of this process's connections: used by load balancers to route around it."""

from __future__ import annotations

import asyncio

from pydantic import BaseModel
from tortoise import connections

from server import resources

TIMEOUT_S = 2.0


class Health(BaseModel):
    """`{"status", "db", "redis"}` of API.md §2: each part "ok" or "error"."""

    status: str
    db: str
    redis: str


async def _db() -> str:
    try:
        # Shielded: a timeout reports "error" without cancelling the query in the driver.
        query = asyncio.ensure_future(connections.get("default").execute_query("SELECT 1"))
        await asyncio.wait_for(asyncio.shield(query), TIMEOUT_S)
    except Exception:  # noqa: BLE001 - any failure means "not ok", reported, never raised
        return "error"
    return "ok"


async def _redis() -> str:
    try:
        await asyncio.wait_for(resources.redis().ping(), TIMEOUT_S)
    except Exception:  # noqa: BLE001
        return "error"
    return "ok"


async def check() -> Health:
    db, redis = await asyncio.gather(_db(), _redis())
    return Health(status="ok" if db == redis == "ok" else "error", db=db, redis=redis)
