"""Release: confirm, cancel, finish, and promotion of the waitlist heads.

Each runs the domain's record step (its row's status change) inside its own
transaction, so the reservation and the domain row change together or not at all.
`cancel` commits first and gives places back afterwards (to the copy of the Redis state
read in its transaction, see booking/store.py), so a place is never offered twice while
the cancellation might still fail; the Lua step that frees it promotes the waitlist
heads that fit in the same atomic step, and their confirmation is written next together
with each domain's `on_promoted` record step (one savepoint per promotion). A process
killed between those steps leaves Redis ahead of the database, never the reverse, and
reconcile rebuilds the copy from the database and promotes again.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from typing import Any

from booking import domains, lua, store
from booking.convert import info_of, known_id, reservation_info
from booking.domains import RecordFailed, run_record
from booking.types import FREED, LIVE, OCCUPYING, CancelResult, Record, ReservationInfo
from models.booking import Occupancy, Reservation, Resource, Slot, WaitlistEntry
from server import resources
from server.errors import InvalidInput, InvalidState, NotFound
from server.tx import Tx, savepoint, transaction

log = logging.getLogger("booking")


async def confirm(
    *, reservation_id: int, record: Record | None = None, now: datetime
) -> ReservationInfo:
    """held → confirmed (InvalidState otherwise); `record` rides in its transaction.
    Places were taken when it was held, so Redis is unchanged."""
    known_id(reservation_id, "预订")
    async with transaction() as tx:
        conn = tx.conn
        row = await Reservation.filter(id=reservation_id).using_db(conn).select_for_update().first()
        if row is None:
            raise NotFound("预订不存在")
        if row.status != "held":
            raise InvalidState(row.status)
        row.status, row.expires_at, row.updated_at = "confirmed", None, now
        await row.save(using_db=conn, update_fields=["status", "expires_at", "updated_at"])
        value = await _record(record, tx, row, now=now)
    return replace(await reservation_info(reservation_id), record=value)


async def _record(record: Record | None, tx: Tx, row: Reservation, *, now: datetime) -> Any:
    """The domain's step in the engine's transaction; its own error, as it raised it."""
    try:
        return await run_record(record, tx, await info_of(row, created=False), now=now)
    except RecordFailed as failed:
        raise failed.error from None


async def cancel(
    *,
    reservation_id: int,
    status: str = "cancelled",
    record: Record | None = None,
    now: datetime,
) -> CancelResult:
    """End a live reservation with a freeing status and give its places back.

    `record` (the domain's status change) commits with the cancellation; if it raises,
    nothing changes. After the commit the places go back and waitlisted reservations at
    the head of the slot's queue that now fit (places and counters) are promoted, each
    recorded by its domain's `on_promoted` step in the promotion's transaction.
    """
    if status not in FREED:
        raise InvalidInput({"status": "取消状态应为 cancelled/released/expired/rejected"})
    found: list[Any] = await Reservation.filter(id=known_id(reservation_id, "预订")).values_list(
        "resource_id", flat=True
    )
    if not found:
        raise NotFound("预订不存在")
    rid = int(found[0])
    async with transaction() as tx:
        conn = tx.conn
        await store.lock_resource(conn, rid, exclusive=False)
        row = await Reservation.filter(id=reservation_id).using_db(conn).select_for_update().first()
        if row is None:
            raise NotFound("预订不存在")
        if row.status not in LIVE:
            raise InvalidState(row.status)
        epoch = await resources.redis().hget(store.state_key(rid), "epoch")
        was_occupying, seq = row.status in OCCUPYING, row.wait_seq
        waited = row.status == "waitlisted"
        row.status, row.updated_at = status, now
        await row.save(using_db=conn, update_fields=["status", "updated_at"])
        await (
            Occupancy.filter(reservation_id=reservation_id)
            .using_db(conn)
            .update(occupied=False, exclusive_key=None, user_slot_key=None)
        )
        await WaitlistEntry.filter(reservation_id=reservation_id).using_db(conn).delete()
        value = await _record(record, tx, row, now=now)
    args: list[Any] = [
        epoch or "",
        row.user_id,
        row.quantity,
        "1" if was_occupying else "0",
        "1",
        seq if waited and seq is not None else "",
        store.queue_prefix(rid),
        len(row.slot_ids),
        *row.slot_ids,
    ]
    for name, amount in (row.counters or {}).items():
        args += [name, amount]
    keys = [store.state_key(rid), *(store.queue_key(rid, s) for s in row.slot_ids)]
    reply = await store.run(lua.RELEASE, keys=keys, args=args)
    promoted: list[ReservationInfo] = []
    if reply[0] == "MISSING":
        # No copy to give back to: build one from the database (which has the
        # cancellation) and let the waitlist heads take the freed places first.
        await store.hydrate(rid)
        promoted = await promote(resource_id=rid, slot_ids=row.slot_ids, now=now)
    elif len(reply) > 2:
        promoted = await _commit_promotions(rid, epoch=reply[1], entries=reply[2:], now=now)
    reservation = replace(await reservation_info(reservation_id), record=value)
    return CancelResult(reservation=reservation, promoted=promoted)


async def finish(
    *, reservation_id: int, status: str, record: Record | None = None, now: datetime
) -> ReservationInfo:
    """Terminal status that keeps the places counted (completed, no_show): the
    reservation stops being live."""
    if status not in ("completed", "no_show"):
        raise InvalidInput({"status": "结束状态应为 completed 或 no_show"})
    found: list[Any] = await Reservation.filter(id=known_id(reservation_id, "预订")).values_list(
        "resource_id", flat=True
    )
    if not found:
        raise NotFound("预订不存在")
    rid = int(found[0])
    async with transaction() as tx:
        conn = tx.conn
        await store.lock_resource(conn, rid, exclusive=False)
        row = await Reservation.filter(id=reservation_id).using_db(conn).select_for_update().first()
        if row is None:
            raise NotFound("预订不存在")
        if row.status not in ("held", "confirmed"):
            raise InvalidState(row.status)
        epoch = await resources.redis().hget(store.state_key(rid), "epoch")
        row.status, row.updated_at, row.expires_at = status, now, None
        await row.save(using_db=conn, update_fields=["status", "updated_at", "expires_at"])
        await (
            Occupancy.filter(reservation_id=reservation_id)
            .using_db(conn)
            .update(user_slot_key=None)
        )
        value = await _record(record, tx, row, now=now)
    if epoch:
        await store.run(
            lua.FINISH,
            keys=[store.state_key(rid)],
            args=[epoch, row.user_id, len(row.slot_ids), *row.slot_ids],
        )
    return replace(await reservation_info(reservation_id), record=value)


async def promote(*, resource_id: int, slot_ids: list[int], now: datetime) -> list[ReservationInfo]:
    """Promote the waitlist heads of these slots that fit now (nothing to give back)."""
    keys = [store.state_key(resource_id), *(store.queue_key(resource_id, s) for s in slot_ids)]
    args: list[Any] = ["", 0, 0, "0", "0", "", store.queue_prefix(resource_id), 0]
    reply = await store.run(lua.RELEASE, keys=keys, args=args)
    if reply[0] != "OK" or len(reply) <= 2:
        return []
    return await _commit_promotions(resource_id, epoch=reply[1], entries=reply[2:], now=now)


async def _commit_promotions(
    resource_id: int, *, epoch: str, entries: list[str], now: datetime
) -> list[ReservationInfo]:
    """Write the promotions Redis decided, each with its domain's record step in a
    savepoint; undo in Redis those the database (or the domain) refuses."""
    seqs = [int(entry.split("|", 1)[0]) for entry in entries]
    done: list[int] = []
    kept_waiting: set[int] = set()  # the domain refused: still waiting in the database
    try:
        async with transaction() as tx:
            conn = tx.conn
            await store.lock_resource(conn, resource_id, exclusive=False)
            await store.check_epoch(resource_id, epoch)
            domain = (
                await Resource.filter(id=resource_id)
                .using_db(conn)
                .values_list("domain", flat=True)
            )
            record = domains.hooks(str(domain[0]) if domain else "").promoted
            rows = {
                row.wait_seq: row
                for row in await Reservation.filter(
                    resource_id=resource_id, wait_seq__in=seqs, status="waitlisted"
                )
                .using_db(conn)
                .select_for_update()
            }
            all_slots = {s for row in rows.values() for s in row.slot_ids}
            caps = dict(
                await Slot.filter(id__in=list(all_slots))
                .using_db(conn)
                .values_list("id", "capacity")
            )
            for seq in seqs:
                row = rows.get(seq)
                if row is None:
                    continue
                try:
                    async with savepoint(tx) as step:
                        await _promote_row(step, row, caps=caps, record=record, now=now)
                except RecordFailed:
                    log.exception(
                        "booking: the domain refused promotion %s of resource %s",
                        row.id,
                        resource_id,
                    )
                    kept_waiting.add(seq)
                    continue
                done.append(row.id)
    except store.Stale:
        return []  # the new copy was built from the database: they are still waiting there
    except Exception:
        log.exception("booking: promotion write failed on resource %s", resource_id)
        await _unpromote(resource_id, epoch=epoch, entries=entries, requeue=set(seqs))
        return []
    refused = [
        entry
        for entry, seq in zip(entries, seqs, strict=True)
        if seq not in rows or seq in kept_waiting
    ]
    if refused:
        await _unpromote(resource_id, epoch=epoch, entries=refused, requeue=kept_waiting)
    return [await reservation_info(reservation_id) for reservation_id in done]


async def _promote_row(
    tx: Tx, row: Reservation, *, caps: dict[int, int], record: Record | None, now: datetime
) -> None:
    """waitlisted → confirmed in the database, and the domain's row with it."""
    conn = tx.conn
    row.status, row.updated_at = "confirmed", now
    await row.save(using_db=conn, update_fields=["status", "updated_at"])
    for slot_id in row.slot_ids:
        await (
            Occupancy.filter(reservation_id=row.id, slot_id=slot_id)
            .using_db(conn)
            .update(
                occupied=True,
                exclusive_key=str(slot_id) if caps.get(slot_id) == 1 else None,
            )
        )
    await WaitlistEntry.filter(reservation_id=row.id).using_db(conn).delete()
    await run_record(record, tx, await info_of(row, created=False), now=now)


async def _unpromote(
    resource_id: int, *, epoch: str, entries: list[str], requeue: set[int]
) -> None:
    args: list[Any] = [epoch, store.queue_prefix(resource_id)]
    for entry in entries:
        args += [entry, "1" if int(entry.split("|", 1)[0]) in requeue else "0"]
    await store.run(lua.UNPROMOTE, keys=[store.state_key(resource_id)], args=args)
