"""Crash soak over money and created objects: kill -9 the real server while
staff buy, pay, wash and refund car-wash cards and create visitor passes, repair tickets
and purchase requests; restart, replay, repair; then count.

    .venv/bin/python -m bench.crash_soak_money --rounds 20 --db postgres
    .venv/bin/python -m bench.crash_soak_money --rounds 2 --seconds 3 --users 12   # a look

Everything is real and on loopback: `python -m server run` (its own process group, the
background process included), PostgreSQL (schema `crash_soak_money`, rebuilt) or SQLite,
Redis (flushed: give it a database nobody else uses), the fake WeChat and the fake WeChat
Pay (its retry ticker on real time). The server runs with the fault point
`carwash.refund.after_mark` armed as a short pause, so kills land between "marked
refunding" and "refund sent" as well as anywhere else.

Each round:
1. every user acts at random until the SIGKILL at a random moment: buy a card (with an
   Idempotency-Key), pay it at the fake, have a wash redeemed by the attendant, ask for
   a refund, invite a visitor, report a repair, file a purchase request; every answer is
   recorded, and each creating request carries a marker (in the pass's purpose, the
   ticket's description, the request's reason) that names its intent;
2. the server is started again; every creating request that got no answer is sent again
   with its key and body, as the app does on retry;
3. repair as production does it: the registered jobs `carwash.reconcile_payments` and
   `carwash.close_unpaid` run once each at a time past their delays ("a few minutes",
   30 min), and the fake delivers what is due;
4. the tables (read directly) and the fake's books are checked (see `check`).

Violations (exit status 1): a 500; an intent with two objects (duplicate); an object a
client was answered 201 for that is missing; a card `refunding` or a paid order whose
card is still `pending_payment` after the repair (stuck); refunds paid by the fake ≠
refunds recorded ≠ refund_fen of refunded cards; payments at the fake ≠ cards paid here;
a card whose washes_left ≠ washes_total − its washes; more cards than purchase intents.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.crash_soak import Actor, Db, Options, SoakError, Stack, free_port  # noqa: E402
from miniapp_stub import fake_wechat, fake_wechatpay  # noqa: E402

SCHEMA = "crash_soak_money"
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/t25soak"
DEFAULT_REDIS = ""  # empty: a redis-server of this soak alone, on a free port
REPAIR_AFTER = timedelta(minutes=3)  # the reconcile job's "few minutes", passed
# close_unpaid's 30 min, passed: a purchase left unpaid (as 1 in 10 are here, and every
# one whose payment a kill interrupted) is closed, so its buyer may buy again and the
# car-wash money keeps moving in every round, not only until each user holds one.
UNPAID_CLOSED_AFTER = timedelta(minutes=31)
PAID_STATES = ("active", "used_up", "expired", "refunding", "refunded")
CREATES = {"repair": "/repairs", "pass": "/visitors/passes", "procurement": "/procurement/requests"}
MARKED = {  # table, marker column, owner column
    "repair": ("repair_tickets", "description", "requester_id"),
    "pass": ("visitor_passes", "purpose", "host_id"),
    "procurement": ("procurement_requests", "reason", "requester_id"),
}


@dataclass
class MoneyOptions:
    db: str = "postgres"
    pg_url: str = DEFAULT_PG
    redis_url: str = DEFAULT_REDIS
    rounds: int = 20
    seconds: float = 5.0
    users: int = 24
    workers: int = 1
    seed: int | None = None
    var_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="soak-money-")))


@dataclass
class Intent:
    """One creating request: what the client sent and the last answer it saw."""

    kind: str  # purchase | repair | pass | procurement
    user: Actor
    key: str
    path: str
    body: dict[str, Any]
    status: int | None = None
    code: str = ""
    obj_id: int | None = None
    replayed: bool = False


@dataclass
class Seen:
    kind: str
    status: int | None
    code: str = ""


@dataclass
class Round:
    intents: list[Intent] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)
    killed_at_s: float = 0.0


# --- the soak database (its own schema on PostgreSQL) -------------------------------


class MoneyDb(Db):
    schema = SCHEMA


REDIS_OPTIONS = ("--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir")


@contextlib.contextmanager
def own_redis(folder: Path) -> Iterator[str]:
    """A redis-server of this soak alone (nobody else's data is flushed)."""
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), *REDIS_OPTIONS, str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


