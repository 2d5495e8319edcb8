"""Self-healing: compare each Redis copy with the database and rewrite it on drift.

Drift comes from a worker that died between the Redis step and its transaction (places
taken but never written), a cancellation whose give-back never ran, or a promotion whose
write failed. The comparison runs under the exclusive resource lock (booking/store.py),
so no write is in flight; requests that took places but have not reached their
transaction yet look like drift too, and after a rewrite they find a new epoch and
simply run their Redis step again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from booking import domains, release, store
from booking.convert import known_id
from booking.types import LIVE, ReconcileReport
from models.booking import Reservation, Resource, Slot
from server import resources
from server.clock import utc
from server.errors import InvalidState, NotFound
from server.logs import get_logger

log = get_logger("booking")
ORPHAN_BATCH = 500

_COUNT_PREFIXES = ("b:", "u:", "us:", "U:")
_IGNORED = ("epoch", "seq")


def _normal(fields: dict[str, str]) -> dict[str, str]:
    """Zero counts and in-flight markers carry no information to compare."""
    out = {}
    for name, value in fields.items():
        if name in _IGNORED or name.startswith("p:"):
            continue
        if name.startswith(_COUNT_PREFIXES) and value == "0":
            continue
        if name.startswith("i:") and value.startswith("P:"):
            continue
        out[name] = value
    return out


async def _resources_with_copies() -> list[int]:
    found = set()
    async for key in resources.redis().scan_iter(match="bk:{*}:s", count=1000):
        inner = key[len("bk:{") : key.index("}")]
        if inner.isdigit():
            found.add(int(inner))
    return sorted(found)


async def reconcile_one(resource_id: int) -> list[dict[str, Any]]:
    """Differences found (and repaired) on one resource's copy."""
    redis = resources.redis()
    key = store.state_key(resource_id)
    async with store.hydration_lock(resource_id) as got:
        if not got:
            return []  # a hydration is running: its copy comes from the database anyway
        async with in_transaction() as conn:
            await store.lock_resource(conn, resource_id, exclusive=True)
            if not await Resource.filter(id=resource_id).using_db(conn).exists():
                await redis.delete(key)
                return [{"resource_id": resource_id, "field": "*", "redis": "orphan"}]
            current: dict[str, str] = dict(await redis.hgetall(key))  # type: ignore[arg-type]
            if not current:
                return []  # nothing to compare: it is hydrated on the next use
            truth = await store.load_truth(conn, resource_id)
            diffs: list[dict[str, Any]] = []
            want, have = _normal(truth.fields), _normal(current)
            for name in sorted(set(want) | set(have)):
                if want.get(name) != have.get(name):
                    diffs.append({"field": name, "redis": have.get(name), "db": want.get(name)})
            for slot_id, entries in truth.queues.items():
                queued: list[str] = await redis.lrange(  # type: ignore[assignment]
                    store.queue_key(resource_id, slot_id), 0, -1
                )
                pending = {f.split(":", 1)[1] for f in current if f.startswith("p:")}
                queued = [e for e in queued if e.split("|", 1)[0] not in pending]
                if queued != entries:
                    diffs.append({"field": f"queue:{slot_id}", "redis": queued, "db": entries})
            if diffs:
                truth.fields["seq"] = str(max(int(truth.fields["seq"]), int(current.get("seq", 0))))
                await store.write_copy(resource_id, truth, force=True)
    return [{"resource_id": resource_id, **d} for d in diffs]


async def reconcile(*, resource_id: int | None = None, now: datetime) -> ReconcileReport:
    if resource_id is not None:
        known_id(resource_id, "预订资源")
    ids = [resource_id] if resource_id is not None else await _resources_with_copies()
    details: list[dict[str, Any]] = []
    for rid in ids:
        details += await reconcile_one(rid)
        # Waiting requests that fit now (a lost promotion, places freed while Redis was away).
        slots = str((await resources.redis().hget(store.state_key(rid), "slots")) or "")
        slot_ids = [int(s) for s in slots.split(",") if s]
        if slot_ids:
            await release.promote(resource_id=rid, slot_ids=slot_ids, now=now)
    return ReconcileReport(resources=len(ids), keys_repaired=len(details), details=details[:100])


# Resources whose slots end after now minus this are the ones a process that died may
# have been taking places on; older ones wait for the minute's reconcile.
RECENT = timedelta(hours=6)


async def heal_at_start(*, now: datetime) -> ReconcileReport:
    """Reconcile the resources with recent activity, when a web or background process starts.

    A process killed between its Redis step and its transaction leaves places taken in
    Redis that no row backs. The minute's reconcile job gives them back, but only within
    the minute: a restart is the moment such a crash has just happened, so each process
    that starts compares, at once, the copies of the resources being booked now (slots
    ending from RECENT ago on, whose copy is in Redis) and rewrites the ones that drifted.
    Requests of live processes caught mid-way simply run their Redis step again.
    """
    rows = await Slot.filter(end__gt=utc(now - RECENT)).distinct().values_list("resource_id")
    recent = {int(row[0]) for row in rows}
    ids = [rid for rid in await _resources_with_copies() if rid in recent]
    details: list[dict[str, Any]] = []
    for rid in ids:
        details += await reconcile_one(rid)
    if details:
        log.warning("booking copies healed at start: %d keys repaired", len(details))
    return ReconcileReport(resources=len(ids), keys_repaired=len(details), details=details[:100])


async def expire_holds(*, now: datetime) -> int:
    """Held reservations past their hold TTL give their places back (status expired)."""
    expired = 0
    due: list[Any] = await Reservation.filter(status="held", expires_at__lte=now).values_list(
        "id", flat=True
    )
    for reservation_id in due:
        try:
            await release.cancel(
                reservation_id=int(reservation_id), status="expired", record=None, now=now
            )
            expired += 1
        except InvalidState:  # confirmed or cancelled meanwhile: nothing to expire
            continue
    return expired


async def repair_orphans(*, now: datetime) -> list[dict[str, Any]]:
    """Live reservations whose domain row does not exist give their places back.

    Since "one action, one transaction" a reservation and its domain row commit
    together, so none can appear any more; databases written by the code before (the
    reservation committed, the process killed before the order) may hold some, and
    their users were locked out (`limit_reached`) with no order to show. Each is
    cancelled through the engine (places, dish stock and the user's limit come back,
    waitlist heads are promoted) and logged.
    """
    repaired: list[dict[str, Any]] = []
    for domain, hooks in sorted(domains.registered().items()):
        if hooks.recorded is None:
            continue
        after = 0
        while True:
            batch: list[Any] = await (
                Reservation.filter(resource__domain=domain, status__in=LIVE, id__gt=after)
                .order_by("id")
                .limit(ORPHAN_BATCH)
                .values_list("id", "user_id", "resource_id", "status")
            )
            if not batch:
                break
            after = int(batch[-1][0])
            have = await hooks.recorded([int(row[0]) for row in batch])
            for reservation_id, user_id, resource_id, status in batch:
                if int(reservation_id) in have:
                    continue
                try:
                    await release.cancel(
                        reservation_id=int(reservation_id), status="cancelled", record=None, now=now
                    )
                except (InvalidState, NotFound):  # ended meanwhile: nothing to give back
                    continue
                found = {
                    "domain": domain,
                    "reservation_id": int(reservation_id),
                    "user_id": int(user_id),
                    "resource_id": int(resource_id),
                    "status": status,
                }
                log.warning("orphan reservation given back: %s", found)
                repaired.append(found)
    return repaired
