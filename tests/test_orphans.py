"""Repair what the code before "one action, one transaction" left: reservations
committed without their order (the process died between the two commits). Their users
were locked out (`limit_reached`) with no order to show; the reconcile job and
`python -m server repair-orphans` give their places and dish stock back."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from datetime import datetime

import pytest

import booking
from jobs import booking as booking_jobs
from models.booking import Reservation
from models.meals import Menu, Order
from tests.support import assert_error, make_user
from tests.support.meals import fetch_menu, make_menu, order_body, place, slot_specs

NOW = datetime.fromisoformat("2026-12-01T09:00:00+08:00")
pytestmark = pytest.mark.usefixtures("app")


async def leave_orphan(menu: dict, user_id: int, *, qty: int = 2) -> int:
    """What the old code did before it died: the engine's commit, no order row."""
    resource_id = (await Menu.get(id=menu["id"])).resource_id
    info = await booking.reserve(
        resource_id=resource_id,
        user_id=user_id,
        slot_ids=[menu["slots"][0]["id"]],
        counters={f"dish:{menu['dishes'][0]['id']}": qty},
        now=NOW,
    )
    return info.id


async def test_the_reconcile_job_gives_an_orphans_place_and_stock_back(client, caplog):
    menu = await make_menu(client, dishes=[("红烧肉", 1200, 10)])
    locked_out = await make_user()
    orphan = await leave_orphan(menu, locked_out.user_id)
    assert_error(await place(client, locked_out, order_body(menu)), 409, "limit_reached")
    seen = await fetch_menu(client, locked_out, menu["id"])
    assert (seen["slots"][0]["booked"], seen["dishes"][0]["remaining"]) == (1, 8)

    with caplog.at_level(logging.WARNING, logger="qinejia.booking"):
        report = await booking_jobs.reconcile(now=NOW)
    assert report is not None and report["orphans"] >= 1
    assert any(str(orphan) in r.getMessage() for r in caplog.records)
    assert (await Reservation.get(id=orphan)).status == "cancelled"
    seen = await fetch_menu(client, locked_out, menu["id"])
    assert (seen["slots"][0]["booked"], seen["dishes"][0]["remaining"]) == (0, 10)
    assert (await place(client, locked_out, order_body(menu))).status_code == 201
    # Reservations that have their order are left alone.
    assert await booking.repair_orphans(now=NOW) == []
    assert await Order.filter(user_id=locked_out.user_id, status="confirmed").count() == 1


async def test_an_orphan_holding_the_last_place_lets_the_waitlist_head_in(client):
    menu = await make_menu(client, slots=slot_specs(1, 1))
    orphan = await leave_orphan(menu, (await make_user()).user_id, qty=1)
    waiting = await make_user()
    response = await place(client, waiting, order_body(menu, waitlist=True))
    assert response.status_code == 202, response.text
    repaired = await booking.repair_orphans(now=NOW)
    assert [r["reservation_id"] for r in repaired] == [orphan]
    order = await Order.get(id=response.json()["id"])
    assert order.status == "confirmed"  # promoted with its order in one transaction


async def test_the_repair_orphans_command(client):
    menu = await make_menu(client)
    orphan = await leave_orphan(menu, (await make_user()).user_id)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "server",
        "repair-orphans",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=dict(os.environ),
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    assert f"meals reservation {orphan}" in out.decode()
    assert (await Reservation.get(id=orphan)).status == "cancelled"
