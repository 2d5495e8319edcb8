"""Group commit of accepted reservations: many requests, one database transaction.

Behind the Redis gate the database sees no contention on a hot slot (no counter row
to lock), so accepted requests that arrive together are written together: the first
request in an idle process is written at once, the ones that arrive meanwhile wait
for that transaction and then go in the next one. Nobody waits for a timer, and each
request still learns its outcome only after the commit that holds its row.

A batch runs the same protocol as a single write (booking/store.py): shared resource
lock, epoch check per resource (stale requests are sent back to start again), inserts,
commit. Each request's domain record step (an order row) and its Idempotency-Key
record (one multi-row insert for the batch) run in the same transaction.
If one refuses, that attempt rolls back and the batch is written again with each step
inside a savepoint of its own: a record that fails rolls back alone, its reservation
is removed from the batch, and only that request fails. If the batch itself fails,
each of its requests is written alone, so one bad request (a constraint refusing it,
a fault) never fails the others.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from booking import store
from booking.convert import info_of
from booking.domains import RecordFailed, run_record
from booking.types import Record
from models.booking import Occupancy, Reservation
from server import metrics, resources
from server.tx import Tx, savepoint
from services import idempotency
from services.idempotency import Keyed

MAX_BATCH = 64
MAX_WRITERS = 4


@dataclass
class Pending:
    """One accepted request waiting for its transaction."""

    resource_id: int
    epoch: str
    reservation: Reservation
    occupancies: list[Occupancy]
    record: Record | None
    now: datetime
    write_alone: Callable[[], Awaitable[tuple[Reservation, Any]]]
    done: asyncio.Future[tuple[Reservation, Any]] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )
    value: Any = None  # what the record step returned
    refused: RecordFailed | None = None  # the record step raised
    keyed: Keyed | None = None  # the request's Idempotency-Key, committed with its row


_queue: list[Pending] = []
_writers = 0


async def submit(item: Pending) -> tuple[Reservation, Any]:
    """Queue an accepted request and wait until its row is committed (or refused)."""
    global _writers
    _queue.append(item)
    if _writers < MAX_WRITERS:
        _writers += 1
        # A context of its own: the writer outlives the request that started it and
        # writes for everyone, so it must carry none of that request's state (its
        # Idempotency-Key, a connection it holds).
        asyncio.get_running_loop().create_task(_drain(), context=contextvars.Context())
    return await item.done


async def _drain() -> None:
    global _writers
    try:
        while _queue:
            batch = _queue[:MAX_BATCH]
            del _queue[:MAX_BATCH]
            await _write_batch(batch)
    finally:
        _writers -= 1


async def _write_batch(batch: list[Pending]) -> None:
    """Write a batch: first without savepoints; again with one per record step if a
    step refused.

    A record step that refuses is rare (a lunch order never does), and a savepoint per
    step costs two round trips per request (SAVEPOINT, RELEASE: ~8% of an accepted
    order's samples in py-spy). So the batch is written plainly; a refusal rolls that
    whole attempt back, nothing of it stays, and the batch is written again with each
    step in a savepoint of its own, so that only the refused request fails.
    """
    metrics.batch_size(len(batch))
    if len(batch) == 1:
        await _alone(batch[0])
        return
    try:
        await _together(batch, isolate=False)
    except RecordFailed:
        for item in batch:
            item.value = None
        remaining = [item for item in batch if not item.done.done()]  # not sent back as stale
        if remaining:
            await _together(remaining, isolate=True)


async def _together(batch: list[Pending], *, isolate: bool) -> None:
    live = batch
    tx: Tx | None = None
    try:
        async with in_transaction() as conn:
            tx = Tx(conn)
            tx.expect(len(batch))  # a record step's row per request: ids drawn at once
            for resource_id in sorted({item.resource_id for item in batch}):
                await store.lock_resource(conn, resource_id, exclusive=False)
            stale = await _stale_items(batch)
            live = [item for item in batch if item not in stale]
            for item in stale:
                item.done.set_exception(store.Stale())
            ids = await _allocate_ids(conn, len(live))
            for item, reservation_id in zip(live, ids, strict=True):
                item.reservation = _with_id(item.reservation, reservation_id)
                for occupancy in item.occupancies:
                    occupancy.reservation_id = reservation_id
            await Reservation.bulk_create([item.reservation for item in live], using_db=conn)
            await Occupancy.bulk_create(
                [o for item in live for o in item.occupancies], using_db=conn
            )
            if isolate:
                await _record_each(tx, live)
            else:
                for item in live:
                    info = await info_of(item.reservation, created=True)
                    item.value = await run_record(item.record, tx, info, now=item.now)
                await tx.flush()  # the record steps' rows, one INSERT per table
            await idempotency.write_many(
                conn,
                [
                    (item.keyed, str(item.reservation.id))
                    for item in live
                    if item.keyed is not None and item.refused is None
                ],
            )
    except Exception as exc:
        if isinstance(exc, RecordFailed) and not isolate:
            raise  # rolled back: written again with savepoints
        for item in live:
            item.refused = None
            if not item.done.done():
                await _alone(item)
        return
    assert tx is not None
    for item in live:
        if item.keyed is not None and item.refused is None:
            item.keyed.written = True
        if item.refused is not None:
            item.done.set_exception(item.refused)
        else:
            item.done.set_result((item.reservation, item.value))
    await tx.committed()


async def _record_each(tx: Tx, live: list[Pending]) -> None:
    """Each request's record step in its own savepoint; the refused ones leave the batch."""
    refused: list[int] = []
    for item in live:
        if item.record is None:
            continue
        info = await info_of(item.reservation, created=True)
        try:
            async with savepoint(tx) as step:
                item.value = await run_record(item.record, step, info, now=item.now)
        except RecordFailed as failed:
            item.refused = failed
            refused.append(item.reservation.id)
    if refused:
        await Occupancy.filter(reservation_id__in=refused).using_db(tx.conn).delete()
        await Reservation.filter(id__in=refused).using_db(tx.conn).delete()


async def _allocate_ids(conn: BaseDBAsyncClient, count: int) -> list[int]:
    """Ids for a multi-row insert (one statement for the whole batch, no RETURNING).

    PostgreSQL hands out sequence values; SQLite runs one transaction at a time, so the
    ids after the current maximum are free until this transaction commits.
    """
    if conn.capabilities.dialect == "postgres":
        rows = await conn.execute_query_dict(
            "SELECT nextval(pg_get_serial_sequence('booking_reservation', 'id')) AS id "
            "FROM generate_series(1, $1)",
            [count],
        )
        return [int(row["id"]) for row in rows]
    rows = await conn.execute_query_dict('SELECT MAX("id") AS top FROM "booking_reservation"')
    top = int(rows[0]["top"] or 0)
    return list(range(top + 1, top + 1 + count))


def _with_id(row: Reservation, reservation_id: int) -> Reservation:
    return Reservation(
        id=reservation_id,
        resource_id=row.resource_id,
        user_id=row.user_id,
        slot_ids=row.slot_ids,
        quantity=row.quantity,
        status=row.status,
        idempotency_key=row.idempotency_key,
        counters=row.counters,
        wait_seq=row.wait_seq,
        expires_at=row.expires_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def _stale_items(batch: list[Pending]) -> list[Pending]:
    resource_ids = sorted({item.resource_id for item in batch})
    redis = resources.redis()
    async with redis.pipeline(transaction=False) as pipe:
        for resource_id in resource_ids:
            pipe.hget(store.state_key(resource_id), "epoch")
        current = dict(zip(resource_ids, await pipe.execute(), strict=True))
    return [
        item
        for item in batch
        if current[item.resource_id] is not None and current[item.resource_id] != item.epoch
    ]


async def _alone(item: Pending) -> None:
    try:
        item.done.set_result(await item.write_alone())
    except BaseException as exc:  # noqa: BLE001 - handed to the waiting request, which compensates
        item.done.set_exception(exc)
