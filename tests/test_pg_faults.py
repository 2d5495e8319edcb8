"""PostgreSQL connections killed during a lunch rush: 503 `unavailable`, never 500.

A real server process takes a burst of keyed lunch orders (one Idempotency-Key per
person, as the H5 sends them) while the test terminates the server's PostgreSQL
connections (`pg_terminate_backend` on its application_name) again and again. Every
answer must be a 201 or a 503 `unavailable` (the client retries): never a 500. Each
person then retries with the same key until answered; every retry ends in the order
the person got, a committed order whose answer was lost is answered from it, and the
database holds exactly one order per person.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections import Counter
from typing import Any

import asyncpg
import httpx
import pytest

from models.meals import Order
from tests.support import make_user
from tests.support.meals import BEFORE, make_menu, order_body, slot_specs
from tests.support.processes import ServerProcess

pytestmark = [pytest.mark.postgres_only, pytest.mark.slow]

API = "/api/v1"
APP_NAME = "qj-pg-faults"
PEOPLE = 300
KILL_EVERY = 25  # answers between two rounds of pg_terminate_backend


def _server_url(database_url: str) -> str:
    sep = "&" if "?" in database_url else "?"
    return f"{database_url}{sep}application_name={APP_NAME}"


_admin_lock = asyncio.Lock()


async def _terminate(admin: asyncpg.Connection) -> int:
    async with _admin_lock:  # one admin connection, one statement at a time
        rows = await admin.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
            APP_NAME,
        )
    return len(rows)


async def test_terminated_connections_mid_burst_are_503_and_retries_make_one_order(
    client, tmp_path
):
    database_url = os.environ["DATABASE_URL"]
    menu = await make_menu(
        client, slots=slot_specs(2, PEOPLE), dishes=[("红烧肉", 1200, 1000), ("米饭", 50, 1000)]
    )
    people = [await make_user() for _ in range(PEOPLE)]
    keys = {person.user_id: uuid.uuid4().hex for person in people}
    admin = await asyncpg.connect(database_url.replace("postgres://", "postgresql://", 1))
    server = ServerProcess(
        env={"RUN_JOBS": "false", "DATABASE_URL": _server_url(database_url)}
    ).start()
    first: list[httpx.Response] = []
    terminated = 0
    try:
        limits = httpx.Limits(max_connections=64)
        async with httpx.AsyncClient(base_url=server.url, timeout=60, limits=limits) as http:

            async def order(person: Any) -> httpx.Response:
                headers = person.with_headers(**BEFORE, **{"Idempotency-Key": keys[person.user_id]})
                try:
                    return await http.post(
                        f"{API}/meals/orders", json=order_body(menu), headers=headers
                    )
                except httpx.TimeoutException:  # a request left hanging: counted as 0
                    return httpx.Response(0)

            async def burst_one(person: Any) -> None:
                nonlocal terminated
                first.append(await order(person))
                if len(first) % KILL_EVERY == 0:
                    terminated += await _terminate(admin)

            terminated += await _terminate(admin)
            await asyncio.gather(*(burst_one(person) for person in people))

            final: dict[int, httpx.Response] = {}
            for person in people:
                for _ in range(10):
                    answer = await order(person)
                    if answer.status_code != 503:
                        break
                final[person.user_id] = answer
        log = server.stop()
    finally:
        server.stop()
        await admin.close()

    codes = Counter(r.status_code for r in first)
    assert terminated > 0
    (tmp_path / "server.log").write_text(log)
    unhandled = [line for line in log.splitlines() if "unhandled" in line or "Error:" in line]
    assert set(codes) <= {201, 503}, (codes, unhandled[-20:], str(tmp_path / "server.log"))
    for r in first:
        if r.status_code == 503:
            assert r.json()["error"]["code"] == "unavailable", r.text
    assert "another operation is in progress" not in log, log[-3000:]
    assert Counter(r.status_code for r in final.values()) == {201: PEOPLE}
    orders = await Order.filter(menu_id=menu["id"]).values_list("user_id", "id")
    by_user = dict(orders)  # type: ignore[arg-type]
    assert len(orders) == PEOPLE == len(by_user)  # one order per person, none twice
    for person in people:
        assert final[person.user_id].json()["id"] == by_user[person.user_id]
