"""Menus for admins over HTTP: the range list (withdrawn ones included) and editing a menu
that is being ordered from — stock, capacity, deadline, withdrawal — never below what
is taken, under concurrent orders."""

from __future__ import annotations

import asyncio
from typing import Any

from booking import store
from models.booking import Slot
from models.meals import Dish, Menu, Order, PickupSlot
from server import resources
from tests.support import Actor, assert_error, make_user
from tests.support.meals import BEFORE, DAY, fetch_menu, make_menu, order_body, place, slot_specs

API = "/api/v1"


async def patch(client: Any, admin: Actor, menu_id: int, body: dict[str, Any], **now: str) -> Any:
    headers = admin.with_headers(**(now or BEFORE))
    return await client.patch(f"{API}/admin/meals/menus/{menu_id}", json=body, headers=headers)


async def test_admin_lists_a_range_with_withdrawn_menus_and_staff_see_only_open_ones(client):
    admin, staff = await make_user("admin"), await make_user()
    kept, withdrawn = await make_menu(client), await make_menu(client)
    response = await patch(client, admin, withdrawn["id"], {"withdrawn": True})
    assert response.status_code == 200, response.text
    assert response.json()["withdrawn"] is True

    listed = await client.get(
        f"{API}/admin/meals/menus", params={"from": DAY, "to": DAY}, headers=admin.headers
    )
    assert listed.status_code == 200, listed.text
    flags = {m["id"]: m["withdrawn"] for m in listed.json()["items"]}
    assert flags[kept["id"]] is False and flags[withdrawn["id"]] is True
    assert listed.json()["next_cursor"] is None

    offered = await client.get(f"{API}/meals/menus", params={"date": DAY}, headers=staff.headers)
    ids = {m["id"] for m in offered.json()["items"]}
    assert kept["id"] in ids and withdrawn["id"] not in ids

    # Another range does not list them; a reversed or too long range is the client's mistake.
    later = await client.get(
        f"{API}/admin/meals/menus",
        params={"from": "2026-12-02", "to": "2026-12-03"},
        headers=admin.headers,
    )
    assert kept["id"] not in {m["id"] for m in later.json()["items"]}
    for params, field in (
        ({"from": "2026-12-03", "to": "2026-12-01"}, "to"),
        ({"from": "2026-01-01", "to": "2026-12-31"}, "to"),
        ({"from": "yesterday"}, "from"),
    ):
        bad = await client.get(f"{API}/admin/meals/menus", params=params, headers=admin.headers)
        assert field in assert_error(bad, 400, "invalid_input")["details"]["fields"]


async def test_a_withdrawn_menu_refuses_new_orders_and_keeps_the_placed_ones(client):
    admin, eater, late = await make_user("admin"), await make_user(), await make_user()
    menu = await make_menu(client)
    placed = await place(client, eater, order_body(menu))
    assert placed.status_code == 201, placed.text

    assert (await patch(client, admin, menu["id"], {"withdrawn": True})).status_code == 200
    refused = await place(client, late, order_body(menu))
    assert assert_error(refused, 409, "invalid_state")["details"]["state"] == "withdrawn"
    assert await Order.filter(menu_id=menu["id"]).count() == 1

    kept = await client.get(f"{API}/meals/orders/{placed.json()['id']}", headers=eater.headers)
    assert kept.json()["status"] == "confirmed" and kept.json()["pickup_code"]
    assert (await Menu.get(id=menu["id"])).withdrawn_at is not None
    # The canteen still prepares it and the owner may still cancel it.
    summary = await client.get(
        f"{API}/canteen/menus/{menu['id']}/summary", headers=(await make_user("canteen")).headers
    )
    assert summary.json()["confirmed"] == 1
    cancelled = await client.post(
        f"{API}/meals/orders/{placed.json()['id']}/cancel", headers=eater.with_headers(**BEFORE)
    )
    assert cancelled.json()["status"] == "cancelled"

    # Put back on offer, it takes orders again.
    assert (await patch(client, admin, menu["id"], {"withdrawn": False})).status_code == 200
    assert (await place(client, late, order_body(menu))).status_code == 201


async def test_stock_and_capacity_go_down_to_what_is_taken_and_never_below(client):
    admin = await make_user("admin")
    menu = await make_menu(client, dishes=[("红烧肉", 1200, 10), ("米饭", 50, 100)])
    dish, slot = menu["dishes"][0], menu["slots"][0]
    for qty in (2, 1):
        response = await place(client, await make_user(), order_body(menu, lines=[(0, qty)]))
        assert response.status_code == 201, response.text

    refused = await patch(
        client,
        admin,
        menu["id"],
        {
            "dishes": [{"id": dish["id"], "stock": 2}],
            "slots": [{"id": slot["id"], "capacity": 1}],
            "withdrawn": True,
        },
    )
    fields = assert_error(refused, 400, "invalid_input")["details"]["fields"]
    assert fields == {
        "dishes.0.stock": "已订3份，库存不能低于3",
        "slots.0.capacity": "已有2人预订，容量不能低于2",
    }
    unchanged = await fetch_menu(client, admin, menu["id"])
    assert unchanged["dishes"][0]["stock"] == 10 and unchanged["slots"][0]["capacity"] == 10
    assert unchanged["withdrawn"] is False
    assert (await Dish.get(id=dish["id"])).stock == 10

    changed = await patch(
        client,
        admin,
        menu["id"],
        {"dishes": [{"id": dish["id"], "stock": 3}], "slots": [{"id": slot["id"], "capacity": 2}]},
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["dishes"][0]["stock"], body["dishes"][0]["remaining"]) == (3, 0)
    assert (body["slots"][0]["capacity"], body["slots"][0]["available"]) == (2, 0)
    assert (await PickupSlot.get(id=slot["id"])).capacity == 2
    assert (await Slot.get(id=slot["id"])).capacity == 2  # the engine's slot: the same id

    sold_out = await place(client, await make_user(), order_body(menu, slot=1, lines=[(0, 1)]))
    assert assert_error(sold_out, 409, "sold_out")["details"]["dish_id"] == dish["id"]
    full = await place(client, await make_user(), order_body(menu, lines=[(1, 1)]))
    assert_error(full, 409, "slot_full")


