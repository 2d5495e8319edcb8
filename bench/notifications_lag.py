"""Lag from notify() to the fake WeChat receiving the subscribe message (p50/p99).

One command (SQLite in a temp dir, embedded Redis, the fake WeChat on loopback):

    .venv/bin/python bench/notifications_lag.py --notices 1000

PostgreSQL and a Redis server instead (the database's public schema is DROPPED and
rebuilt, the notices:* keys of that Redis index are deleted), with the consumer in its
own process (`python -m server worker --no-jobs`, as in production):

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test_notifications \
    REDIS_URL=redis://127.0.0.1:6379/2 .venv/bin/python bench/notifications_lag.py --worker

What runs is the production path: `notify()` (inbox row + XADD) → the consumer group
(`run_consumer`: a task in this process, or the worker process with --worker) →
wechatpy over HTTP → the fake WeChat in a process of its own (as WeChat is remote),
which stamps each message on arrival (same host clock). Every notice goes to its own
user holding one credit, so a message is matched to its notify() call by openid.
Two shapes of load:

- steady: notices spread evenly at `--rate` per second (a waitlist promotion here and
  there during the lunch rush);
- burst: all notices at once (a whole canteen's summaries at cut-off).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


_TMP = Path(tempfile.mkdtemp(prefix="qinejia-bench-"))
_FAKE_URL = f"http://127.0.0.1:{_free_port()}"
os.environ["APP_ENV"] = "development"
os.environ["VAR_DIR"] = str(_TMP)
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or f"sqlite://{_TMP / 'b.db'}"
os.environ["WECHAT_API_BASE"] = _FAKE_URL
os.environ.pop("WECHAT_APPID", None)
os.environ.pop("WECHAT_SECRET", None)

from server import resources  # noqa: E402
from server.config import load_settings  # noqa: E402
from server.db import migrate, url_is_sqlite  # noqa: E402

TEMPLATE = "TPL_MEAL_ORDER_STATUS"


def _fake_get(path: str) -> dict:
    with urllib.request.urlopen(_FAKE_URL + path, timeout=10) as response:
        return json.loads(response.read())


def _start_fake() -> subprocess.Popen[bytes]:
    port = _FAKE_URL.rsplit(":", 1)[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "miniapp_stub.fake_wechat", "--port", port], cwd=ROOT
    )
    for _ in range(100):
        try:
            _fake_get("/stub/health")
            return process
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("fake WeChat did not start")


async def _reset(settings_url: str) -> None:
    if not url_is_sqlite(settings_url):
        import asyncpg

        url = settings_url.replace("asyncpg://", "postgres://", 1)
        conn = await asyncpg.connect(url)
        try:
            await conn.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;")
        finally:
            await conn.close()
    await migrate(settings_url)


async def _users(count: int, tag: str) -> list[tuple[int, str]]:
    from models.identity import User
    from models.notifications import SubscriptionCredit

    await User.bulk_create(
        [User(openid=f"o-bench-{tag}-{n}", session_key="x") for n in range(count)]
    )
    users = await User.filter(openid__startswith=f"o-bench-{tag}-").values_list("id", "openid")
    await SubscriptionCredit.bulk_create(
        [SubscriptionCredit(user_id=uid, template_id=TEMPLATE, credits=1) for uid, _ in users]
    )
    return [(int(uid), str(openid)) for uid, openid in users]


async def _run(shape: str, count: int, rate: float) -> tuple[list[float], float]:
    from services import notifications

    users = await _users(count, shape)
    started: dict[str, float] = {}

    async def one(user_id: int, openid: str) -> None:
        started[openid] = time.time()
        await notifications.notify(
            user_id=user_id,
            kind="meal_promoted",
            title="候补成功",
            body="您已从候补转为预订成功",
            link="pages/meals/order",
            template_data={"slot_time": datetime.now(UTC)},
            now=datetime.now(UTC),
        )

    if shape == "burst":
        await asyncio.gather(*(one(uid, openid) for uid, openid in users))
    else:
        loop = asyncio.get_running_loop()
        begin = loop.time()
        tasks = []
        for n, (uid, openid) in enumerate(users):
            delay = begin + n / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)  # pacing the load generator, not a test wait
            tasks.append(asyncio.ensure_future(one(uid, openid)))
        await asyncio.gather(*tasks)

    deadline = time.time() + 120
    got: dict[str, float] = {}
    while time.time() < deadline:
        items = (await asyncio.to_thread(_fake_get, "/stub/messages"))["items"]
        got = {m["touser"]: m["received_at"] for m in items if m["touser"] in started}
        if len(got) >= count:
            break
        await asyncio.sleep(0.2)
    missing = count - len(got)
    if missing:
        print(f"{shape}: {missing} message(s) not received within 120 s", file=sys.stderr)
    span = max(got.values()) - min(started.values()) if got else 0.0
    return sorted((got[o] - started[o]) * 1000 for o in got), span


def _pct(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notices", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=20.0, help="steady shape, per second")
    parser.add_argument(
        "--worker", action="store_true", help="consumer in its own process (needs REDIS_URL)"
    )
    args = parser.parse_args()

    fake = _start_fake()
    settings = load_settings()
    if settings.embedded_redis:
        os.environ["REDIS_URL"] = resources.start_embedded_redis(_TMP)
        settings = load_settings()
    await _reset(settings.database_url)
    await resources.open_resources(settings)
    await resources.redis().delete("notices:stream", "notices:retry", "notices:dead")

    from services.notifications import delivery as notifications_delivery

    stop = asyncio.Event()
    worker = None
    if args.worker:
        worker = subprocess.Popen(
            [sys.executable, "-m", "server", "worker", "--no-jobs"], cwd=ROOT, env=os.environ
        )
        consumer = asyncio.ensure_future(stop.wait())
    else:
        consumer = asyncio.ensure_future(notifications_delivery.run_consumer(stop=stop))
    db = "sqlite" if url_is_sqlite(settings.database_url) else "postgresql"
    where = "worker process" if args.worker else "in-process task"
    print(
        f"database={db} redis={'embedded' if 'unix' in (settings.redis_url or '') else 'server'} "
        f"consumer={where} cpus={os.cpu_count()} load={os.getloadavg()[0]:.1f}"
    )
    try:
        for shape in ("steady", "burst"):
            lags, span = await _run(shape, args.notices, args.rate)
            print(
                f"{shape:6} n={len(lags)} p50={_pct(lags, 0.5):.1f} ms "
                f"p99={_pct(lags, 0.99):.1f} ms max={lags[-1]:.1f} ms "
                f"mean={statistics.fmean(lags):.1f} ms "
                + (
                    f"(offered {args.rate:g}/s)"
                    if shape == "steady"
                    else f"(all delivered in {span:.1f} s = {len(lags) / span:.0f}/s)"
                )
            )
    finally:
        stop.set()
        await consumer
        for process in (worker, fake):
            if process is not None:
                process.terminate()
                process.wait(timeout=10)
        await resources.close_resources()


if __name__ == "__main__":
    asyncio.run(main())
