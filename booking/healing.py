"""Self-healing: compare each Redis copy with the database and rewrite it on drift.

Drift comes from a worker that died between the Redis step and its transaction (places
taken but never written), a cancellation whose give-back never ran, or a promotion whose
write failed. The comparison runs under the exclusive resource lock (booking/store.py),
so no write is in flight; requests that took places but have not reached their
transaction yet look like drift too, and after a rewrite they find a new epoch and
simply run their Redis step again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from booking import release, store
from booking.api import ReconcileReport
from booking.views import known_id
from models.booking import Reservation, Resource
from server import resources
from server.errors import InvalidState

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


async def expire_holds(*, now: datetime) -> int:
    """Held reservations past their hold TTL give their places back (status expired)."""
    expired = 0
    due: list[Any] = await Reservation.filter(status="held", expires_at__lte=now).values_list(
        "id", flat=True
    )
    for reservation_id in due:
        try:
            await release.cancel(reservation_id=int(reservation_id), status="expired", now=now)
            expired += 1
        except InvalidState:  # confirmed or cancelled meanwhile: nothing to expire
            continue
    return expired
