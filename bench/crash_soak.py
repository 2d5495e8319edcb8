"""Crash soak: kill -9 the real server while staff order lunch, then check.

    .venv/bin/python -m bench.crash_soak --rounds 20 --db postgres
    .venv/bin/python -m bench.crash_soak --rounds 3 --seconds 3      # a short look

Everything is real and on loopback: `python -m server run --workers 2` (its own process
group, with the background process of jobs and the notice consumer), PostgreSQL (a
schema of its own, `crash_soak`, rebuilt by `python -m server migrate`), Redis (flushed:
use a database nobody else uses) and the fake WeChat of miniapp_stub, started here.

Set-up goes through public interfaces only: `python -m server import-staff` for the
directory, `POST /auth/login` + `/auth/bind` (fake WeChat codes) for tokens,
`POST /admin/meals/menus` for one lunch menu (3 slots x 20 places, small dish stock,
per_user_limit 1), `POST /notifications/subscriptions` so promotions go out to WeChat.

Each round:
1. every user learns its live order (`GET /meals/orders`), then all of them order
   (half with waitlist=true, each with an Idempotency-Key) and cancel over HTTP at once;
   every answer is recorded;
2. at a random moment the whole process group gets SIGKILL;
3. the server is started again; once /health answers 200 the repair runs:
   `python -m server repair-orphans` if the CLI has it, then the server's own jobs whose
   names say reconcile/repair/orphan/relay/outbox (run once, in a subprocess);
4. the database (read directly) and Redis are checked (see `check`); the round's
   figures are printed. Any violation makes the exit status 1.

The checks read tables, never services, so a new engine needs no change here:
meal_menus, meal_pickup_slots, meal_dishes, meal_orders, booking_slot, booking_counter,
booking_reservation, booking_occupancy, booking_waitlist, notices, and the Redis copy
`bk:{rid}:s` (fields b:<slot>) with its queues `bk:{rid}:q:<slot>`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from miniapp_stub.fake_wechat import FakeWeChatServer, identity_for_code, start_in_thread  # noqa: E402

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/t11soak"
DEFAULT_REDIS = "redis://127.0.0.1:6379/12"
SCHEMA = "crash_soak"
TZ = ZoneInfo("Asia/Shanghai")
# Statuses, as the engine (booking/types.py) and the meals domain (models/meals.py) name them.
OCCUPYING = ("held", "confirmed", "completed", "no_show")
LIVE_RES = ("held", "confirmed", "waitlisted")
PLACED = ("confirmed", "served", "no_show")  # orders that hold a place
ORDER_FOR_RES = {
    "confirmed": {"confirmed"},
    "held": {"confirmed"},
    "waitlisted": {"waitlisted"},
    "completed": {"served"},
    "no_show": {"no_show"},
    "cancelled": {"cancelled"},
    "released": {"cancelled"},
    "expired": {"cancelled"},
    "rejected": {"cancelled"},
}
NOTICE_FINAL = ("sent", "inbox_only", "refused", "failed", "dead", "expired")
JOB_WORDS = ("reconcile", "relay", "outbox")  # plus every job of the engine (booking.*)
RELAY_WORDS = ("relay", "outbox")


@dataclass
class Options:
    db: str = "postgres"
    pg_url: str = DEFAULT_PG
    redis_url: str = DEFAULT_REDIS
    rounds: int = 20
    seconds: float = 6.0
    users: int = 150
    workers: int = 2
    slots: int = 3
    capacity: int = 20
    seed: int | None = None
    notice_wait_s: float = 10.0
    var_dir: Path = field(default_factory=lambda: ROOT / "var" / "crash_soak")
    quiet: bool = False


# --- the server --------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Stack:
    """The real server (a process group), the fake WeChat and where their logs go."""

    def __init__(self, opts: Options, database_url: str, wechat: FakeWeChatServer) -> None:
        self.opts, self.wechat = opts, wechat
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}/api/v1"
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0
        opts.var_dir.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("WECHAT_", "TEST_"))}
        env.update(
            {
                "APP_ENV": "development",  # the fake WeChat is refused in production
                "DATABASE_URL": database_url,
                "REDIS_URL": opts.redis_url,
                "WECHAT_API_BASE": wechat.url,
                "SECRET_KEY": "crash-soak-" + "k" * 40,
                "VAR_DIR": str(opts.var_dir),
                "UPLOAD_DIR": str(opts.var_dir / "uploads"),
                "HOST": "127.0.0.1",
                "PORT": str(self.port),
                "ACCESS_LOG": "false",
                "RUN_JOBS": "true",
                "PYTHONUNBUFFERED": "1",
            }
        )
        self.env = env

    def cli(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def start(self) -> None:
        self.starts += 1
        log = open(self.opts.var_dir / f"server-{self.starts}.log", "wb")  # noqa: SIM115
        command = [sys.executable, "-m", "server", "run"]
        command += ["--workers", str(self.opts.workers)]
        self.proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: workers and background too
        )
        log.close()

    async def wait_healthy(self, timeout_s: float = 60) -> float:
        started = time.monotonic()
        async with httpx.AsyncClient(timeout=2) as client:
            while time.monotonic() - started < timeout_s:
                if self.proc is not None and self.proc.poll() is not None:
                    break
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(f"{self.base}/health")).status_code == 200:
                        return time.monotonic() - started
                await asyncio.sleep(0.1)
        raise SoakError(
            f"server did not answer /health 200 within {timeout_s:.0f}s; see "
            f"{self.opts.var_dir}/server-{self.starts}.log:\n{self.log_tail()}"
        )

    def log_tail(self, lines: int = 30) -> str:
        path = self.opts.var_dir / f"server-{self.starts}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    async def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the whole process group and wait (bounded) until every member is gone."""
        if self.proc is None:
            return
        pgid = self.proc.pid  # start_new_session: the leader's pid is the group id
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, sig)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            self.proc.poll()
            try:
                os.killpg(pgid, 0)
            except ProcessLookupError:
                break
            await asyncio.sleep(0.05)
        else:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)
        self.proc = None