async def ensure_pg_database(url: str) -> None:
    import asyncpg

    base, _, name = url.rpartition("/")
    try:
        conn = await asyncpg.connect(url)
    except asyncpg.InvalidCatalogNameError:
        admin = await asyncpg.connect(f"{base}/postgres")
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
    else:
        await conn.close()


# --- set-up through public interfaces -------------------------------------------------


@dataclass
class Cast:
    users: list[Actor]
    attendant: Actor
    admin: Actor
    card_type_id: int
    price_fen: int
    washes: int
    bought: list[Intent]  # the purchases of the set-up (they count as intents too)


async def setup(stack: Stack, opts: MoneyOptions, pay: fake_wechatpay.FakePayServer) -> Cast:
    csv_path = opts.var_dir / "staff.csv"
    users = [
        Actor(index=i, employee_no=f"MONEY{i:04d}", code=f"soak-money-{i:04d}")
        for i in range(opts.users)
    ]
    rows = [
        "employee_no,name,department,roles",
        "MONEYADMIN,钱管理员,压测处,admin|staff",
        "MONEYWASH,洗车员,压测处,carwash|staff",
    ]
    rows += [f"{a.employee_no},钱压测{a.index},压测处,staff" for a in users]
    csv_path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    done = stack.cli("server", "import-staff", str(csv_path))
    if done.returncode:
        raise SoakError(f"import-staff failed: {done.stdout}{done.stderr}")
    admin = Actor(index=-1, employee_no="MONEYADMIN", code="soak-money-admin")
    attendant = Actor(index=-2, employee_no="MONEYWASH", code="soak-money-wash")
    names = {"MONEYADMIN": "钱管理员", "MONEYWASH": "洗车员"}
    async with httpx.AsyncClient(base_url=stack.base, timeout=60) as client:
        sem = asyncio.Semaphore(8)

        async def login(actor: Actor) -> None:
            async with sem:
                got = await client.post("/auth/login", json={"code": actor.code})
                actor.token = got.json()["token"]
                name = names.get(actor.employee_no, f"钱压测{actor.index}")
                bound = await client.post(
                    "/auth/bind",
                    json={"employee_no": actor.employee_no, "name": name},
                    headers=actor.headers,
                )
                if bound.status_code != 200:
                    raise SoakError(f"bind {actor.employee_no}: {bound.status_code} {bound.text}")
                actor.user_id = int(bound.json()["id"])

        await asyncio.gather(*(login(a) for a in [admin, attendant, *users]))
        kind = await client.post(
            "/admin/carwash/card-types",
            json={
                "name": "压测洗车卡",
                "washes": 5,
                "price_fen": 9999,
                "valid_days": 180,
                "per_user_limit": 1,
            },
            headers=admin.headers,
        )
        if kind.status_code != 201:
            raise SoakError(f"card type: {kind.status_code} {kind.text}")
        type_id = int(kind.json()["id"])

        async def card_for(actor: Actor) -> None:
            """Half the users start with a paid card, so the first round already
            washes and refunds (a short CI round is one round)."""
            intent = Intent(
                "purchase", actor, uuid.uuid4().hex, "/carwash/purchases", {"card_type_id": type_id}
            )
            async with sem:
                await send_intent(client, intent)
                if intent.status != 201:
                    raise SoakError(f"purchase: {intent.status} {intent.code}")
                await client.post(f"{pay.url}/confirm", json={"prepay_id": intent.body["_prepay"]})
            bought.append(intent)

        bought: list[Intent] = []
        await asyncio.gather(*(card_for(a) for a in users[::2]))
    return Cast(users, attendant, admin, type_id, 9999, 5, bought)


# --- traffic ---------------------------------------------------------------------------


def marked_body(kind: str, marker: str, rng: random.Random) -> dict[str, Any]:
    now = datetime.now(UTC)
    if kind == "repair":
        return {
            "category": "electrical",
            "location": "行政中心A座3楼",
            "description": f"插座没电 {marker}",
            "photo_ids": [],
        }
    if kind == "pass":
        return {
            "visitor_name": "王志刚",
            "visitor_phone": f"139{rng.randrange(10**8):08d}",
            "plate": None,
            "purpose": f"项目评审 {marker}",
            "valid_from": (now - timedelta(hours=1)).isoformat(),
            "valid_to": (now + timedelta(hours=8)).isoformat(),
            "max_entries": 1,
        }
    return {
        "title": "办公用品采购",
        "reason": f"日常办公 {marker}",
        "category": "office",
        "items": [{"name": "订书机", "spec": "", "qty": 1, "unit": "个", "unit_price_fen": 3000}],
    }


