"""Meals over HTTP: menus, ordering rules, validation, cancel and waitlist promotion."""

from __future__ import annotations

import uuid

import booking
from models.meals import Menu, Order
from tests.support import assert_error, make_user
from tests.support.meals import (
    BEFORE,
    DAY,
    DEADLINE,
    fetch_menu,
    make_menu,
    order_body,
    place,
    slot_specs,
)

# --- menus -------------------------------------------------------------------------


async def test_admin_creates_menu_and_staff_lists_it(client):
    menu = await make_menu(client, dishes=[("清蒸鲈鱼", 1500, 20), ("米饭", 50, 100)])
    assert set(menu) == {
        "id", "date", "meal", "canteen", "order_deadline", "per_user_limit", "dishes", "slots",
        "withdrawn",
    }  # fmt: skip
    assert menu["order_deadline"] == DEADLINE
    assert [(d["name"], d["stock"], d["remaining"]) for d in menu["dishes"]] == [
        ("清蒸鲈鱼", 20, 20),
        ("米饭", 100, 100),
    ]
    slot = menu["slots"][0]
    assert set(slot) == {"id", "start", "end", "capacity", "booked", "available", "waitlist"}
    assert (slot["start"], slot["capacity"], slot["booked"], slot["available"]) == (
        "2026-12-01T11:30:00+08:00",
        10,
        0,
        10,
    )
    staff = await make_user()
    response = await client.get(f"/api/v1/meals/menus?date={DAY}", headers=staff.headers)
    assert response.status_code == 200
    assert menu["id"] in [m["id"] for m in response.json()["items"]]
    # API.md §1: every list is {"items", "next_cursor"} (one day's menus fit one page)
    assert response.json()["next_cursor"] is None


async def test_only_admin_creates_menus(client):
    canteen = await make_user("canteen")
    response = await client.post(
        "/api/v1/admin/meals/menus", json={"date": DAY}, headers=canteen.headers
    )
    assert_error(response, 403, "forbidden")


async def test_bad_menu_bodies_are_400_with_fields(client):
    admin = await make_user("admin")
    good = {
        "date": DAY,
        "meal": "lunch",
        "canteen": f"坏菜单{uuid.uuid4().hex[:6]}",
        "order_deadline": DEADLINE,
        "dishes": [{"name": "米饭", "price_fen": 50, "stock": 10}],
        "slots": slot_specs(1, 5),
    }
    cases = [
        ({"meal": "supper"}, "meal"),
        ({"dishes": []}, "dishes"),
        ({"dishes": [{"name": "米饭", "price_fen": -1, "stock": 1}]}, "dishes.0.price_fen"),
        ({"order_deadline": "2026-12-01T12:00:00+08:00"}, "order_deadline"),
        (
            {"slots": [{**slot_specs(1, 5)[0], "end": "2026-12-01T11:00:00+08:00"}]},
            "slots.0.end",
        ),
        ({"slots": slot_specs(1, 5, day="2026-12-02")}, "slots.0.start"),
    ]
    for change, field in cases:
        response = await client.post(
            "/api/v1/admin/meals/menus", json={**good, **change}, headers=admin.headers
        )
        error = assert_error(response, 400, "invalid_input")
        assert field in error["details"]["fields"], (change, error)
    staff = await make_user()
    listed = await client.get(f"/api/v1/meals/menus?date={DAY}", headers=staff.headers)
    assert good["canteen"] not in [m["canteen"] for m in listed.json()["items"]]
    bad_query = await client.get("/api/v1/meals/menus?date=12/01", headers=staff.headers)
    assert "date" in assert_error(bad_query, 400, "invalid_input")["details"]["fields"]


