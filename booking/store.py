"""The database side of the gate: locks, the truth of a resource, hydration of Redis.

Why the copy of the Redis state can be thrown away at any moment without losing or
duplicating a booking (FLUSHALL, SCRIPT FLUSH, a restart, an evicted key):

- Every copy of a resource's state carries an `epoch` (random id). The Lua step that
  accepts a request returns the epoch it took the places from.
- A request that took places writes its reservation in a transaction that first takes
  a *shared* lock on the resource row (PostgreSQL `FOR SHARE`; SQLite transactions are
  serialized anyway), then re-reads the epoch: if a *different* copy exists, that copy
  was built from the database without this request, so the transaction is abandoned and
  the request starts again against the new copy. If no copy exists, the next hydration
  will count it (see below). The same epoch: commit.
- Hydration (building a copy from the database) takes the *exclusive* lock on the
  resource row (`FOR UPDATE`), so it waits for every transaction in flight, reads the
  committed truth, and writes the copy before it releases the lock. Any writer that
  reaches its lock later sees the new epoch and retries. So a copy counts exactly the
  committed rows plus what later requests take from it.
- Compensation (a failed write gives places back) and cancellation (places given back
  after the commit) apply only to the copy with the epoch they saw, never to a newer
  copy, which was built from the database and is already right.
- A short Redis lock (SET NX) keeps two workers from hydrating the same resource at
  once; the loser waits for the winner's copy. A copy is written only if none exists,
  except by `reconcile`, which compares and rewrites a drifted copy under the same lock.

The database constraints (models/booking.py) make a double booking impossible even if
Redis were bypassed altogether.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from booking import lua
from booking.types import LIVE, OCCUPYING
from models.booking import Counter, Reservation, Resource, Slot
from server import resources
from server.errors import NotFound, ServiceUnavailable


def state_key(resource_id: int) -> str:
    return f"bk:{{{resource_id}}}:s"


def queue_prefix(resource_id: int) -> str:
    return f"bk:{{{resource_id}}}:q:"


def queue_key(resource_id: int, slot_id: int | str) -> str:
    return f"{queue_prefix(resource_id)}{slot_id}"


def lock_key(resource_id: int) -> str:
    return f"bk:{{{resource_id}}}:hl"


async def run(source: str, *, keys: list[str], args: list[Any]) -> Any:
    """One Lua step: EVALSHA, or EVAL with the source when Redis lost the script, over
    the process's pipelined Lua connection (server/lua_channel.py: the hot path)."""
    return await resources.lua_channel().evalsha(source, keys, args)


async def forget(resource_id: int) -> None:
    """Drop the Redis copy of a resource that has just been created.

    A new resource has no reservation, so any copy under its id is left over from a
    resource whose creation rolled back (SQLite hands the same id out again after a
    rollback; a crashed set-up may have left places taken under it). The next request
    hydrates a fresh copy from the database.
    """
    redis = resources.redis()
    keys = [state_key(resource_id)]
    keys += [
        key async for key in redis.scan_iter(match=f"{queue_prefix(resource_id)}*", count=1000)
    ]
    await redis.delete(*keys)


class Stale(Exception):
    """The copy of the state this request took places from was replaced meanwhile."""


async def lock_resource(conn: BaseDBAsyncClient, resource_id: int, *, exclusive: bool) -> None:
    """Row lock that orders writers (shared) against hydration (exclusive).

    SQLite needs none: Tortoise runs one transaction at a time on its one connection.
    """
    if conn.capabilities.dialect != "postgres":
        return
    mode = "UPDATE" if exclusive else "SHARE"
    await conn.execute_query(
        f'SELECT "id" FROM "booking_resource" WHERE "id" = $1 FOR {mode}', [resource_id]
    )


async def check_epoch(resource_id: int, epoch: str) -> None:
    """Inside the writer's transaction, after lock_resource: raise Stale if replaced."""
    current = await resources.redis().hget(state_key(resource_id), "epoch")
    if current is not None and current != epoch:
        raise Stale()


@dataclass
class Truth:
    """A resource's state as the database says, in the Redis layout (booking/lua.py)."""

    fields: dict[str, str]
    queues: dict[int, list[str]] = field(default_factory=dict)


def entry_text(
    *, seq: int, user_id: int, quantity: int, slot_ids: list[int], counters: dict[str, int]
) -> str:
    parts = ";".join(f"{name}={amount}" for name, amount in counters.items())
    return f"{seq}|{user_id}|{quantity}|{','.join(map(str, slot_ids))}|{parts}"


def slot_time(start: Any, end: Any) -> str:
    return f"{int(start.timestamp())}:{int(end.timestamp())}"