async def send_intent(client: httpx.AsyncClient, intent: Intent) -> None:
    """Send (or re-send, with the same key and body) one creating request."""
    headers = {**intent.user.headers, "Idempotency-Key": intent.key}
    try:
        got = await client.post(intent.path, json=intent.body, headers=headers)
    except httpx.HTTPError:
        intent.status, intent.code = None, ""
        return
    intent.status = got.status_code
    payload = got.json() if got.content else {}
    if got.status_code == 201:
        intent.obj_id = int(payload["card"]["id"] if intent.kind == "purchase" else payload["id"])
        if intent.kind == "purchase":
            intent.body["_prepay"] = payload["pay_params"]["package"].split("=", 1)[1]
    else:
        intent.code = payload.get("error", {}).get("code", "") if payload else ""


async def traffic(
    stack: Stack, cast: Cast, pay: fake_wechatpay.FakePayServer, rng: random.Random, seconds: float
) -> Round:
    result = Round()
    stop = asyncio.Event()
    limits = httpx.Limits(max_connections=len(cast.users) + 4)
    async with httpx.AsyncClient(base_url=stack.base, timeout=30, limits=limits) as client:

        async def call(kind: str, method: str, url: str, actor: Actor, **kw: Any) -> Any:
            try:
                got = await client.request(method, url, headers=actor.headers, **kw)
            except httpx.HTTPError:
                result.seen.append(Seen(kind, None))
                return None
            payload = (
                got.json()
                if got.content
                and got.headers.get("content-type", "").startswith("application/json")
                else {}
            )
            code = payload.get("error", {}).get("code", "") if got.status_code >= 400 else ""
            result.seen.append(Seen(kind, got.status_code, code))
            return payload if got.status_code < 400 else None

        async def my_card(actor: Actor) -> dict[str, Any] | None:
            cards = await call("cards", "GET", "/carwash/cards", actor)
            if not cards:
                return None
            items = cards if isinstance(cards, list) else cards.get("items", [])
            live = [c for c in items if c["status"] in ("pending_payment", "active")]
            return live[0] if live else None

        async def carwash(actor: Actor) -> None:
            card = await my_card(actor)
            if card is None:
                intent = Intent(
                    "purchase",
                    actor,
                    uuid.uuid4().hex,
                    "/carwash/purchases",
                    {"card_type_id": cast.card_type_id},
                )
                result.intents.append(intent)
                await send_intent(client, intent)
                if intent.status == 201 and rng.random() < 0.9:
                    await asyncio.to_thread(_confirm, pay, intent.body["_prepay"])
                return
            if card["status"] != "active" or card["washes_left"] <= 0:
                return
            if rng.random() < 0.5:
                got = await call("code", "POST", f"/carwash/cards/{card['id']}/code", actor)
                if got:
                    await call(
                        "redeem",
                        "POST",
                        "/carwash/redeem",
                        cast.attendant,
                        json={"code": got["code"]},
                    )
            else:
                await call("refund", "POST", f"/carwash/cards/{card['id']}/refund", actor)

        async def create(actor: Actor) -> None:
            kind = rng.choice(list(CREATES))
            key = uuid.uuid4().hex
            intent = Intent(kind, actor, key, CREATES[kind], marked_body(kind, f"#{key}", rng))
            result.intents.append(intent)
            await send_intent(client, intent)

        async def user(actor: Actor) -> None:
            await asyncio.sleep(rng.uniform(0, 0.3))
            while not stop.is_set():
                await (carwash(actor) if rng.random() < 0.6 else create(actor))
                await asyncio.sleep(rng.uniform(0.05, 0.3))

        async def killer() -> None:
            result.killed_at_s = rng.uniform(0.3, 1.0) * seconds
            await asyncio.sleep(result.killed_at_s)
            stop.set()
            await stack.kill(signal.SIGKILL)

        await asyncio.gather(killer(), *(user(a) for a in cast.users))
    return result


