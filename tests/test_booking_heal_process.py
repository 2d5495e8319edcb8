"""A real server process that starts frees the places a killed request held in Redis,
without waiting for the minute's reconcile job (which is off here)."""

from __future__ import annotations

import os
import select
import time
from datetime import UTC, datetime, timedelta

import pytest

import booking
from booking import lua, store
from server.tx import transaction
from tests.support.booking import new_user, redis_booked
from tests.support.processes import servers

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("app")]  # a real server process

HEALED = b"booking copies healed at start"


def _wait_for(process, needle: bytes, *, within_s: float) -> bytes:
    """The process's stderr until `needle` appears (or the deadline passes)."""
    seen = b""
    fd = process.stderr.fileno()
    deadline = time.monotonic() + within_s
    while needle not in seen:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            break
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        seen += chunk
    return seen


async def _tomorrows_resource(capacity: int) -> tuple[int, int]:
    """A resource with a slot tomorrow by the real clock: the server process heals the
    resources being booked now, by its own clock."""
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    async with transaction() as tx:
        rid = await booking.create_resource(
            tx=tx,
            domain="test",
            ref_id=1,
            name="明天的资源",
            policy=booking.Policy(capacity=capacity),
        )
        (slot,) = await booking.add_slots(
            tx=tx,
            resource_id=rid,
            slots=[
                booking.SlotSpec(start=start, end=start + timedelta(minutes=30), capacity=capacity)
            ],
        )
    return rid, slot.id


async def test_a_web_worker_that_starts_gives_back_a_place_held_by_a_dead_request():
    rid, slot = await _tomorrows_resource(capacity=2)
    now = datetime.now(UTC)
    await booking.reserve(resource_id=rid, user_id=new_user(), slot_ids=[slot], now=now)
    reply = await store.run(
        lua.RESERVE,
        keys=[store.state_key(rid), store.queue_key(rid, slot)],
        args=[new_user(), 1, "", "dead-token", "0", 1, slot],
    )
    assert reply[0] == "OK"
    assert await redis_booked(rid, slot) == 2  # full in Redis, one row in the database
    with servers(1, env={"RUN_JOBS": "false"}) as (server,):
        log = _wait_for(server.process, HEALED, within_s=15)
        assert HEALED in log, log[-3000:]
        assert await redis_booked(rid, slot) == 1
    await booking.reserve(resource_id=rid, user_id=new_user(), slot_ids=[slot], now=now)
    assert await redis_booked(rid, slot) == 2
