"""Refunds under real process faults: the fake WeChat Pay as its own process paused
(SIGSTOP) during the refund call, and the server killed (-9) between "marked refunding"
and "refund sent" (fault point `carwash.refund.after_mark`).

The server processes share the suite's database and Redis (RUN_JOBS=false: the suite's
data is left to the suite); the reconcile job runs as its own process, found in the
registry, at a time past its "few minutes". Money is counted on both sides: the refunds
the fake paid on the order = the refunds recorded as paid here.
"""

from __future__ import annotations

import asyncio
import signal
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from models.carwash import Card, Refund
from models.notifications import Notice
from services.carwash import payments
from tests.support import Actor, assert_error, make_user
from tests.support.processes import FakePayProcess, ServerProcess, fake_pay_process, run_module

pytestmark = pytest.mark.slow  # real server and fake WeChat Pay processes

API = "/api/v1"
LATER = timedelta(minutes=3)


async def _active_card(http: httpx.AsyncClient, fake: FakePayProcess) -> tuple[Actor, int, str]:
    """A card bought through the server process and paid at the fake process."""
    admin, owner = await make_user("admin"), await make_user()
    kind = await http.post(
        f"{API}/admin/carwash/card-types",
        json={
            "name": f"进程洗车卡{uuid.uuid4().hex[:6]}",
            "washes": 10,
            "price_fen": 20000,
            "valid_days": 180,
            "per_user_limit": 1,
        },
        headers=admin.headers,
    )
    assert kind.status_code == 201, kind.text
    bought = await http.post(
        f"{API}/carwash/purchases", json={"card_type_id": kind.json()["id"]}, headers=owner.headers
    )
    assert bought.status_code == 201, bought.text
    prepay_id = bought.json()["pay_params"]["package"].split("=", 1)[1]
    paid = await http.post(f"{fake.url}/confirm", json={"prepay_id": prepay_id})
    assert paid.json()["delivered"] is True, paid.text
    card_id = int(bought.json()["card"]["id"])
    assert (await Card.get(id=card_id)).status == "active"
    return owner, card_id, bought.json()["out_trade_no"]


async def _paid_by_fake(http: httpx.AsyncClient, fake: FakePayProcess, trade_no: str) -> list[Any]:
    items = (await http.get(f"{fake.url}/stub/refunds")).json()["items"]
    return [r for r in items if r["out_trade_no"] == trade_no and r["status"] == "SUCCESS"]


async def _balanced(http: httpx.AsyncClient, fake: FakePayProcess, card_id: int, no: str) -> int:
    paid = sum(r["amount"]["refund"] for r in await _paid_by_fake(http, fake, no))
    assert paid == await payments.paid_out(card_ids=[card_id])
    return paid


def _reconcile(fake: FakePayProcess, server: ServerProcess) -> str:
    """The job in its own process, configured as the server is (its notify URL too)."""
    at = (datetime.now(UTC) + LATER).isoformat()
    env = {"WECHATPAY_API_BASE": fake.url, "HOST": "127.0.0.1", "PORT": str(server.port)}
    return run_module("tests.support.carwash_reconcile", "carwash.reconcile_payments", at, env=env)


async def test_fake_paused_during_the_refund_call_the_card_stays_refunding_then_pays_once(client):
    with fake_pay_process() as fake:
        env = {"WECHATPAY_API_BASE": fake.url, "RUN_JOBS": "false", "WECHATPAY_TIMEOUT_S": "1"}
        server = ServerProcess(env=env).start()
        try:
            async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
                owner, card_id, trade_no = await _active_card(http, fake)

                fake.signal(signal.SIGSTOP)  # WeChat Pay hangs: our call times out
                try:
                    first = await http.post(
                        f"{API}/carwash/cards/{card_id}/refund", headers=owner.headers
                    )
                finally:
                    fake.signal(signal.SIGCONT)  # ...and then does the refund after all

                assert first.status_code == 202, first.text
                assert first.json()["status"] == "refunding"
                # The fake reads the buffered call once resumed: wait until it has paid.
                for _ in range(200):
                    if await _paid_by_fake(http, fake, trade_no):
                        break
                    await asyncio.sleep(0.05)  # readiness poll of the resumed process
                assert len(await _paid_by_fake(http, fake, trade_no)) == 1
                card = await Card.get(id=card_id)
                assert card.status == "refunding" and card.out_refund_no
                assert_error(
                    await http.post(f"{API}/carwash/cards/{card_id}/refund", headers=owner.headers),
                    409,
                    "invalid_state",
                )

                delivered = await http.post(f"{fake.url}/stub/deliver", json={})
                assert delivered.json()["delivered"] == 1  # REFUND.SUCCESS, answered 204

                assert (await Card.get(id=card_id)).status == "refunded"
                again = await http.post(
                    f"{API}/carwash/cards/{card_id}/refund", headers=owner.headers
                )
                assert_error(again, 409, "invalid_state")
                assert await Refund.filter(card_id=card_id).count() == 1
                assert (
                    await Notice.filter(user_id=owner.user_id, kind="carwash_refunded").count() == 1
                )
                assert await _balanced(http, fake, card_id, trade_no) == 20000
        finally:
            server.stop()


async def test_killed_between_marking_and_sending_the_job_repairs_the_refund(client):
    with fake_pay_process() as fake:
        env = {"WECHATPAY_API_BASE": fake.url, "RUN_JOBS": "false"}
        dying = ServerProcess(env={**env, "FAULT_POINTS": "carwash.refund.after_mark=kill"})
        dying.start()
        try:
            async with httpx.AsyncClient(base_url=dying.url, timeout=60) as http:
                owner, card_id, trade_no = await _active_card(http, fake)
                try:
                    lost = await http.post(
                        f"{API}/carwash/cards/{card_id}/refund", headers=owner.headers
                    )
                except httpx.HTTPError:
                    lost = None
                assert lost is None or lost.status_code >= 500, lost and lost.text
        finally:
            dying.stop()
        card = await Card.get(id=card_id)
        assert card.status == "refunding"  # marked, never sent
        async with httpx.AsyncClient(timeout=60) as http:
            assert await _paid_by_fake(http, fake, trade_no) == []

        server = ServerProcess(env=env, port=dying.port).start()  # restarted on its port
        try:
            async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
                _reconcile(fake, server)  # refund query: 404 → sent now, same number
                assert len(await _paid_by_fake(http, fake, trade_no)) == 1
                delivered = await http.post(f"{fake.url}/stub/deliver", json={})
                assert delivered.json()["delivered"] == 1  # REFUND.SUCCESS, answered 204
                assert (await Card.get(id=card_id)).status == "refunded"
                _reconcile(fake, server)  # nothing twice
                assert_error(
                    await http.post(f"{API}/carwash/cards/{card_id}/refund", headers=owner.headers),
                    409,
                    "invalid_state",
                )
                assert await _balanced(http, fake, card_id, trade_no) == 20000
                assert len(await _paid_by_fake(http, fake, trade_no)) == 1
        finally:
            server.stop()