async def test_menu_times_at_the_calendar_edge_and_nul_or_blank_names_are_400(client):
    """Year 1 / 9999 with an offset cannot be stored in UTC, PostgreSQL text cannot hold
    a NUL byte, and a blank name would be stored empty: the client's mistake, so 400."""
    admin = await make_user("admin")
    canteen = f"边界菜单{uuid.uuid4().hex[:6]}"
    good = {
        "date": DAY,
        "meal": "lunch",
        "canteen": canteen,
        "order_deadline": DEADLINE,
        "dishes": [{"name": "米饭", "price_fen": 50, "stock": 10}],
        "slots": slot_specs(1, 5),
    }
    edge = "9999-12-31T23:00:00-10:00"
    before = await Menu.all().count()
    cases = [
        (
            {
                "date": "0001-01-01",
                "order_deadline": "0001-01-01T00:00:00+08:00",
                "slots": [
                    {
                        "start": "0001-01-01T00:10:00+08:00",
                        "end": "0001-01-01T01:00:00+08:00",
                        "capacity": 1,
                    }
                ],
            },
            "order_deadline",
        ),
        (
            {
                "date": "9999-12-31",
                "order_deadline": "9999-12-31T00:00:00+08:00",
                "slots": [{"start": edge, "end": edge.replace("23:00", "23:30"), "capacity": 1}],
            },
            "slots.0.start",
        ),
        ({"canteen": "食\u0000堂"}, "canteen"),
        ({"dishes": [{"name": "米\u0000饭", "price_fen": 50, "stock": 10}]}, "dishes.0.name"),
        ({"canteen": "   "}, "canteen"),
        ({"dishes": [{"name": " ", "price_fen": 50, "stock": 10}]}, "dishes.0.name"),
    ]
    for change, field in cases:
        response = await client.post(
            "/api/v1/admin/meals/menus", json={**good, **change}, headers=admin.headers
        )
        error = assert_error(response, 400, "invalid_input")
        assert field in error["details"]["fields"], (change, error)
    assert await Menu.all().count() == before


async def test_duplicate_menu_is_conflict(client):
    menu = await make_menu(client)
    admin = await make_user("admin")
    body = {
        "date": DAY,
        "meal": "lunch",
        "canteen": menu["canteen"],
        "order_deadline": DEADLINE,
        "dishes": [{"name": "米饭", "price_fen": 50, "stock": 10}],
        "slots": slot_specs(1, 5),
    }
    response = await client.post("/api/v1/admin/meals/menus", json=body, headers=admin.headers)
    assert_error(response, 409, "conflict")


# --- ordering ----------------------------------------------------------------------


async def test_order_is_confirmed_with_a_pickup_code(client):
    menu = await make_menu(client)
    staff = await make_user()
    response = await place(client, staff, order_body(menu, lines=[(0, 2), (1, 1)]))
    assert response.status_code == 201, response.text
    order = response.json()
    assert order["status"] == "confirmed" and order["position"] is None
    assert order["total_fen"] == 2 * 1200 + 50
    assert order["slot"] == {k: menu["slots"][0][k] for k in ("id", "start", "end")}
    assert [(i["name"], i["qty"], i["price_fen"]) for i in order["items"]] == [
        ("红烧肉", 2, 1200),
        ("米饭", 1, 50),
    ]
    assert len(order["pickup_code"]) >= 43  # 256 random bits, URL-safe
    assert order["pickup_code"].replace("-", "").replace("_", "").isalnum()

    after = await fetch_menu(client, staff, menu["id"])
    assert [d["remaining"] for d in after["dishes"]] == [98, 499]
    assert (after["slots"][0]["booked"], after["slots"][0]["available"]) == (1, 9)

    mine = await client.get(f"/api/v1/meals/orders/{order['id']}", headers=staff.headers)
    assert mine.json() == order
    listed = await client.get(f"/api/v1/meals/orders?date={DAY}", headers=staff.headers)
    assert [o["id"] for o in listed.json()["items"]] == [order["id"]]
    assert listed.json()["next_cursor"] is None