class SoakError(Exception):
    """The harness itself could not do its job (not a finding about the server)."""


# --- the stores ----------------------------------------------------------------------


class Db:
    """Direct reads of the server's tables (asyncpg on PostgreSQL, sqlite3 on SQLite), in
    the PostgreSQL schema `schema` (each soak has its own)."""

    schema = SCHEMA

    def __init__(self, opts: Options) -> None:
        self.opts = opts
        self.sqlite_path = opts.var_dir / "crash_soak.sqlite3"

    @property
    def server_url(self) -> str:
        if self.opts.db == "sqlite":
            return f"sqlite://{self.sqlite_path}"
        sep = "&" if "?" in self.opts.pg_url else "?"
        return f"{self.opts.pg_url}{sep}schema={self.schema}"

    async def reset(self) -> None:
        if self.opts.db == "sqlite":
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{self.sqlite_path}{suffix}").unlink(missing_ok=True)
            return
        import asyncpg

        conn = await asyncpg.connect(self.opts.pg_url)
        try:
            await conn.execute(
                f"DROP SCHEMA IF EXISTS {self.schema} CASCADE; CREATE SCHEMA {self.schema};"
            )
        finally:
            await conn.close()

    async def fetch(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        if self.opts.db == "sqlite":
            return await asyncio.to_thread(self._sqlite_fetch, sql, args)
        import asyncpg

        conn = await asyncpg.connect(self.opts.pg_url, server_settings={"search_path": self.schema})
        try:
            return [tuple(row) for row in await conn.fetch(sql, *args)]
        finally:
            await conn.close()

    def _sqlite_fetch(self, sql: str, args: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        conn = sqlite3.connect(self.sqlite_path, timeout=30)
        try:
            return list(conn.execute(re.sub(r"\$\d+", "?", sql), args).fetchall())
        finally:
            conn.close()


def as_json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


# --- the clients ---------------------------------------------------------------------


@dataclass
class Actor:
    index: int
    employee_no: str
    code: str
    token: str = ""
    user_id: int = 0
    live: int | None = None  # the live order this client believes it has
    stale: bool = False  # an answer was lost: ask the server before acting again

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def openid(self) -> str:
        return identity_for_code(self.code)["openid"]


@dataclass
class Seen:
    """One request and what the client saw (status None: no answer, the server died)."""

    round: int
    user_id: int
    action: str  # order | cancel
    status: int | None
    code: str = ""
    order_id: int | None = None
    waitlist: bool = False


@dataclass
class Menu:
    id: int
    day: str
    slot_ids: list[int]
    dish_ids: list[int]
    resource_id: int = 0


async def setup(stack: Stack, db: Db, rng: random.Random) -> tuple[list[Actor], Menu]:
    """Directory (CLI), tokens (fake WeChat login + bind), the menu, WeChat credits."""
    opts = stack.opts
    csv_path = opts.var_dir / "staff.csv"
    rows = ["employee_no,name,department,roles", "SOAKADMIN,压测管理员,压测处,admin|staff"]
    actors = [
        Actor(index=i, employee_no=f"SOAK{i:04d}", code=f"crash-soak-{i:04d}")
        for i in range(opts.users)
    ]
    rows += [f"{a.employee_no},压测员{a.index},压测处,staff" for a in actors]
    csv_path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    done = stack.cli("server", "import-staff", str(csv_path))
    if done.returncode:
        raise SoakError(f"import-staff failed: {done.stdout}{done.stderr}")

    async with httpx.AsyncClient(base_url=stack.base, timeout=30) as client:

        async def login(code: str, employee_no: str, name: str) -> tuple[str, int]:
            got = await client.post("/auth/login", json={"code": code})
            token = got.json()["token"]
            bound = await client.post(
                "/auth/bind",
                json={"employee_no": employee_no, "name": name},
                headers={"Authorization": f"Bearer {token}"},
            )
            if bound.status_code != 200:
                raise SoakError(f"bind {employee_no}: {bound.status_code} {bound.text}")
            return token, int(bound.json()["id"])

        admin_token, _ = await login("crash-soak-admin", "SOAKADMIN", "压测管理员")
        sem = asyncio.Semaphore(20)

        async def one(actor: Actor) -> None:
            async with sem:
                actor.token, actor.user_id = await login(
                    actor.code, actor.employee_no, f"压测员{actor.index}"
                )

        await asyncio.gather(*(one(a) for a in actors))

        day = (datetime.now(TZ) + timedelta(days=1)).date()
        first = datetime.combine(day, datetime.min.time(), tzinfo=TZ) + timedelta(
            hours=11, minutes=30
        )
        body = {
            "date": day.isoformat(),
            "meal": "lunch",
            "canteen": f"压测食堂 {uuid.uuid4().hex[:8]}",
            "order_deadline": (first - timedelta(minutes=90)).isoformat(),
            "per_user_limit": 1,
            "dishes": [
                {"name": "红烧肉", "price_fen": 1200, "stock": opts.slots * opts.capacity // 2},
                {"name": "番茄炒蛋", "price_fen": 600, "stock": opts.slots * opts.capacity},
                {"name": "米饭", "price_fen": 50, "stock": 10 * opts.slots * opts.capacity},
            ],
            "slots": [
                {
                    "start": (first + timedelta(minutes=15 * i)).isoformat(),
                    "end": (first + timedelta(minutes=15 * (i + 1))).isoformat(),
                    "capacity": opts.capacity,
                }
                for i in range(opts.slots)
            ],
        }
        made = await client.post(
            "/admin/meals/menus", json=body, headers={"Authorization": f"Bearer {admin_token}"}
        )
        if made.status_code != 201:
            raise SoakError(f"menu: {made.status_code} {made.text}")
        shape = made.json()
        menu = Menu(
            id=shape["id"],
            day=shape["date"],
            slot_ids=[s["id"] for s in shape["slots"]],
            dish_ids=[d["id"] for d in shape["dishes"]],
        )

        promoted = await promoted_template(client, actors[0])

        async def subscribe(actor: Actor) -> None:
            async with sem:
                for _ in range(3):  # three accepted requests: three messages
                    await client.post(
                        "/notifications/subscriptions",
                        json={"template_ids": promoted},
                        headers=actor.headers,
                    )

        if promoted and promoted[0]:
            await asyncio.gather(*(subscribe(a) for a in actors))
    found = await db.fetch("SELECT resource_id FROM meal_menus WHERE id = $1", menu.id)
    menu.resource_id = int(found[0][0])
    return actors, menu


async def promoted_template(client: httpx.AsyncClient, actor: Actor) -> list[str]:
    """The template id of meal_promoted: from GET /notifications/templates (API.md §7),
    or from the server's kinds table where that route is not served yet."""
    got = await client.get("/notifications/templates", headers=actor.headers)
    if got.status_code == 200:
        return [t["template_id"] for t in got.json()["items"] if t["kind"] == "meal_promoted"]
    from server.notice_kinds import KINDS

    return [KINDS["meal_promoted"].template_id]


async def refresh(client: httpx.AsyncClient, actor: Actor, menu: Menu) -> None:
    """The client asks the server which live order it has (as the app does on open)."""
    got = await client.get("/meals/orders", params={"date": menu.day}, headers=actor.headers)
    got.raise_for_status()
    live = [
        o["id"]
        for o in got.json()["items"]
        if o["menu_id"] == menu.id and o["status"] in ("confirmed", "waitlisted")
    ]
    actor.live, actor.stale = (live[0] if live else None), False


@dataclass
class Traffic:
    seen: list[Seen] = field(default_factory=list)
    in_flight_at_kill: int = 0
    killed_at_s: float = 0.0
    locked_out: int = 0  # 409 limit_reached to a client whose order list shows none


async def traffic(
    stack: Stack, actors: list[Actor], menu: Menu, rng: random.Random, round_no: int
) -> Traffic:
    """Every user orders/cancels until the SIGKILL at a random moment of the round."""
    result = Traffic()
    stop = asyncio.Event()
    in_flight = 0
    limits = httpx.Limits(max_connections=len(actors), max_keepalive_connections=len(actors))
    async with httpx.AsyncClient(base_url=stack.base, timeout=15, limits=limits) as client:
        await asyncio.gather(*(refresh(client, a, menu) for a in actors))

        async def send(actor: Actor, record: Seen, method: str, url: str, **kw: Any) -> Any:
            nonlocal in_flight
            in_flight += 1
            try:
                got = await client.request(method, url, headers=kw.pop("headers"), **kw)
            except httpx.HTTPError:
                actor.stale = True
                result.seen.append(record)
                return None
            finally:
                in_flight -= 1
            record.status = got.status_code
            payload = got.json() if got.content else {}
            if got.status_code >= 400:
                record.code = payload.get("error", {}).get("code", "")
            result.seen.append(record)
            return payload

        async def order(actor: Actor) -> None:
            waitlist = rng.random() < 0.5
            lines = [
                {"dish_id": rng.choice(menu.dish_ids[:2]), "qty": 1},
                {"dish_id": menu.dish_ids[2], "qty": rng.randint(1, 2)},
            ]
            body = {
                "menu_id": menu.id,
                "slot_id": rng.choice(menu.slot_ids),
                "items": lines,
                "pickup": rng.choice(["dine_in", "takeaway"]),
                "waitlist": waitlist,
            }
            record = Seen(round_no, actor.user_id, "order", None, waitlist=waitlist)
            headers = {**actor.headers, "Idempotency-Key": uuid.uuid4().hex}
            payload = await send(actor, record, "POST", "/meals/orders", json=body, headers=headers)
            if record.status in (201, 202):
                record.order_id = actor.live = int(payload["id"])
            elif record.code == "limit_reached" and actor.live is None:
                result.locked_out += 1
                actor.stale = True

        async def cancel(actor: Actor) -> None:
            target = actor.live
            record = Seen(round_no, actor.user_id, "cancel", None, order_id=target)
            await send(
                actor, record, "POST", f"/meals/orders/{target}/cancel", headers=actor.headers
            )
            if record.status == 200:
                actor.live = None
            elif record.status is not None:
                actor.stale = True

        async def user(actor: Actor) -> None:
            await asyncio.sleep(rng.uniform(0, 0.2))
            while not stop.is_set():
                if actor.stale:
                    try:
                        await refresh(client, actor, menu)
                    except httpx.HTTPError:
                        return
                if actor.live is not None and rng.random() < 0.35:
                    await cancel(actor)
                elif actor.live is None:
                    await order(actor)
                await asyncio.sleep(rng.uniform(0.02, 0.25))

        async def killer() -> None:
            result.killed_at_s = rng.uniform(0.25, 1.0) * stack.opts.seconds
            await asyncio.sleep(result.killed_at_s)
            result.in_flight_at_kill = in_flight
            stop.set()  # clients send nothing new; what is in flight dies with the server
            await stack.kill(signal.SIGKILL)

        await asyncio.gather(killer(), *(user(a) for a in actors))
    return result


# --- repair --------------------------------------------------------------------------


@dataclass
class Tools:
    repair_orphans: bool
    jobs: list[str]
    relay: bool
    relay_how: str


def detect_tools(stack: Stack) -> Tools:
    """What the server offers today: `repair-orphans`, and jobs that reconcile or relay."""
    helped = stack.cli("server", "--help")
    commands = set(re.findall(r"[a-z][a-z-]+", helped.stdout.split("positional arguments")[-1]))
    listed = stack.cli("bench.crash_soak", "--list-jobs")
    names = [
        n
        for n in listed.stdout.split()
        if n.startswith("booking.") or any(w in n for w in JOB_WORDS)
    ]
    relay_jobs = [n for n in names if any(w in n for w in RELAY_WORDS)]
    relay_commands = sorted(c for c in commands if any(w in c for w in RELAY_WORDS))
    how = ", ".join([*relay_jobs, *relay_commands]) or "none"
    return Tools(
        repair_orphans="repair-orphans" in commands,
        jobs=names,
        relay=bool(relay_jobs or relay_commands),
        relay_how=how,
    )


def repair(stack: Stack, tools: Tools) -> str:
    """Run repair-orphans (if present) and the matching jobs once; return their output."""
    out = []
    if tools.repair_orphans:
        done = stack.cli("server", "repair-orphans")
        out.append(f"repair-orphans exit {done.returncode}: {(done.stdout + done.stderr).strip()}")
        if done.returncode:
            raise SoakError(out[-1])
    if tools.jobs:
        done = stack.cli("bench.crash_soak", "--run-jobs", ",".join(tools.jobs))
        out.append(f"jobs exit {done.returncode}: {done.stdout.strip()}")
        if done.returncode:
            raise SoakError(f"running jobs failed: {done.stdout}{done.stderr}")
    return "\n".join(out)


def list_jobs() -> None:
    from jobs.scheduler import discover

    print("\n".join(job.name for job in discover()))


def run_jobs(names: list[str]) -> None:
    """Run the named jobs of the server once (this process, the server's settings)."""
    from jobs.scheduler import discover
    from server import resources
    from server.config import load_settings

    async def main() -> None:
        await resources.open_resources(load_settings())
        try:
            report = {}
            for job in discover():
                if job.name in names:
                    report[job.name] = repr(await job(now=datetime.now(UTC)))
            print(json.dumps(report, ensure_ascii=False))
        finally:
            await resources.close_resources()

    asyncio.run(main())


# --- the checks ----------------------------------------------------------------------


@dataclass
class Snapshot:
    capacity: dict[int, int]
    engine_booked: dict[int, int]  # from occupancy rows
    reserved: dict[int, int]  # from occupying reservation rows
    redis_booked: dict[int, int] | None  # None: no copy in Redis
    orders_placed: dict[int, int]
    reservations: dict[int, dict[str, Any]]
    orders: dict[int, dict[str, Any]]  # by order id
    waitlist_rows: list[tuple[int, int, int]]  # reservation, slot, seq
    redis_queues: dict[int, list[int]]
    counters: dict[str, int]  # name -> limit
    notices: list[tuple[int, int, str | None, str, Any]]  # id, user, link, status, enqueued

    def leaked(self) -> int:
        """Places booked in the engine beyond live orders (sum over slots, >= 0 each)."""
        return sum(
            max(0, self.reserved.get(s, 0) - self.orders_placed.get(s, 0)) for s in self.capacity
        )

    def orphans(self) -> list[int]:
        """Live or place-holding reservations without an order row."""
        by_res = {o["reservation_id"] for o in self.orders.values()}
        return [
            rid
            for rid, r in self.reservations.items()
            if r["status"] in (*OCCUPYING, *LIVE_RES) and rid not in by_res
        ]


async def inspect(db: Db, redis: Any, menu: Menu, user_ids: list[int]) -> Snapshot:
    rid = menu.resource_id
    capacity = {
        int(s): int(c)
        for s, c in await db.fetch(
            "SELECT id, capacity FROM booking_slot WHERE resource_id = $1", rid
        )
    }
    engine: dict[int, int] = defaultdict(int)
    for slot_id, quantity in await db.fetch(
        "SELECT o.slot_id, o.quantity FROM booking_occupancy o "
        "JOIN booking_reservation r ON r.id = o.reservation_id "
        "WHERE r.resource_id = $1 AND o.occupied",
        rid,
    ):
        engine[int(slot_id)] += int(quantity)
    reservations: dict[int, dict[str, Any]] = {}
    reserved: dict[int, int] = defaultdict(int)
    for res_id, user_id, slot_ids, quantity, status, counters, wait_seq in await db.fetch(
        "SELECT id, user_id, slot_ids, quantity, status, counters, wait_seq "
        "FROM booking_reservation WHERE resource_id = $1",
        rid,
    ):
        row = {
            "user_id": int(user_id),
            "slot_ids": [int(s) for s in as_json(slot_ids)],
            "quantity": int(quantity),
            "status": status,
            "counters": as_json(counters) or {},
            "wait_seq": None if wait_seq is None else int(wait_seq),
        }
        reservations[int(res_id)] = row
        if status in OCCUPYING:
            for slot_id in row["slot_ids"]:
                reserved[slot_id] += row["quantity"]
    orders: dict[int, dict[str, Any]] = {}
    placed: dict[int, int] = defaultdict(int)
    for order_id, user_id, slot_id, res_id, status, items in await db.fetch(
        "SELECT id, user_id, slot_id, reservation_id, status, items FROM meal_orders "
        "WHERE menu_id = $1",
        menu.id,
    ):
        orders[int(order_id)] = {
            "user_id": int(user_id),
            "slot_id": int(slot_id),
            "reservation_id": int(res_id),
            "status": status,
            "items": as_json(items) or [],
        }
        if status in PLACED:
            placed[int(slot_id)] += 1
    waitlist_rows = [
        (int(a), int(b), int(c))
        for a, b, c in await db.fetch(
            "SELECT w.reservation_id, w.slot_id, w.seq FROM booking_waitlist w "
            "JOIN booking_reservation r ON r.id = w.reservation_id WHERE r.resource_id = $1",
            rid,
        )
    ]
    counters = {
        str(n): int(v)
        for n, v in await db.fetch(
            'SELECT name, "limit" FROM booking_counter WHERE resource_id = $1', rid
        )
    }
    wanted = set(user_ids)
    notices = [
        (int(i), int(u), link, status, enqueued)
        for i, u, link, status, enqueued in await db.fetch(
            "SELECT id, user_id, link, wechat_status, enqueued_at FROM notices "
            "WHERE kind = 'meal_promoted'"
        )
        if int(u) in wanted
    ]
    state = await redis.hgetall(f"bk:{{{rid}}}:s")
    redis_booked = (
        {s: int(state.get(f"b:{s}", 0)) for s in capacity} if state.get("epoch") else None
    )
    queues = {}
    for slot_id in capacity:
        entries = await redis.lrange(f"bk:{{{rid}}}:q:{slot_id}", 0, -1)
        queues[slot_id] = [int(e.split("|", 1)[0]) for e in entries]
    return Snapshot(
        capacity=capacity,
        engine_booked=dict(engine),
        reserved=dict(reserved),
        redis_booked=redis_booked,
        orders_placed=dict(placed),
        reservations=reservations,
        orders=orders,
        waitlist_rows=waitlist_rows,
        redis_queues=queues,
        counters=counters,
        notices=notices,
    )


@dataclass
class Verdict:
    violations: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    promoted: int = 0
    notices_found: int = 0
    notices_delivered: int = 0
    notices_enqueued: int = 0


def check(snap: Snapshot, seen: list[Seen], relay: bool) -> Verdict:
    """Every invariant of the soak, on the state after the repair."""
    v = Verdict()
    bad = v.violations.append
    # Places: engine (occupancy and reservation rows, Redis) = live orders <= capacity.
    for slot_id, cap in sorted(snap.capacity.items()):
        engine = snap.engine_booked.get(slot_id, 0)
        reserved = snap.reserved.get(slot_id, 0)
        placed = snap.orders_placed.get(slot_id, 0)
        if engine != reserved:
            bad(f"slot {slot_id}: occupancy rows count {engine}, occupying reservations {reserved}")
        if snap.redis_booked is not None and snap.redis_booked[slot_id] != reserved:
            bad(
                f"slot {slot_id}: Redis b:{slot_id}={snap.redis_booked[slot_id]}, database {reserved}"
            )
        if reserved != placed:
            bad(
                f"LEAK slot {slot_id}: {reserved} places booked in the engine, {placed} live "
                f"orders ({reserved - placed:+d} places without an order)"
            )
        if max(reserved, placed) > cap:
            bad(f"OVERSOLD slot {slot_id}: {reserved} booked / {placed} orders > capacity {cap}")
    # Reservations <-> orders, one to one, statuses in step.
    orphans = snap.orphans()
    if orphans:
        users = sorted({snap.reservations[r]["user_id"] for r in orphans})
        bad(
            f"ORPHAN {len(orphans)} reservations without an order (ids {orphans[:10]}); "
            f"users {users[:10]} see no order yet are held by the per-user limit"
        )
    for oid, order in snap.orders.items():
        res = snap.reservations.get(order["reservation_id"])
        if res is None:
            bad(f"order {oid} has no reservation {order['reservation_id']} on this menu")
            continue
        if order["status"] not in ORDER_FOR_RES.get(res["status"], set()):
            bad(
                f"order {oid} is {order['status']} but reservation {order['reservation_id']} "
                f"is {res['status']}"
            )
        if res["user_id"] != order["user_id"] or order["slot_id"] not in res["slot_ids"]:
            bad(f"order {oid} and reservation {order['reservation_id']} disagree on user/slot")
    # Dish stock: taken by the engine = ordered, within the limit.
    taken: Counter[str] = Counter()
    for res in snap.reservations.values():
        if res["status"] in OCCUPYING:
            taken.update({k: int(n) for k, n in res["counters"].items()})
    ordered: Counter[str] = Counter()
    for order in snap.orders.values():
        if order["status"] in PLACED:
            ordered.update({f"dish:{i['dish_id']}": int(i["qty"]) for i in order["items"]})
    for name, limit in sorted(snap.counters.items()):
        if taken[name] > limit:
            bad(f"OVERSOLD {name}: {taken[name]} taken > stock {limit}")
        if name.startswith("dish:") and taken[name] != ordered[name]:
            bad(f"LEAK {name}: {taken[name]} taken in the engine, {ordered[name]} on live orders")
    # Waitlists: waitlisted reservations <-> their entries <-> Redis queues, FIFO by seq.
    entries: dict[int, list[tuple[int, int]]] = defaultdict(list)
    db_queues: dict[int, list[int]] = defaultdict(list)
    for res_id, slot_id, seq in sorted(snap.waitlist_rows, key=lambda r: r[2]):
        entries[res_id].append((slot_id, seq))
        db_queues[slot_id].append(seq)
    for res_id, res in snap.reservations.items():
        want = (
            sorted((s, res["wait_seq"]) for s in res["slot_ids"])
            if res["status"] == "waitlisted"
            else []
        )
        if sorted(entries.get(res_id, [])) != want:
            bad(
                f"waitlist: reservation {res_id} ({res['status']}, seq {res['wait_seq']}) "
                f"has entries {entries.get(res_id, [])}"
            )
    for slot_id in snap.capacity:
        if snap.redis_queues.get(slot_id, []) != db_queues.get(slot_id, []):
            bad(
                f"waitlist slot {slot_id}: Redis queue {snap.redis_queues.get(slot_id)} != "
                f"database {db_queues.get(slot_id, [])}"
            )
    # What the clients saw.
    cancelled_by_client = {
        s.order_id for s in seen if s.action == "cancel" and s.status in (200, None)
    }
    for s in seen:
        if s.action == "order" and s.status in (201, 202):
            order = snap.orders.get(s.order_id or 0)
            if order is None or order["user_id"] != s.user_id:
                bad(
                    f"client saw {s.status} for order {s.order_id} (user {s.user_id}): no such order"
                )
                continue
            allowed = {"confirmed", "served", "no_show"} | (
                {"waitlisted"} if s.status == 202 else set()
            )
            if s.order_id in cancelled_by_client:
                allowed.add("cancelled")
            if order["status"] not in allowed:
                bad(f"client saw {s.status} for order {s.order_id}, it is now {order['status']}")
        if s.action == "cancel" and s.status == 200:
            order = snap.orders.get(s.order_id or 0)
            if order is None or order["status"] != "cancelled":
                bad(
                    f"client saw 200 cancelling order {s.order_id}, it is {order and order['status']}"
                )
        if s.status is not None and s.status >= 500:
            bad(f"client saw {s.status} for {s.action} (round {s.round})")
    # Notices: every promotion committed has its meal_promoted row, delivered or enqueued.
    promoted = [
        (oid, o)
        for oid, o in snap.orders.items()
        if o["status"] in PLACED
        and (res := snap.reservations.get(o["reservation_id"])) is not None
        and res["wait_seq"] is not None
        and res["status"] in OCCUPYING
    ]
    v.promoted = len(promoted)
    linked: dict[int, set[int]] = defaultdict(set)
    loose: Counter[int] = Counter()
    for _, user_id, link, status, enqueued in snap.notices:
        match = re.search(r"[?&]id=(\d+)", link or "")
        if match:
            linked[user_id].add(int(match.group(1)))
        else:
            loose[user_id] += 1
        v.notices_found += 1
        v.notices_delivered += status in NOTICE_FINAL
        v.notices_enqueued += status in NOTICE_FINAL or enqueued is not None
        if relay and status not in NOTICE_FINAL and enqueued is None:
            bad(f"notice of user {user_id} ({link}) is neither delivered nor enqueued")
    missing = []
    for oid, order in promoted:
        if oid in linked[order["user_id"]]:
            continue
        if loose[order["user_id"]]:
            loose[order["user_id"]] -= 1
            continue
        missing.append(oid)
    if missing:
        text = (
            f"{len(missing)} promoted orders without a meal_promoted notice (orders {missing[:10]})"
        )
        if relay:
            bad("NOTICE " + text)
        else:
            v.warnings.append(text + " [not enforced: no outbox relay in this server yet]")
    return v


# --- the soak ------------------------------------------------------------------------


@dataclass
class RoundFigures:
    round: int
    attempted: int
    accepted: int  # 201
    waitlisted: int  # 202
    rejected: int  # 409
    no_answer: int
    cancels: int
    cancelled: int
    locked_out: int
    kill_at_s: float
    in_flight: int
    restart_s: float
    leaked_at_restart: int
    new_leaks: int  # leaked at restart minus what the previous round left
    orphans_at_restart: int
    leaked: int
    orphans: int
    orphans_repaired: int
    promoted: int
    notices: str
    repair_s: float
    violations: list[str]
    warnings: list[str]


def figures_line(f: RoundFigures) -> str:
    return (
        f"round {f.round:>2}: orders {f.attempted} (201 {f.accepted}, 202 {f.waitlisted}, "
        f"409 {f.rejected}, no answer {f.no_answer}), cancels {f.cancels} (200 {f.cancelled}), "
        f"locked out {f.locked_out} | SIGKILL at {f.kill_at_s:.2f}s with {f.in_flight} in "
        f"flight, healthy after {f.restart_s:.1f}s | leaked places: {f.leaked_at_restart} "
        f"at restart ({f.new_leaks:+d} by this kill), {f.leaked} after repair; orphan reservations {f.orphans_at_restart} → "
        f"{f.orphans} (repaired {f.orphans_repaired}) | promoted {f.promoted}, notices "
        f"{f.notices} | repair+checks {f.repair_s:.1f}s | "
        + ("OK" if not f.violations else f"{len(f.violations)} VIOLATIONS")
    )


def summary(rows: list[RoundFigures]) -> str:
    head = (
        "| round | orders | 201 | 202 | 409 | no answer | cancels | kill at | in flight "
        "| new leaks | leaked at restart | leaked after repair | orphans repaired | violations |"
    )
    lines = [head, "|" + "---:|" * 14]
    for f in rows:
        lines.append(
            f"| {f.round} | {f.attempted} | {f.accepted} | {f.waitlisted} | {f.rejected} | "
            f"{f.no_answer} | {f.cancels} | {f.kill_at_s:.2f}s | {f.in_flight} | "
            f"{f.new_leaks:+d} | {f.leaked_at_restart} | {f.leaked} | {f.orphans_repaired} | {len(f.violations)} |"
        )
    return "\n".join(lines)


async def wait_notices(db: Db, user_ids: list[int], timeout_s: float) -> None:
    """Give the consumer a bounded moment to deliver what is in the stream."""
    deadline = time.monotonic() + timeout_s
    wanted = set(user_ids)
    while time.monotonic() < deadline:
        rows = await db.fetch(
            "SELECT user_id, wechat_status, enqueued_at FROM notices WHERE kind = 'meal_promoted'"
        )
        waiting = [r for r in rows if int(r[0]) in wanted and r[1] not in NOTICE_FINAL and r[2]]
        if not waiting:
            return
        await asyncio.sleep(0.5)


async def soak(opts: Options, out: Any = print) -> list[RoundFigures]:
    """Run the rounds; returns their figures (violations inside). Raises SoakError."""
    import redis.asyncio as aioredis

    seed = opts.seed if opts.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    opts.var_dir.mkdir(parents=True, exist_ok=True)
    db = Db(opts)
    await db.reset()
    redis = aioredis.from_url(opts.redis_url, decode_responses=True)
    await redis.flushdb()
    wechat = start_in_thread()
    stack = Stack(opts, db.server_url, wechat)
    rows: list[RoundFigures] = []
    try:
        done = stack.cli("server", "migrate")
        if done.returncode:
            raise SoakError(f"migrate failed: {done.stdout}{done.stderr}")
        tools = detect_tools(stack)
        out(
            f"crash soak: {opts.rounds} rounds of ~{opts.seconds:g}s, {opts.users} users, "
            f"{opts.slots} slots x {opts.capacity} places, db {opts.db}, redis {opts.redis_url}, "
            f"workers {opts.workers}, seed {seed}"
        )
        out(
            f"repair: repair-orphans {'present' if tools.repair_orphans else 'ABSENT'}; jobs "
            f"{', '.join(tools.jobs) or 'none'}; notice relay: {tools.relay_how} → notice "
            f"checks {'STRICT' if tools.relay else 'lenient (rows counted, missing ones warned)'}"
        )
        stack.start()
        await stack.wait_healthy()
        actors, menu = await setup(stack, db, rng)
        user_ids = [a.user_id for a in actors]
        seen_all: list[Seen] = []
        for round_no in range(1, opts.rounds + 1):
            run = await traffic(stack, actors, menu, rng, round_no)
            seen_all += run.seen
            stack.start()
            restart_s = await stack.wait_healthy()
            before = await inspect(db, redis, menu, user_ids)
            started = time.monotonic()
            repair(stack, tools)
            await wait_notices(db, user_ids, opts.notice_wait_s)
            after = await inspect(db, redis, menu, user_ids)
            verdict = check(after, seen_all, tools.relay)
            orders = [s for s in run.seen if s.action == "order"]
            cancels = [s for s in run.seen if s.action == "cancel"]
            figures = RoundFigures(
                round=round_no,
                attempted=len(orders),
                accepted=sum(s.status == 201 for s in orders),
                waitlisted=sum(s.status == 202 for s in orders),
                rejected=sum(s.status == 409 for s in orders),
                no_answer=sum(s.status is None for s in run.seen),
                cancels=len(cancels),
                cancelled=sum(s.status == 200 for s in cancels),
                locked_out=run.locked_out,
                kill_at_s=run.killed_at_s,
                in_flight=run.in_flight_at_kill,
                restart_s=restart_s,
                leaked_at_restart=before.leaked(),
                new_leaks=before.leaked() - (rows[-1].leaked if rows else 0),
                orphans_at_restart=len(before.orphans()),
                leaked=after.leaked(),
                orphans=len(after.orphans()),
                orphans_repaired=len(set(before.orphans()) - set(after.orphans())),
                promoted=verdict.promoted,
                notices=f"{verdict.notices_found} rows/{verdict.notices_enqueued} enqueued/"
                f"{verdict.notices_delivered} delivered",
                repair_s=time.monotonic() - started,
                violations=verdict.violations,
                warnings=verdict.warnings,
            )
            rows.append(figures)
            out(figures_line(figures))
            for line in verdict.violations:
                out(f"    VIOLATION {line}")
            for line in verdict.warnings:
                out(f"    warning   {line}")
        statuses = Counter(s.status for s in seen_all if s.action == "order")
        out(
            f"\nall order answers: {dict(statuses)}; fake WeChat received {len(wechat.state.messages)} messages"
        )
        out(summary(rows))
        return rows
    finally:
        await stack.kill(signal.SIGKILL)
        wechat.shutdown()
        await redis.aclose()


def verdict_text(rows: list[RoundFigures]) -> str:
    failed = [f for f in rows if f.violations]
    if not failed:
        return f"RESULT: PASS ({len(rows)} rounds, 0 violations)"
    leaks = [f.leaked for f in rows]
    return (
        f"RESULT: FAIL in {len(failed)}/{len(rows)} rounds: places booked in the engine without "
        f"an order after repair, per round {leaks}; first violation: {failed[0].violations[0]}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument(
        "--seconds", type=float, default=6.0, help="traffic per round before the kill (at most)"
    )
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--pg-url", default=os.environ.get("CRASH_SOAK_PG_URL", DEFAULT_PG))
    parser.add_argument(
        "--redis-url", default=os.environ.get("CRASH_SOAK_REDIS_URL", DEFAULT_REDIS)
    )
    parser.add_argument("--users", type=int, default=150)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--notice-wait", type=float, default=10.0)
    parser.add_argument("--list-jobs", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--run-jobs", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.list_jobs:
        return list_jobs()
    if args.run_jobs:
        return run_jobs(args.run_jobs.split(","))
    opts = Options(
        db=args.db,
        pg_url=args.pg_url,
        redis_url=args.redis_url,
        rounds=args.rounds,
        seconds=args.seconds,
        users=args.users,
        workers=args.workers,
        seed=args.seed,
        notice_wait_s=args.notice_wait,
        var_dir=Path(tempfile.mkdtemp(prefix="crash-soak-", dir=ROOT / "var"))
        if (ROOT / "var").is_dir()
        else Path(tempfile.mkdtemp(prefix="crash-soak-")),
    )
    try:
        rows = asyncio.run(soak(opts))
    except SoakError as exc:
        print(f"crash soak could not run: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    print(verdict_text(rows))
    raise SystemExit(1 if any(f.violations for f in rows) else 0)


if __name__ == "__main__":
    main()