def _confirm(pay: fake_wechatpay.FakePayServer, prepay_id: str) -> None:
    """The app's wx.requestPayment: the fake marks the order paid and notifies."""
    with httpx.Client(timeout=30) as http:
        http.post(f"{pay.url}/confirm", json={"prepay_id": prepay_id})


async def replay(stack: Stack, intents: list[Intent]) -> Counter[str]:
    """Every unanswered creating request again, same key and body (the app's retry)."""
    answers: Counter[str] = Counter()
    async with httpx.AsyncClient(base_url=stack.base, timeout=30) as client:
        for intent in intents:
            if intent.status is None:
                intent.replayed = True
                await send_intent(client, intent)
                answers[f"{intent.status} {intent.code}".strip()] += 1
    return answers


# --- repair and checks -----------------------------------------------------------------


def repair(stack: Stack, pay: fake_wechatpay.FakePayServer) -> str:
    """The registered reconcile and close-unpaid jobs once, each past its delay; then what
    is due."""
    outputs = []
    for name, after in (
        ("carwash.reconcile_payments", REPAIR_AFTER),
        ("carwash.close_unpaid", UNPAID_CLOSED_AFTER),
    ):
        at = (datetime.now(UTC) + after).isoformat()
        done = stack.cli("bench.crash_soak_money", "--run-job", name, at)
        if done.returncode:
            raise SoakError(f"{name} failed: {done.stdout}{done.stderr[-2000:]}")
        outputs.append(done.stdout.strip())
        for _ in range(3):  # notifications of what the job sent, and retries of lost ones
            with pay.state.lock:
                pay.state.offset += 20
            pay.state.deliver_due()
    return "; ".join(outputs)


@dataclass
class Verdict:
    violations: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)