async def test_bad_order_bodies_are_400_and_change_nothing(client):
    menu = await make_menu(client)
    other = await make_menu(client)
    staff = await make_user()
    base = order_body(menu)
    dish = menu["dishes"][0]["id"]
    cases = [
        ({"items": [{"dish_id": dish, "qty": 0}]}, "items.0.qty"),
        ({"items": [{"dish_id": dish, "qty": 6}]}, "items.0.qty"),
        ({"items": []}, "items"),
        ({"items": [{"dish_id": dish, "qty": 1}] * 11}, "items"),
        ({"pickup": "delivery"}, "pickup"),
        ({"slot_id": "abc"}, "slot_id"),
        ({"slot_id": other["slots"][0]["id"]}, "slot_id"),
        ({"items": [{"dish_id": other["dishes"][0]["id"], "qty": 1}]}, "items.0.dish_id"),
        ({"items": [{"dish_id": dish, "qty": 1}, {"dish_id": dish, "qty": 2}]}, "items.1.dish_id"),
        ({"menu_id": None}, "menu_id"),
    ]
    for change, field in cases:
        response = await place(client, staff, {**base, **change})
        error = assert_error(response, 400, "invalid_input")
        assert field in error["details"]["fields"], (change, error)
    not_json = await client.post(
        "/api/v1/meals/orders",
        content=b"{not json",
        headers=staff.with_headers(**BEFORE, **{"Content-Type": "application/json"}),
    )
    assert_error(not_json, 400, "invalid_input")
    missing = await place(client, staff, {**base, "menu_id": 999_999_999})
    assert_error(missing, 404, "not_found")
    assert await Order.filter(user_id=staff.user_id).count() == 0
    after = await fetch_menu(client, staff, menu["id"])
    assert [d["remaining"] for d in after["dishes"]] == [100, 500]
    assert after["slots"][0]["booked"] == 0


async def test_too_late_at_the_deadline_edge(client):
    menu = await make_menu(client)
    early, late = await make_user(), await make_user()
    just_before = {"X-Test-Now": "2026-12-01T09:59:59+08:00"}
    at_deadline = {"X-Test-Now": DEADLINE}
    ok = await place(client, early, order_body(menu), just_before)
    assert ok.status_code == 201, ok.text
    refused = await place(client, late, order_body(menu), at_deadline)
    assert_error(refused, 409, "too_late")
    assert await Order.filter(user_id=late.user_id).count() == 0

    cancel_late = await client.post(
        f"/api/v1/meals/orders/{ok.json()['id']}/cancel", headers=early.with_headers(**at_deadline)
    )
    assert_error(cancel_late, 409, "too_late")
    assert (await Order.get(id=ok.json()["id"])).status == "confirmed"


async def test_sold_out_dish_names_the_dish(client):
    menu = await make_menu(client, dishes=[("红烧肉", 1200, 2), ("米饭", 50, 100)])
    first, second = await make_user(), await make_user()
    assert (await place(client, first, order_body(menu, lines=[(0, 2)]))).status_code == 201
    response = await place(client, second, order_body(menu, lines=[(1, 1), (0, 1)]))
    error = assert_error(response, 409, "sold_out")
    assert error["details"]["dish_id"] == menu["dishes"][0]["id"]
    after = await fetch_menu(client, first, menu["id"])
    assert [d["remaining"] for d in after["dishes"]] == [0, 100]  # rice not taken either
    assert after["slots"][0]["booked"] == 1


async def test_slot_full_offers_the_other_slots_with_room(client):
    menu = await make_menu(client, slots=slot_specs(3, 1))
    first, second, third = await make_user(), await make_user(), await make_user()
    assert (await place(client, first, order_body(menu, slot=0))).status_code == 201
    assert (await place(client, second, order_body(menu, slot=1))).status_code == 201
    response = await place(client, third, order_body(menu, slot=0))
    error = assert_error(response, 409, "slot_full")
    assert error["details"]["slot_id"] == menu["slots"][0]["id"]
    assert [a["slot_id"] for a in error["details"]["alternatives"]] == [menu["slots"][2]["id"]]
    assert error["details"]["alternatives"][0]["start"] == menu["slots"][2]["start"]


async def test_per_user_limit_counts_live_orders_per_menu(client):
    menu = await make_menu(client, per_user_limit=1)
    staff = await make_user()
    assert (await place(client, staff, order_body(menu, slot=0))).status_code == 201
    second = await place(client, staff, order_body(menu, slot=1))
    assert_error(second, 409, "limit_reached")
    two = await make_menu(client, per_user_limit=2)
    assert (await place(client, staff, order_body(two, slot=0))).status_code == 201
    assert (await place(client, staff, order_body(two, slot=1))).status_code == 201
    assert_error(await place(client, staff, order_body(two, slot=0)), 409, "limit_reached")


