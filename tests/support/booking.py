"""Shared helpers of the booking engine tests (no tests here).

Every check compares three views of the same truth: the database rows, the Redis copy
and `booking.availability()`.
"""

from __future__ import annotations

import itertools
import logging
from collections import Counter as Tally
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import booking
from booking import store
from booking.types import LIVE, OCCUPYING
from models.booking import Occupancy, Reservation
from server import resources
from server.tx import transaction

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
BASE = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
_users = itertools.count(1_000_000)


def new_user() -> int:
    """User ids for the engine (a plain integer column: no identity row is needed)."""
    return next(_users)


async def make_resource(
    *, slots: int = 1, capacity: int = 1, minutes: int = 30, **policy: object
) -> tuple[int, list[int]]:
    async with transaction() as tx:
        rid = await booking.create_resource(
            tx=tx,
            domain="test",
            ref_id=1,
            name="测试资源",
            policy=booking.Policy(capacity=capacity, **policy),  # type: ignore[arg-type]
        )
        made = await booking.add_slots(
            tx=tx,
            resource_id=rid,
            slots=[
                booking.SlotSpec(
                    start=BASE + timedelta(minutes=minutes * i),
                    end=BASE + timedelta(minutes=minutes * (i + 1)),
                    capacity=capacity,
                )
                for i in range(slots)
            ],
        )
    return rid, [s.id for s in made]


async def define_counter(resource_id: int, name: str, limit: int) -> None:
    async with transaction() as tx:
        await booking.define_counter(tx=tx, resource_id=resource_id, name=name, limit=limit)


async def db_booked(slot_id: int) -> int:
    rows = await Reservation.filter(status__in=OCCUPYING).values_list("slot_ids", "quantity")
    return sum(q for ids, q in rows if slot_id in ids)


async def redis_booked(resource_id: int, slot_id: int) -> int | None:
    value = await resources.redis().hget(store.state_key(resource_id), f"b:{slot_id}")
    return None if value is None else int(value)


async def assert_consistent(resource_id: int) -> None:
    """Redis = database = availability(); capacity and uniqueness hold in the database."""
    rows = await Reservation.filter(resource_id=resource_id).values(
        "id", "user_id", "slot_ids", "quantity", "status", "wait_seq"
    )
    booked: Tally[int] = Tally()
    live: Tally[tuple[int, int]] = Tally()
    for row in rows:
        if row["status"] in OCCUPYING:
            for s in row["slot_ids"]:
                booked[s] += row["quantity"]
        if row["status"] in LIVE:
            for s in row["slot_ids"]:
                live[(s, row["user_id"])] += 1
    slots = await booking.availability(resource_id=resource_id)
    for slot in slots:
        assert booked[slot.slot_id] <= slot.capacity, (slot, booked[slot.slot_id])
        assert slot.booked == booked[slot.slot_id], (slot, booked[slot.slot_id])
        assert await redis_booked(resource_id, slot.slot_id) == booked[slot.slot_id]
        queue = await resources.redis().lrange(store.queue_key(resource_id, slot.slot_id), 0, -1)
        waiting = sorted(
            r["wait_seq"]
            for r in rows
            if r["status"] == "waitlisted" and slot.slot_id in r["slot_ids"]
        )
        assert [int(e.split("|")[0]) for e in queue] == waiting
    occupied = await Occupancy.filter(
        reservation__resource_id=resource_id, occupied=True
    ).values_list("reservation_id", flat=True)
    assert sorted(set(occupied)) == sorted(r["id"] for r in rows if r["status"] in OCCUPYING)


class QueryCounter(logging.Handler):
    """Counts the statements Tortoise's database client sends (its own debug log)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.statements: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.statements.append(record.getMessage())


@contextmanager
def count_queries() -> Iterator[QueryCounter]:
    logger = logging.getLogger("tortoise.db_client")
    counter = QueryCounter()
    previous = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(counter)
    try:
        yield counter
    finally:
        logger.removeHandler(counter)
        logger.setLevel(previous)
