"""Booking engine benchmark: one hot slot, engine vs database-only baselines; soak mode.

    .venv/bin/python -m bench.booking_bench --db sqlite
    .venv/bin/python -m bench.booking_bench --db postgres      # needs a PostgreSQL server
    .venv/bin/python -m bench.booking_bench --db postgres --soak 1000

Every variant books the same kind of hot slot in the same run, with the same number of
concurrent clients and the same database connection pool:

- engine:      booking.reserve() (Redis Lua gate, then the database transaction)
- for_update:  BEGIN; SELECT booked, capacity ... FOR UPDATE; UPDATE; INSERT; COMMIT
- conditional: BEGIN; UPDATE ... SET booked = booked + 1 WHERE booked < capacity; INSERT; COMMIT

Accepts: a slot with room for every attempt. Rejections: a full slot. Soak: randomised
trials (capacity, quantities, users) of 200 concurrent engine attempts on one slot,
checking after each that the database holds at most the capacity and that Redis, the
database and availability() agree; it stops at the first counterexample.

Environment: BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/bench_booking; the
database is created if missing and its schema rebuilt), BENCH_REDIS_URL (default
redis://127.0.0.1:6379/1, flushed; an embedded redis-server is started when it is
unreachable). SQLite uses a fresh file in a temporary directory.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import platform
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/bench_booking")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/1")
NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
_users = itertools.count(10_000_000)


async def _prepare_postgres(url: str) -> None:
    import asyncpg

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin = await asyncpg.connect(url.rsplit("/", 1)[0] + "/postgres")
    try:
        if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;")
    finally:
        await conn.close()


async def _redis_url() -> str:
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(REDIS_URL)
    try:
        await client.ping()
        await client.flushdb()
        return REDIS_URL
    except Exception:
        from server.resources import start_embedded_redis

        return start_embedded_redis(Path(tempfile.mkdtemp(prefix="bench-redis-")))
    finally:
        await client.aclose()


async def open_everything(db: str, pool: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench-booking-"))
    os.environ["VAR_DIR"] = str(tmp)
    os.environ.setdefault("WECHAT_API_BASE", "http://127.0.0.1:9")  # never called here
    os.environ["APP_ENV"] = "test"
    if db == "postgres":
        await _prepare_postgres(PG_URL)
        os.environ["DATABASE_URL"] = f"{PG_URL}?minsize=1&maxsize={pool}"
    else:
        os.environ["DATABASE_URL"] = f"sqlite://{tmp / 'bench.sqlite3'}"
    os.environ["REDIS_URL"] = await _redis_url()
    from server import resources
    from server.config import load_settings
    from server.db import migrate

    settings = load_settings()
    await migrate(settings.database_url)
    await resources.open_resources(settings)
    await _create_baseline_tables(db)


async def _create_baseline_tables(db: str) -> None:
    from tortoise import connections

    key = "SERIAL PRIMARY KEY" if db == "postgres" else "INTEGER PRIMARY KEY AUTOINCREMENT"
    conn = connections.get("default")
    await conn.execute_script(
        f"CREATE TABLE bench_slot (id {key}, capacity INT NOT NULL, booked INT NOT NULL);"
    )
    await conn.execute_script(
        f"CREATE TABLE bench_booking (id {key}, slot_id INT NOT NULL, user_id INT NOT NULL, "
        "created_at TIMESTAMP NOT NULL);"
    )


def _sql(db: str, text: str) -> str:
    """Write statements with $n placeholders; SQLite takes ?."""
    if db == "postgres":
        return text
    for n in range(9, 0, -1):
        text = text.replace(f"${n}", "?")
    return text


async def baseline_slot(capacity: int) -> int:
    from tortoise import connections

    conn = connections.get("default")
    db = conn.capabilities.dialect
    if db == "postgres":
        rows = await conn.execute_query_dict(
            "INSERT INTO bench_slot (capacity, booked) VALUES ($1, 0) RETURNING id", [capacity]
        )
        return int(rows[0]["id"])
    return int(
        await conn.execute_insert(
            "INSERT INTO bench_slot (capacity, booked) VALUES (?, 0)", [capacity]
        )
    )


async def book_for_update(slot_id: int, user_id: int) -> bool:
    """Row lock: read the counter under FOR UPDATE, then update and insert."""
    from tortoise.transactions import in_transaction

    async with in_transaction() as conn:
        db = conn.capabilities.dialect
        lock = " FOR UPDATE" if db == "postgres" else ""  # SQLite: the transaction serializes
        rows = await conn.execute_query_dict(
            _sql(db, f"SELECT booked, capacity FROM bench_slot WHERE id = $1{lock}"), [slot_id]
        )
        if rows[0]["booked"] >= rows[0]["capacity"]:
            return False
        await conn.execute_query(
            _sql(db, "UPDATE bench_slot SET booked = booked + 1 WHERE id = $1"), [slot_id]
        )
        await conn.execute_query(
            _sql(
                db, "INSERT INTO bench_booking (slot_id, user_id, created_at) VALUES ($1, $2, $3)"
            ),
            [slot_id, user_id, NOW.replace(tzinfo=None)],
        )
        return True


async def book_conditional(slot_id: int, user_id: int) -> bool:
    """Conditional update: the row changes only while there is room."""
    from tortoise.transactions import in_transaction

    async with in_transaction() as conn:
        db = conn.capabilities.dialect
        changed, _ = await conn.execute_query(
            _sql(
                db,
                "UPDATE bench_slot SET booked = booked + 1 WHERE id = $1 AND booked < capacity",
            ),
            [slot_id],
        )
        if not changed:
            return False
        await conn.execute_query(
            _sql(
                db, "INSERT INTO bench_booking (slot_id, user_id, created_at) VALUES ($1, $2, $3)"
            ),
            [slot_id, user_id, NOW.replace(tzinfo=None)],
        )
        return True


async def engine_slot(capacity: int) -> tuple[int, int]:
    import booking
    from server.tx import transaction

    async with transaction() as tx:
        rid = await booking.create_resource(
            tx=tx,
            domain="bench",
            ref_id=1,
            name="压测窗口",
            policy=booking.Policy(capacity=capacity),
        )
        (slot,) = await booking.add_slots(
            tx=tx,
            resource_id=rid,
            slots=[booking.SlotSpec(start=NOW, end=NOW + timedelta(minutes=30), capacity=capacity)],
        )
    await booking.availability(resource_id=rid)  # warm the Redis copy, as in production
    return rid, slot.id


def book_engine(rid: int) -> Callable[[int, int], Awaitable[bool]]:
    import booking
    from server.errors import SlotFull

    async def attempt(slot_id: int, user_id: int) -> bool:
        try:
            await booking.reserve(resource_id=rid, user_id=user_id, slot_ids=[slot_id], now=NOW)
            return True
        except SlotFull:
            return False

    return attempt


async def drive(
    attempt: Callable[[int, int], Awaitable[bool]], slot_id: int, total: int, clients: int
) -> tuple[float, int]:
    """`clients` concurrent loops share `total` attempts; returns (seconds, accepted)."""
    users = iter([next(_users) for _ in range(total)])
    accepted = 0

    async def client() -> None:
        nonlocal accepted
        for user in users:
            if await attempt(slot_id, user):
                accepted += 1

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return time.perf_counter() - started, accepted


async def measure(total: int, clients: int) -> dict[str, dict[str, float]]:
    results: dict[str, dict[str, float]] = {}
    for name in ("engine", "for_update", "conditional"):
        row: dict[str, float] = {}
        for mode in ("accepts", "rejections"):
            capacity = total if mode == "accepts" else 0
            if name == "engine":
                rid, slot = await engine_slot(capacity)
                attempt = book_engine(rid)
            else:
                slot = await baseline_slot(capacity)
                attempt = book_for_update if name == "for_update" else book_conditional
            await drive(attempt, slot, min(50, total // 10), clients)  # warm-up on the same slot
            if mode == "accepts":  # refill: the warm-up took places
                if name == "engine":
                    rid, slot = await engine_slot(capacity)
                    attempt = book_engine(rid)
                else:
                    slot = await baseline_slot(capacity)
            seconds, accepted = await drive(attempt, slot, total, clients)
            expected = total if mode == "accepts" else 0
            assert accepted == expected, (name, mode, accepted, expected)
            row[mode] = total / seconds
        results[name] = row
    return results


async def soak(trials: int, seed: int) -> tuple[int, str | None]:
    """Randomised oversell trials; returns (trials run, first counterexample or None)."""
    import booking
    from booking import store
    from booking.types import OCCUPYING
    from models.booking import Reservation
    from server import resources
    from server.errors import AppError
    from server.tx import transaction

    rng = random.Random(seed)
    for trial in range(trials):
        capacity = rng.randint(1, 60)
        max_qty = rng.choice([1, 1, 2, 3])
        flush = rng.random() < 0.1
        async with transaction() as tx:
            rid = await booking.create_resource(
                tx=tx,
                domain="bench",
                ref_id=trial,
                name="压测",
                policy=booking.Policy(capacity=capacity),
            )
            (slot,) = await booking.add_slots(
                tx=tx,
                resource_id=rid,
                slots=[
                    booking.SlotSpec(start=NOW, end=NOW + timedelta(minutes=30), capacity=capacity)
                ],
            )

        async def attempt(quantity: int, slot_id: int = slot.id, resource_id: int = rid) -> int:
            try:
                got = await booking.reserve(
                    resource_id=resource_id,
                    user_id=next(_users),
                    slot_ids=[slot_id],
                    quantity=quantity,
                    now=NOW,
                )
                return got.quantity
            except AppError:
                return 0

        async def chaos(flush: bool = flush) -> None:
            if flush:
                for _ in range(rng.randint(1, 80)):
                    await asyncio.sleep(0)
                await resources.redis().flushdb()

        quantities = [rng.randint(1, max_qty) for _ in range(200)]
        taken, _ = await asyncio.gather(asyncio.gather(*(attempt(q) for q in quantities)), chaos())
        rows = await Reservation.filter(resource_id=rid, status__in=OCCUPYING).values_list(
            "quantity", flat=True
        )
        in_db = sum(int(q) for q in rows)
        (view,) = await booking.availability(resource_id=rid)
        in_redis = int(await resources.redis().hget(store.state_key(rid), f"b:{slot.id}") or -1)
        problem = None
        if in_db > capacity:
            problem = "oversold"
        elif not (in_db == sum(taken) == view.booked == in_redis):
            problem = "disagree"
        elif max_qty == 1 and in_db != capacity:
            problem = "undersold"
        if (trial + 1) % 100 == 0:
            print(f"  soak: {trial + 1} trials, no counterexample so far", flush=True)
        if problem:
            return trial + 1, (
                f"trial {trial}: {problem}: capacity={capacity} max_qty={max_qty} flush={flush} "
                f"db={in_db} accepted={sum(taken)} availability={view.booked} redis={in_redis}"
            )
    return trials, None


def machine() -> str:
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"


async def main_async(args: argparse.Namespace) -> None:
    from server import resources

    await open_everything(args.db, args.pool)
    try:
        print(
            f"# booking bench: db={args.db} clients={args.clients} pool={args.pool} "
            f"attempts={args.attempts} ({machine()})"
        )
        if args.soak:
            started = time.perf_counter()
            ran, counterexample = await soak(args.soak, args.seed)
            seconds = time.perf_counter() - started
            verdict = (
                counterexample or "0 oversells, Redis = database = availability() in every trial"
            )
            print(f"soak: {ran} trials x 200 concurrent attempts in {seconds:.1f}s: {verdict}")
            return
        rounds = [await measure(args.attempts, args.clients) for _ in range(args.rounds)]
        # Interleaved rounds, median per figure: the machine may be shared and noisy.
        results = {
            name: {
                mode: statistics.median(r[name][mode] for r in rounds)
                for mode in ("accepts", "rejections")
            }
            for name in rounds[0]
        }
        print(f"median of {args.rounds} interleaved rounds")
        print(f"{'variant':<12} {'accepts/s':>10} {'rejections/s':>13}")
        for name, row in results.items():
            print(f"{name:<12} {row['accepts']:>10.0f} {row['rejections']:>13.0f}")
        best_accept = max(results["for_update"]["accepts"], results["conditional"]["accepts"])
        best_reject = max(results["for_update"]["rejections"], results["conditional"]["rejections"])
        print(
            f"engine / best baseline: accepts {results['engine']['accepts'] / best_accept:.2f}x, "
            f"rejections {results['engine']['rejections'] / best_reject:.2f}x"
        )
    finally:
        await resources.close_resources()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--attempts", type=int, default=2000, help="attempts per measurement")
    parser.add_argument("--clients", type=int, default=64, help="concurrent clients")
    parser.add_argument("--pool", type=int, default=20, help="PostgreSQL pool size (all variants)")
    parser.add_argument("--soak", type=int, default=0, help="run N oversell trials instead")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3, help="rounds (median reported)")
    args: Any = parser.parse_args(argv)
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