async def test_idempotency_key_replays_the_first_order(client):
    menu = await make_menu(client)
    staff = await make_user()
    headers = staff.with_headers(**BEFORE, **{"Idempotency-Key": "lunch-tap-1"})
    first = await client.post("/api/v1/meals/orders", json=order_body(menu), headers=headers)
    again = await client.post("/api/v1/meals/orders", json=order_body(menu), headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    changed = await client.post(
        "/api/v1/meals/orders", json=order_body(menu, slot=1), headers=headers
    )
    assert_error(changed, 409, "idempotency_mismatch")
    assert await Order.filter(user_id=staff.user_id).count() == 1


# --- other users, cancel, waitlist -------------------------------------------------


async def test_another_users_order_is_not_found(client):
    menu = await make_menu(client)
    owner, stranger = await make_user(), await make_user()
    order = (await place(client, owner, order_body(menu))).json()
    for method, path in [
        ("GET", f"/api/v1/meals/orders/{order['id']}"),
        ("GET", f"/api/v1/meals/orders/{order['id']}/qr.png"),
        ("POST", f"/api/v1/meals/orders/{order['id']}/cancel"),
    ]:
        response = await client.request(method, path, headers=stranger.with_headers(**BEFORE))
        assert_error(response, 404, "not_found")
    assert (await Order.get(id=order["id"])).status == "confirmed"
    mine = await client.get("/api/v1/meals/orders", headers=stranger.headers)
    assert mine.json()["items"] == []


async def test_qr_png_only_while_confirmed(client):
    menu = await make_menu(client)
    staff = await make_user()
    order = (await place(client, staff, order_body(menu))).json()
    qr = await client.get(f"/api/v1/meals/orders/{order['id']}/qr.png", headers=staff.headers)
    assert qr.status_code == 200
    assert qr.headers["content-type"] == "image/png"
    assert qr.content.startswith(b"\x89PNG\r\n\x1a\n")
    cancelled = await client.post(
        f"/api/v1/meals/orders/{order['id']}/cancel", headers=staff.with_headers(**BEFORE)
    )
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["pickup_code"] is None
    gone = await client.get(f"/api/v1/meals/orders/{order['id']}/qr.png", headers=staff.headers)
    assert_error(gone, 404, "not_found")
    twice = await client.post(
        f"/api/v1/meals/orders/{order['id']}/cancel", headers=staff.with_headers(**BEFORE)
    )
    assert_error(twice, 409, "invalid_state")


async def test_cancel_promotes_the_waitlist_in_order(client):
    from models.notifications import Notice

    menu = await make_menu(client, slots=slot_specs(1, 1))
    holder, first, second = await make_user(), await make_user(), await make_user()
    held = (await place(client, holder, order_body(menu))).json()
    without_waitlist = await place(client, first, order_body(menu))
    assert_error(without_waitlist, 409, "slot_full")
    queued = []
    for actor in (first, second):
        response = await place(client, actor, order_body(menu, waitlist=True))
        assert response.status_code == 202, response.text
        assert response.json()["pickup_code"] is None
        queued.append(response.json())
    assert [o["position"] for o in queued] == [1, 2]
    assert (await fetch_menu(client, holder, menu["id"]))["slots"][0]["waitlist"] == 2

    cancel = await client.post(
        f"/api/v1/meals/orders/{held['id']}/cancel", headers=holder.with_headers(**BEFORE)
    )
    assert cancel.status_code == 200, cancel.text
    promoted = await client.get(f"/api/v1/meals/orders/{queued[0]['id']}", headers=first.headers)
    assert promoted.json()["status"] == "confirmed"
    assert promoted.json()["pickup_code"]
    still = await client.get(f"/api/v1/meals/orders/{queued[1]['id']}", headers=second.headers)
    assert (still.json()["status"], still.json()["position"]) == ("waitlisted", 1)
    notices = await Notice.filter(user_id=first.user_id, kind="meal_promoted")
    assert len(notices) == 1 and "候补" in notices[0].title
    assert await Notice.filter(user_id=second.user_id, kind="meal_promoted").count() == 0

    await client.post(
        f"/api/v1/meals/orders/{queued[0]['id']}/cancel", headers=first.with_headers(**BEFORE)
    )
    last = await client.get(f"/api/v1/meals/orders/{queued[1]['id']}", headers=second.headers)
    assert last.json()["status"] == "confirmed"
    places = await booking.availability(resource_id=await _resource_of(menu["id"]))
    assert (places[0].booked, places[0].waitlist) == (1, 0)


async def test_promotion_needs_stock_for_the_waiting_order(client):
    menu = await make_menu(
        client, dishes=[("红烧肉", 1200, 3), ("米饭", 50, 100)], slots=slot_specs(2, 1)
    )
    holder, other, waiting = await make_user(), await make_user(), await make_user()
    held = (await place(client, holder, order_body(menu, slot=0, lines=[(1, 1)]))).json()
    assert (await place(client, other, order_body(menu, slot=1, lines=[(0, 2)]))).status_code == 201
    queued = await place(client, waiting, order_body(menu, slot=0, lines=[(0, 2)], waitlist=True))
    assert queued.status_code == 202, queued.text
    cancel = await client.post(
        f"/api/v1/meals/orders/{held['id']}/cancel", headers=holder.with_headers(**BEFORE)
    )
    assert cancel.status_code == 200
    # The place is free but only 1 portion is left for a request of 2: no promotion.
    after = await client.get(f"/api/v1/meals/orders/{queued.json()['id']}", headers=waiting.headers)
    assert (after.json()["status"], after.json()["position"]) == ("waitlisted", 1)
    current = await fetch_menu(client, holder, menu["id"])
    assert current["slots"][0]["available"] == 1
    assert current["dishes"][0]["remaining"] == 1


async def _resource_of(menu_id: int) -> int:
    from models.meals import Menu

    return (await Menu.get(id=menu_id)).resource_id


async def test_ids_beyond_32_bits_are_answered_without_a_5xx(client):
    menu = await make_menu(client)
    staff, canteen = await make_user(), await make_user("canteen")
    huge = 2**40
    for method, path, actor in [
        ("GET", f"/api/v1/meals/orders/{huge}", staff),
        ("GET", f"/api/v1/meals/orders/{huge}/qr.png", staff),
        ("POST", f"/api/v1/meals/orders/{huge}/cancel", staff),
        ("GET", f"/api/v1/meals/menus/{huge}", staff),
        ("GET", f"/api/v1/canteen/menus/{huge}/summary", canteen),
    ]:
        response = await client.request(method, path, headers=actor.with_headers(**BEFORE))
        assert_error(response, 404, "not_found")
    body = order_body(menu)
    for field in ("menu_id", "slot_id"):
        response = await place(client, staff, {**body, field: huge})
        assert field in assert_error(response, 400, "invalid_input")["details"]["fields"]
    response = await client.get(f"/api/v1/meals/orders?cursor={huge}", headers=staff.headers)
    assert "cursor" in assert_error(response, 400, "invalid_input")["details"]["fields"]


async def test_an_order_names_its_day_meal_and_canteen_wherever_it_is_read(client):
    """API.md §3's Order carries the menu's date, meal and canteen: a list of orders
    (我的订餐) and the till show which day an order is for without fetching its menu."""
    menu = await make_menu(client)
    me = await make_user()
    created = await place(client, me, order_body(menu))
    assert created.status_code == 201, created.text
    listed = await client.get("/api/v1/meals/orders", headers=me.with_headers(**BEFORE))
    read = await client.get(
        f"/api/v1/meals/orders/{created.json()['id']}", headers=me.with_headers(**BEFORE)
    )
    for order in (created.json(), listed.json()["items"][0], read.json()):
        assert (order["date"], order["meal"], order["canteen"]) == (
            menu["date"],
            "lunch",
            menu["canteen"],
        )
