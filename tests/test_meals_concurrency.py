"""The invariants of API.md §3 under real concurrent HTTP requests (asyncio.gather),
counted in the database and in the engine (Redis)."""

from __future__ import annotations

import asyncio
from collections import Counter

import booking
from models.meals import Menu, Order
from tests.support import make_user
from tests.support.meals import make_menu, order_body, place, slot_specs


async def _engine_figures(menu: dict) -> tuple[list[int], dict[str, int]]:
    resource_id = (await Menu.get(id=menu["id"])).resource_id
    places = await booking.availability(resource_id=resource_id)
    names = [f"dish:{d['id']}" for d in menu["dishes"]]
    return [p.booked for p in places], await booking.counters_remaining(
        resource_id=resource_id, names=names
    )


async def test_300_users_at_once_never_oversell_places(client):
    menu = await make_menu(
        client, dishes=[("宫保鸡丁", 1000, 1000), ("米饭", 50, 1000)], slots=slot_specs(2, 60)
    )
    users = [await make_user() for _ in range(300)]
    responses = await asyncio.gather(
        *(
            place(client, u, order_body(menu, slot=i % 2, lines=[(0, 1), (1, 2)]))
            for i, u in enumerate(users)
        )
    )
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 120, 409: 180}, statuses
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {"slot_full"}
    per_slot = Counter(
        await Order.filter(menu_id=menu["id"], status="confirmed").values_list("slot_id", flat=True)
    )
    assert sorted(per_slot.values()) == [60, 60]
    booked, remaining = await _engine_figures(menu)
    assert booked == [60, 60]
    dishes = [d["id"] for d in menu["dishes"]]
    assert remaining == {f"dish:{dishes[0]}": 1000 - 120, f"dish:{dishes[1]}": 1000 - 240}


async def test_300_users_at_once_never_oversell_a_dish(client):
    menu = await make_menu(
        client, dishes=[("红烧肉", 1200, 150), ("米饭", 50, 2000)], slots=slot_specs(3, 200)
    )
    users = [await make_user() for _ in range(300)]
    # Quantities 1-3: the stock may end with too little left for the next request, so
    # the check is "never more than the stock", and the engine's remainder agrees.
    responses = await asyncio.gather(
        *(
            place(client, u, order_body(menu, slot=i % 3, lines=[(0, 1 + i % 3), (1, 1)]))
            for i, u in enumerate(users)
        )
    )
    codes = Counter(
        r.json()["error"]["code"] if r.status_code >= 400 else r.status_code for r in responses
    )
    assert set(codes) <= {201, "sold_out"}, codes
    assert codes["sold_out"] > 0
    rows = await Order.filter(menu_id=menu["id"], status="confirmed").values_list(
        "items", flat=True
    )
    pork = sum(item["qty"] for items in rows for item in items if item["name"] == "红烧肉")
    assert len(rows) == codes[201]
    assert 148 <= pork <= 150  # at most the stock, and only a remainder under 3 unsold
    booked, remaining = await _engine_figures(menu)
    assert sum(booked) == len(rows)
    assert remaining[f"dish:{menu['dishes'][0]['id']}"] == 150 - pork
    assert remaining[f"dish:{menu['dishes'][1]['id']}"] == 2000 - len(rows)


async def test_twenty_taps_of_one_user_make_one_order(client):
    menu = await make_menu(client, slots=slot_specs(4, 50), per_user_limit=1)
    staff = await make_user()
    responses = await asyncio.gather(
        *(place(client, staff, order_body(menu, slot=i % 4)) for i in range(20))
    )
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 1, 409: 19}, statuses
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {
        "limit_reached"
    }
    assert await Order.filter(user_id=staff.user_id, menu_id=menu["id"]).count() == 1
    booked, remaining = await _engine_figures(menu)
    assert sum(booked) == 1
    assert remaining[f"dish:{menu['dishes'][0]['id']}"] == 99


async def test_twenty_taps_with_waitlist_respect_the_limit_too(client):
    menu = await make_menu(client, slots=slot_specs(1, 1), per_user_limit=2)
    holder, staff = await make_user(), await make_user()
    assert (await place(client, holder, order_body(menu))).status_code == 201
    responses = await asyncio.gather(
        *(place(client, staff, order_body(menu, waitlist=True)) for _ in range(20))
    )
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {202: 2, 409: 18}, statuses
    assert await Order.filter(user_id=staff.user_id, status="waitlisted").count() == 2


async def test_hang_ups_mid_order_never_leave_a_place_without_an_order(client):
    """A client that disconnects cancels its request task at whatever await it is in;
    the reservation and the order row are still written together (or not at all)."""
    from datetime import datetime

    from services import meals

    menu = await make_menu(client, slots=slot_specs(1, 100))
    users = [await make_user() for _ in range(40)]
    now = datetime.fromisoformat("2026-12-01T09:00:00+08:00")
    requests = []
    for index, user in enumerate(users):
        task = asyncio.ensure_future(
            meals.place_order(
                user_id=user.user_id,
                menu_id=menu["id"],
                slot_id=menu["slots"][0]["id"],
                lines=[meals.LineIn(dish_id=menu["dishes"][0]["id"], qty=1)],
                pickup="dine_in",
                waitlist=False,
                idempotency_key=None,
                now=now,
            )
        )
        for _ in range(index):  # cancel each request at a different point of its work
            await asyncio.sleep(0)
        task.cancel()
        requests.append(task)
    await asyncio.gather(*requests, return_exceptions=True)
    await booking.settled()  # requests whose callers went away finish (or give back)

    rows = await Order.filter(menu_id=menu["id"], status="confirmed").count()
    booked, remaining = await _engine_figures(menu)
    assert booked == [rows]
    assert remaining[f"dish:{menu['dishes'][0]['id']}"] == 100 - rows
    assert 0 < rows < 40  # some were cancelled before reserving, some after
