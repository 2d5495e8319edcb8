"""Release: confirm, cancel, finish, and promotion of the waitlist heads.

`cancel` commits first and gives places back afterwards (to the copy of the Redis state
read in its transaction, see booking/store.py), so a place is never offered twice while
the cancellation might still fail; the Lua step that frees it promotes the waitlist
heads that fit in the same atomic step, and their confirmation is written next and
published as `Promoted` after that commit.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from booking import events, lua, store
from booking.api import FREED, LIVE, OCCUPYING, Promoted, ReservationInfo
from booking.views import known_id, reservation_info
from models.booking import Occupancy, Reservation, Resource, Slot, WaitlistEntry
from server import resources
from server.errors import InvalidInput, InvalidState, NotFound

log = logging.getLogger("booking")


async def confirm(*, reservation_id: int, now: datetime) -> ReservationInfo:
    """held → confirmed. Places were taken when it was held, so Redis is unchanged."""
    known_id(reservation_id, "预订")
    async with in_transaction() as conn:
        row = await Reservation.filter(id=reservation_id).using_db(conn).select_for_update().first()
        if row is None:
            raise NotFound("预订不存在")
        if row.status != "held":
            raise InvalidState(row.status)
        row.status, row.expires_at, row.updated_at = "confirmed", None, now
        await row.save(using_db=conn, update_fields=["status", "expires_at", "updated_at"])
    return await reservation_info(reservation_id)


async def cancel(
    *, reservation_id: int, status: str, now: datetime
) -> tuple[ReservationInfo, list[ReservationInfo]]:
    if status not in FREED:
        raise InvalidInput({"status": "取消状态应为 cancelled/released/expired/rejected"})
    found: list[Any] = await Reservation.filter(id=known_id(reservation_id, "预订")).values_list(
        "resource_id", flat=True
    )
    if not found:
        raise NotFound("预订不存在")
    rid = int(found[0])
    async with in_transaction() as conn:
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
    return await reservation_info(reservation_id), promoted


async def finish(*, reservation_id: int, status: str, now: datetime) -> ReservationInfo:
    """completed / no_show: places stay counted, the reservation stops being live."""
    if status not in ("completed", "no_show"):
        raise InvalidInput({"status": "结束状态应为 completed 或 no_show"})
    found: list[Any] = await Reservation.filter(id=known_id(reservation_id, "预订")).values_list(
        "resource_id", flat=True
    )
    if not found:
        raise NotFound("预订不存在")
    rid = int(found[0])
    async with in_transaction() as conn:
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
    if epoch:
        await store.run(
            lua.FINISH,
            keys=[store.state_key(rid)],
            args=[epoch, row.user_id, len(row.slot_ids), *row.slot_ids],
        )
    return await reservation_info(reservation_id)


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
    """Write the promotions Redis decided; undo in Redis those the database refuses."""
    seqs = [int(entry.split("|", 1)[0]) for entry in entries]
    done: list[int] = []
    try:
        async with in_transaction() as conn:
            await store.lock_resource(conn, resource_id, exclusive=False)
            await store.check_epoch(resource_id, epoch)
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
                done.append(row.id)
    except store.Stale:
        return []  # the new copy was built from the database: they are still waiting there
    except Exception:
        log.exception("booking: promotion write failed on resource %s", resource_id)
        await _unpromote(resource_id, epoch=epoch, entries=entries, requeue=set(seqs))
        return []
    refused = [entry for entry, seq in zip(entries, seqs, strict=True) if seq not in rows]
    if refused:
        await _unpromote(resource_id, epoch=epoch, entries=refused, requeue=set())
    resource = await Resource.get(id=resource_id)
    promoted = [await reservation_info(reservation_id) for reservation_id in done]
    for info in promoted:
        await events.publish(
            Promoted(
                domain=resource.domain,
                resource_id=resource_id,
                reservation_id=info.id,
                user_id=info.user_id,
                slot_ids=info.slot_ids,
            )
        )
    return promoted


async def _unpromote(
    resource_id: int, *, epoch: str, entries: list[str], requeue: set[int]
) -> None:
    args: list[Any] = [epoch, store.queue_prefix(resource_id)]
    for entry in entries:
        args += [entry, "1" if int(entry.split("|", 1)[0]) in requeue else "0"]
    await store.run(lua.UNPROMOTE, keys=[store.state_key(resource_id)], args=args)