async def check(
    db: MoneyDb, pay: fake_wechatpay.FakePayServer, intents: list[Intent], seen: list[Seen]
) -> Verdict:
    v = Verdict()
    bad = v.violations.append
    cards = {
        int(r[0]): r
        for r in await db.fetch(
            "SELECT id, owner_id, status, amount_fen, washes_total, washes_left, out_trade_no,"
            " refund_fen FROM carwash_cards"
        )
    }
    washes = Counter(int(r[0]) for r in await db.fetch("SELECT card_id FROM carwash_washes"))
    refunds = await db.fetch(
        "SELECT card_id, out_refund_no, amount_fen, status FROM carwash_refunds"
    )
    with pay.state.lock:
        orders = {no: dict(o) for no, o in pay.state.orders.items()}
        paid_refunds = [dict(r) for r in pay.state.refunds.values()]
    ours = {c[6] for c in cards.values()}
    orders = {no: o for no, o in orders.items() if no in ours}
    paid_refunds = [r for r in paid_refunds if r["out_trade_no"] in ours]
    # Stuck: nothing refunding, no paid order left pending.
    for cid, c in cards.items():
        if c[2] == "refunding":
            bad(f"STUCK card {cid} still refunding after the repair")
        order = orders.get(c[6])
        if c[2] in ("pending_payment", "closed") and order and order["trade_state"] == "SUCCESS":
            bad(f"STUCK card {cid} is {c[2]} but WeChat Pay has its payment")
        if c[5] != c[4] - washes[cid]:
            bad(f"WASHES card {cid}: left {c[5]} != bought {c[4]} - redeemed {washes[cid]}")
        if c[2] in PAID_STATES and (order is None or order["trade_state"] != "SUCCESS"):
            bad(f"PAID card {cid} is {c[2]} without a payment at WeChat Pay")
    # Money: refunds paid at the fake = refunds recorded = refund_fen of refunded cards.
    fake_out = sum(
        r["amount"]["refund"] for r in paid_refunds if r["status"] in ("SUCCESS", "ABNORMAL")
    )
    recorded = sum(int(r[2]) for r in refunds if r[3] in ("success", "abnormal"))
    on_cards = sum(int(c[7] or 0) for c in cards.values() if c[2] == "refunded")
    if not fake_out == recorded == on_cards:
        bad(
            f"MONEY refunds paid by WeChat Pay {fake_out} / recorded {recorded} / on cards {on_cards}"
        )
    per_order = Counter()
    for r in paid_refunds:
        if r["status"] != "CLOSED":
            per_order[r["out_trade_no"]] += r["amount"]["refund"]
    for no, fen in per_order.items():
        if fen > orders[no]["amount"]:
            bad(f"MONEY order {no}: refunded {fen} > paid {orders[no]['amount']}")
    paid_in = sum(o["amount"] for o in orders.values() if o["trade_state"] == "SUCCESS")
    activated = sum(int(c[3]) for c in cards.values() if c[2] in PAID_STATES)
    if paid_in != activated:
        bad(f"MONEY payments at WeChat Pay {paid_in} != cards paid here {activated}")
    # Duplicates and losses of created objects.
    purchases = Counter(i.user.user_id for i in intents if i.kind == "purchase")
    owned = Counter(int(c[1]) for c in cards.values())
    for user_id, n in owned.items():
        if n > purchases[user_id]:
            bad(
                f"DUPLICATE user {user_id} has {n} cards from {purchases[user_id]} purchase intents"
            )
    for intent in intents:
        if intent.kind == "purchase":
            if intent.status == 201 and intent.obj_id not in cards:
                bad(f"LOST card {intent.obj_id} answered 201")
            continue
    for kind, (table, column, _) in MARKED.items():
        rows = await db.fetch(f"SELECT id, {column} FROM {table}")
        by_marker: dict[str, list[int]] = {}
        for obj_id, text in rows:
            marker = str(text).rsplit("#", 1)[-1] if "#" in str(text) else ""
            by_marker.setdefault(marker, []).append(int(obj_id))
        for intent in (i for i in intents if i.kind == kind):
            found = by_marker.get(intent.key, [])
            if len(found) > 1:
                bad(f"DUPLICATE {kind} intent {intent.key[:8]}: objects {found}")
            if intent.status == 201 and intent.obj_id not in found:
                bad(f"LOST {kind} {intent.obj_id} answered 201 (found {found})")
            if intent.status is None or (intent.status == 409 and intent.replayed):
                v.warnings.append(
                    f"{kind} intent {intent.key[:8]} unanswered after replay "
                    f"({intent.status} {intent.code}); objects {found}"
                )
    for s in seen:
        if s.status is not None and s.status >= 500 and s.status != 503:
            bad(f"{s.status} {s.code} on {s.kind}")
    for intent in intents:
        if intent.status is not None and intent.status >= 500 and intent.status != 503:
            bad(f"{intent.status} {intent.code} on {intent.kind}")
    v.figures = {
        "cards": Counter(str(c[2]) for c in cards.values()),
        "washes": sum(washes.values()),
        "refunds_fen": recorded,
        "refunds": Counter(str(r[3]) for r in refunds),
        "paid_fen": paid_in,
    }
    return v


# --- the soak ------------------------------------------------------------------------------


async def soak(opts: MoneyOptions, out: Any = print) -> list[Verdict]:
    if opts.redis_url:
        return await _soak(opts, out)
    opts.var_dir.mkdir(parents=True, exist_ok=True)
    with own_redis(opts.var_dir) as url:
        opts.redis_url = url
        import redis.asyncio as aioredis

        probe = aioredis.from_url(url)
        for _ in range(200):  # readiness poll of the redis-server just started
            with contextlib.suppress(Exception):
                if await probe.ping():
                    break
            await asyncio.sleep(0.05)
        await probe.aclose()
        return await _soak(opts, out)