async def load_truth(conn: BaseDBAsyncClient, resource_id: int) -> Truth:
    """Compute the whole state of a resource from committed rows."""
    resource = await Resource.filter(id=resource_id).using_db(conn).first()
    if resource is None:
        raise NotFound("预订资源不存在")
    fields: dict[str, str] = {
        "pl": str(resource.per_user_limit if resource.per_user_limit is not None else -1),
        "ops": "1" if resource.one_per_user_per_slot else "0",
        "wl": "1" if resource.waitlist else "0",
        "cons": "1" if resource.consecutive else "0",
        "fc": resource.full_code,
        "ht": str(resource.hold_ttl_s if resource.hold_ttl_s is not None else -1),
        "closed": "1" if resource.closed else "0",
    }
    slots = (
        await Slot.filter(resource_id=resource_id)
        .using_db(conn)
        .order_by("start")
        .values_list("id", "start", "end", "capacity")
    )
    fields["slots"] = ",".join(str(row[0]) for row in slots)
    counts: dict[str, int] = defaultdict(int)
    for slot_id, start, end, capacity in slots:
        fields[f"c:{slot_id}"] = str(capacity)
        fields[f"t:{slot_id}"] = slot_time(start, end)
        counts[f"b:{slot_id}"] = 0
    for name, limit in (
        await Counter.filter(resource_id=resource_id).using_db(conn).values_list("name", "limit")
    ):
        fields[f"L:{name}"] = str(limit)
        counts[f"U:{name}"] = 0
    rows = (
        await Reservation.filter(resource_id=resource_id, status__in=[*OCCUPYING, *LIVE])
        .using_db(conn)
        .values_list("user_id", "slot_ids", "quantity", "status", "counters", "wait_seq")
    )
    waiting: list[tuple[int, str, list[int]]] = []
    for user_id, slot_ids, quantity, status, taken, wait_seq in rows:
        if status in OCCUPYING:
            for slot_id in slot_ids:
                counts[f"b:{slot_id}"] += quantity
            for name, amount in (taken or {}).items():
                counts[f"U:{name}"] += amount
        if status in LIVE:
            counts[f"u:{user_id}"] += 1
            for slot_id in slot_ids:
                counts[f"us:{slot_id}:{user_id}"] += 1
        if status == "waitlisted" and wait_seq is not None:
            text = entry_text(
                seq=wait_seq,
                user_id=user_id,
                quantity=quantity,
                slot_ids=slot_ids,
                counters=taken or {},
            )
            waiting.append((wait_seq, text, slot_ids))
    fields.update({name: str(value) for name, value in counts.items()})
    for user_id, key, reservation_id in (
        await Reservation.filter(resource_id=resource_id, idempotency_key__isnull=False)
        .using_db(conn)
        .values_list("user_id", "idempotency_key", "id")
    ):
        fields[f"i:{user_id}:{key}"] = str(reservation_id)
    seqs: list[Any] = (
        await Reservation.filter(resource_id=resource_id, wait_seq__isnull=False)
        .using_db(conn)
        .values_list("wait_seq", flat=True)
    )
    fields["seq"] = str(max([0, *(int(s) for s in seqs)]))
    queues: dict[int, list[str]] = {int(row[0]): [] for row in slots}
    for _, text, slot_ids in sorted(waiting):
        for slot_id in slot_ids:
            queues.setdefault(slot_id, []).append(text)
    return Truth(fields=fields, queues=queues)


async def write_copy(resource_id: int, truth: Truth, *, force: bool) -> bool:
    """Write a new copy (new epoch) of the state; only if none exists unless forced."""
    fields = {**truth.fields, "epoch": uuid.uuid4().hex}
    slot_ids = sorted(truth.queues)
    args: list[Any] = ["1" if force else "0", len(fields)]
    for name, value in fields.items():
        args += [name, value]
    for slot_id in slot_ids:
        args.append(len(truth.queues[slot_id]))
        args += truth.queues[slot_id]
    keys = [state_key(resource_id), *(queue_key(resource_id, s) for s in slot_ids)]
    return bool(await run(lua.HYDRATE, keys=keys, args=args))


@asynccontextmanager
async def hydration_lock(resource_id: int) -> AsyncIterator[bool]:
    """The short Redis lock around hydration; yields whether this worker holds it."""
    token = uuid.uuid4().hex
    key = lock_key(resource_id)
    got = bool(await resources.redis().set(key, token, nx=True, px=5000))
    try:
        yield got
    finally:
        if got:
            await run(lua.UNLOCK, keys=[key], args=[token])


async def hydrate(resource_id: int) -> None:
    """Make sure a copy of the state exists, building it from the database if needed.

    Only one worker builds it (Redis lock); the others wait for its copy to appear.
    """
    redis = resources.redis()
    for attempt in range(400):
        if await redis.hexists(state_key(resource_id), "epoch"):
            return
        async with hydration_lock(resource_id) as got:
            if got:
                # Checked again under the lock: a worker that saw no copy may get the
                # lock just after another one built it and released it.
                if await redis.hexists(state_key(resource_id), "epoch"):
                    return
                async with in_transaction() as conn:
                    await lock_resource(conn, resource_id, exclusive=True)
                    truth = await load_truth(conn, resource_id)
                    await write_copy(resource_id, truth, force=False)
                return
        await asyncio.sleep(min(0.001 * (attempt + 1), 0.02))
    raise ServiceUnavailable("预订服务繁忙，请稍后再试")


async def patch(resource_id: int) -> None:
    """Add slots and counters created after the copy was built, and copy changed
    definitions (capacities, limits, closed) from the database (definitions only).

    Counts of slots and counters already in the copy are kept (they may include requests
    in flight); new ones get the database's count, read under the exclusive lock.
    """
    if not await resources.redis().hexists(state_key(resource_id), "epoch"):
        return
    async with in_transaction() as conn:
        await lock_resource(conn, resource_id, exclusive=True)
        truth = await load_truth(conn, resource_id)
        definitions = {
            k: v
            for k, v in truth.fields.items()
            if k.startswith(("c:", "t:", "L:")) or k in ("slots", "closed")
        }
        counts = {k: v for k, v in truth.fields.items() if k.startswith(("b:", "U:"))}
        args: list[Any] = [len(definitions)]
        for name, value in [*definitions.items(), *counts.items()]:
            args += [name, value]
        await run(lua.PATCH, keys=[state_key(resource_id)], args=args)