async def test_more_capacity_confirms_the_head_of_the_waitlist(client):
    admin, first, waiting = await make_user("admin"), await make_user(), await make_user()
    menu = await make_menu(client, slots=slot_specs(2, 1))
    assert (await place(client, first, order_body(menu))).status_code == 201
    queued = await place(client, waiting, order_body(menu, waitlist=True))
    assert queued.status_code == 202 and queued.json()["position"] == 1

    slot = menu["slots"][0]["id"]
    changed = await patch(client, admin, menu["id"], {"slots": [{"id": slot, "capacity": 2}]})
    assert changed.json()["slots"][0]["booked"] == 2
    promoted = await client.get(
        f"{API}/meals/orders/{queued.json()['id']}", headers=waiting.headers
    )
    assert promoted.json()["status"] == "confirmed" and promoted.json()["position"] is None


async def test_the_deadline_moves_only_while_open_and_only_far_enough_ahead(client):
    admin, eater = await make_user("admin"), await make_user()
    menu = await make_menu(client)  # deadline 10:00, first pickup 11:30
    at = {"X-Test-Now": "2026-12-01T09:30:00+08:00"}
    for deadline, field in (
        ("2026-12-01T09:30:30+08:00", "截止时间至少在1分钟之后"),
        ("2026-12-01T11:45:00+08:00", "截止时间不能晚于第一个取餐时段"),
    ):
        refused = await patch(client, admin, menu["id"], {"order_deadline": deadline}, **at)
        assert assert_error(refused, 400, "invalid_input")["details"]["fields"] == {
            "order_deadline": field
        }
    moved = await patch(
        client, admin, menu["id"], {"order_deadline": "2026-12-01T11:00:00+08:00"}, **at
    )
    assert moved.json()["order_deadline"] == "2026-12-01T11:00:00+08:00"
    # An order after the old deadline is taken now.
    after_old = {"X-Test-Now": "2026-12-01T10:30:00+08:00"}
    assert (await place(client, eater, order_body(menu), now=after_old)).status_code == 201
    # Once the deadline passed, it stays passed.
    closed = {"X-Test-Now": "2026-12-01T11:00:00+08:00"}
    late = await patch(
        client, admin, menu["id"], {"order_deadline": "2026-12-01T11:20:00+08:00"}, **closed
    )
    assert_error(late, 409, "too_late")
    assert (await Menu.get(id=menu["id"])).order_deadline.isoformat().startswith("2026-12-01T03:00")


async def test_edits_name_lines_of_their_own_menu_and_refuse_empty_bodies(client):
    admin = await make_user("admin")
    menu, other = await make_menu(client), await make_menu(client)
    foreign = await patch(
        client,
        admin,
        menu["id"],
        {
            "dishes": [{"id": other["dishes"][0]["id"], "stock": 5}],
            "slots": [
                {"id": menu["slots"][0]["id"], "capacity": 5},
                {"id": menu["slots"][0]["id"], "capacity": 6},
            ],
        },
    )
    assert assert_error(foreign, 400, "invalid_input")["details"]["fields"] == {
        "dishes.0.id": "该菜品不属于此菜单",
        "slots.0.id": "时段重复",
        "slots.1.id": "时段重复",
    }
    assert_error(await patch(client, admin, menu["id"], {}), 400, "invalid_input")
    assert_error(await patch(client, admin, 2_000_000_000, {"withdrawn": True}), 404, "not_found")
    staff = await make_user()
    assert_error(await patch(client, staff, menu["id"], {"withdrawn": True}), 403, "forbidden")


async def test_cutting_capacity_while_people_order_never_overbooks(client):
    """Twelve people order at the moment the admin cuts the slot to 5 places: whichever
    lands first, the confirmed orders never exceed the slot's capacity, and the database
    and the Redis gate agree."""
    admin = await make_user("admin")
    menu = await make_menu(client, slots=slot_specs(2, 10))
    slot = menu["slots"][0]["id"]
    for _ in range(3):
        assert (await place(client, await make_user(), order_body(menu))).status_code == 201
    eaters = [await make_user() for _ in range(12)]
    results = await asyncio.gather(
        patch(client, admin, menu["id"], {"slots": [{"id": slot, "capacity": 5}]}),
        *(place(client, eater, order_body(menu)) for eater in eaters),
    )
    cut, orders = results[0], results[1:]
    assert cut.status_code in (200, 400), cut.text
    assert {r.status_code for r in orders} <= {201, 409}
    capacity = (await PickupSlot.get(id=slot)).capacity
    assert capacity == (5 if cut.status_code == 200 else 10)
    assert (await Slot.get(id=slot)).capacity == capacity
    confirmed = await Order.filter(slot_id=slot, status="confirmed").count()
    assert confirmed == 3 + sum(r.status_code == 201 for r in orders)
    assert confirmed <= capacity
    resource = (await Menu.get(id=menu["id"])).resource_id
    copy = await resources.redis().hmget(store.state_key(resource), [f"c:{slot}", f"b:{slot}"])
    assert [int(v) for v in copy] == [capacity, confirmed]
