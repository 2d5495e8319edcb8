"""Real server processes: the embedded SQLite default under two workers and
the background process, and two servers sharing one database and one Redis.

SQLite under `run --workers 2` must not answer concurrent binds with 500 "database is
locked".
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
import uuid
from collections import Counter
from pathlib import Path

import httpx
import pytest

from models.meals import Order
from tests.support import make_user
from tests.support.meals import BEFORE, DAY, make_menu, order_body, slot_specs
from tests.support.processes import ROOT, servers
from tests.support.redis_faults import redis_process

pytestmark = pytest.mark.slow  # real server processes

API = "/api/v1"


async def _statuses(requests) -> Counter[int]:
    replies = await asyncio.gather(*requests)
    return Counter(r.status_code for r in replies)


async def test_sqlite_with_two_workers_and_the_background_process_holds_100_binds():
    folder = Path(tempfile.mkdtemp(prefix="qinejia-sqlite-"))
    people = [(f"W{n:04d}", f"并发员{n}") for n in range(100)]
    staff_csv = folder / "staff.csv"
    staff_csv.write_text(
        "employee_no,name,department,roles\n"
        + "".join(f"{no},{name},测试处,staff\n" for no, name in people),
        encoding="utf-8",
    )
    with redis_process() as redis_server:
        env = {
            "DATABASE_URL": f"sqlite://{folder / 'app.sqlite3'}",
            "REDIS_URL": redis_server.url,
            "VAR_DIR": str(folder),
            "RUN_JOBS": "true",
        }
        for command in (["migrate"], ["import-staff", str(staff_csv)]):
            subprocess.run(
                [sys.executable, "-m", "server", *command],
                cwd=ROOT,
                env={**_inherited(), **env},
                check=True,
                capture_output=True,
            )
        with servers(1, env=env, workers=2) as (server,):
            limits = httpx.Limits(max_connections=200)
            async with httpx.AsyncClient(base_url=server.url, timeout=60, limits=limits) as http:

                async def login_and_bind(no: str, name: str) -> list[int]:
                    login = await http.post(f"{API}/auth/login", json={"code": f"c-{no}"})
                    if login.status_code != 200:
                        return [login.status_code]
                    bind = await http.post(
                        f"{API}/auth/bind",
                        json={"employee_no": no, "name": name},
                        headers={"Authorization": f"Bearer {login.json()['token']}"},
                    )
                    return [login.status_code, bind.status_code]

                results = await asyncio.gather(*(login_and_bind(*p) for p in people))
                binds = Counter(code for pair in results for code in pair)
            log = server.stop()
    assert binds == {200: 200}, binds
    assert "database is locked" not in log, log[-2000:]


def _inherited() -> dict[str, str]:
    import os

    return dict(os.environ)


async def test_two_servers_on_one_database_and_redis_sell_exactly_the_capacity(client):
    """400 concurrent orders for 50 places, half through each server → exactly 50."""
    menu = await make_menu(
        client, slots=slot_specs(1, 50), dishes=[("红烧肉", 1200, 1000), ("米饭", 50, 1000)]
    )
    buyers = [await make_user() for _ in range(400)]
    with servers(2, env={"RUN_JOBS": "false"}) as pair:
        clients = [
            httpx.AsyncClient(base_url=s.url, timeout=120, limits=httpx.Limits(max_connections=100))
            for s in pair
        ]
        try:
            replies = await asyncio.gather(
                *(
                    clients[n % 2].post(
                        f"{API}/meals/orders",
                        json=order_body(menu),
                        headers=buyer.with_headers(
                            **BEFORE, **{"Idempotency-Key": uuid.uuid4().hex}
                        ),
                    )
                    for n, buyer in enumerate(buyers)
                )
            )
            listed = await clients[1].get(
                f"{API}/meals/menus?date={DAY}", headers=buyers[0].with_headers(**BEFORE)
            )
        finally:
            for http in clients:
                await http.aclose()
    codes = Counter(r.status_code for r in replies)
    assert codes == {201: 50, 409: 350}, codes
    assert {r.json()["error"]["code"] for r in replies if r.status_code == 409} == {"slot_full"}
    per_server = Counter(n % 2 for n, r in enumerate(replies) if r.status_code == 201)
    assert sum(per_server.values()) == 50
    assert await Order.filter(menu_id=menu["id"], status="confirmed").count() == 50
    (shown,) = [m for m in listed.json()["items"] if m["id"] == menu["id"]]
    assert shown["slots"][0]["booked"] == 50 and shown["slots"][0]["available"] == 0