async def _soak(opts: MoneyOptions, out: Any) -> list[Verdict]:
    import redis.asyncio as aioredis

    seed = opts.seed if opts.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    opts.var_dir.mkdir(parents=True, exist_ok=True)
    base = Options(
        db=opts.db,
        pg_url=opts.pg_url,
        redis_url=opts.redis_url,
        workers=opts.workers,
        var_dir=opts.var_dir,
    )
    db = MoneyDb(base)
    if opts.db == "postgres":
        await ensure_pg_database(opts.pg_url)
    await db.reset()
    redis = aioredis.from_url(opts.redis_url, decode_responses=True)
    await redis.flushdb()
    wechat = fake_wechat.start_in_thread()
    pay = fake_wechatpay.start_in_thread(ticker=True)
    stack = Stack(base, db.server_url, wechat)
    stack.env.update(
        {
            "WECHATPAY_API_BASE": pay.url,
            "WECHATPAY_TIMEOUT_S": "2",
            "FAULT_POINTS": "carwash.refund.after_mark=pause:0.3",
        }
    )
    verdicts: list[Verdict] = []
    intents: list[Intent] = []
    seen: list[Seen] = []
    reported: set[str] = set()
    warned: set[str] = set()
    try:
        done = stack.cli("server", "migrate")
        if done.returncode:
            raise SoakError(f"migrate failed: {done.stdout}{done.stderr}")
        out(
            f"money crash soak: {opts.rounds} rounds of <= {opts.seconds:g}s, {opts.users} users, "
            f"db {opts.db}, workers {opts.workers}, seed {seed}"
        )
        stack.start()
        await stack.wait_healthy(timeout_s=300)
        cast = await setup(stack, opts, pay)
        intents += cast.bought
        for round_no in range(1, opts.rounds + 1):
            started = time.monotonic()
            run = await traffic(stack, cast, pay, rng, opts.seconds)
            stack.start()
            restart_s = await stack.wait_healthy(timeout_s=300)
            intents += run.intents
            seen += run.seen
            unanswered = sum(i.status is None for i in run.intents)
            replays = await replay(stack, run.intents)
            job = repair(stack, pay)
            verdict = await check(db, pay, intents, seen)
            # The checks cover every round so far: report what this round added.
            verdict.violations = [x for x in verdict.violations if x not in reported]
            reported.update(verdict.violations)
            verdicts.append(verdict)
            codes = Counter(s.kind + ":" + str(s.status) for s in run.seen)
            out(
                f"round {round_no:>2}: kill at {run.killed_at_s:.2f}s, healthy after {restart_s:.1f}s; "
                f"intents {len(run.intents)} ({unanswered} unanswered → replayed {dict(replays)}); "
                f"calls {dict(sorted(codes.items()))}; job: {job}; "
                f"cards {dict(verdict.figures['cards'])}, washes {verdict.figures['washes']}, "
                f"refunds {dict(verdict.figures['refunds'])} = {verdict.figures['refunds_fen']} fen, "
                f"paid {verdict.figures['paid_fen']} fen; {time.monotonic() - started:.0f}s; "
                + ("OK" if not verdict.violations else f"{len(verdict.violations)} VIOLATIONS")
            )
            for line in verdict.violations:
                out(f"    VIOLATION {line}")
            for line in [w for w in verdict.warnings if w not in warned][:5]:
                out(f"    warning   {line}")
            warned.update(verdict.warnings)
        return verdicts
    finally:
        await stack.kill(signal.SIGKILL)
        wechat.shutdown()
        pay.shutdown()
        await redis.aclose()


def run_job(name: str, at: str) -> None:
    """Run one registered job once at `at` (this process, the server's settings)."""
    from server import registry, resources
    from server.config import load_settings

    async def main() -> None:
        (job,) = [j for j in registry.all_jobs() if j.name == name]
        await resources.open_resources(load_settings())
        try:
            print(json.dumps({name: repr(await job(now=datetime.fromisoformat(at)))}))
        finally:
            await resources.close_resources()

    asyncio.run(main())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--users", type=int, default=24)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--pg-url", default=os.environ.get("CRASH_SOAK_PG_URL", DEFAULT_PG))
    parser.add_argument(
        "--redis-url", default=os.environ.get("CRASH_SOAK_REDIS_URL", DEFAULT_REDIS)
    )
    parser.add_argument("--seed", type=int)
    parser.add_argument("--run-job", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run_job:
        return run_job(*args.run_job)
    opts = MoneyOptions(
        db=args.db,
        pg_url=args.pg_url,
        redis_url=args.redis_url,
        rounds=args.rounds,
        seconds=args.seconds,
        users=args.users,
        workers=args.workers,
        seed=args.seed,
    )
    try:
        verdicts = asyncio.run(soak(opts))
    except SoakError as exc:
        print(f"money crash soak could not run: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    failed = sum(bool(v.violations) for v in verdicts)
    print(
        f"RESULT: {'PASS' if not failed else 'FAIL'} ({len(verdicts)} rounds, {failed} with violations)"
    )
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
