"""The canteen console over HTTP: prep summary, redeem (also concurrently), roles, jobs."""

from __future__ import annotations

import asyncio
from datetime import datetime

import booking
from demo import meals as meals_demo
from jobs import meals as meal_jobs
from models.meals import Menu, Order
from services import meals as meals_service
from tests.support import assert_error, make_user
from tests.support.meals import AT_PICKUP, BEFORE, make_menu, order_body, place, slot_specs

AFTER_LUNCH = datetime.fromisoformat("2026-12-01T14:00:00+08:00")


async def test_summary_counts_what_the_kitchen_prepares(client):
    menu = await make_menu(client, slots=slot_specs(2, 5))
    canteen = await make_user("canteen")
    orders = []
    for slot, lines in [(0, [(0, 2), (1, 1)]), (0, [(1, 2)]), (1, [(0, 1)])]:
        staff = await make_user()
        response = await place(client, staff, order_body(menu, slot=slot, lines=lines))
        assert response.status_code == 201, response.text
        orders.append((staff, response.json()))
    staff, dropped = orders[2]
    await client.post(
        f"/api/v1/meals/orders/{dropped['id']}/cancel", headers=staff.with_headers(**BEFORE)
    )
    redeemed = await client.post(
        "/api/v1/canteen/redeem",
        json={"code": orders[0][1]["pickup_code"]},
        headers=canteen.with_headers(**AT_PICKUP),
    )
    assert redeemed.status_code == 200, redeemed.text

    response = await client.get(
        f"/api/v1/canteen/menus/{menu['id']}/summary", headers=canteen.headers
    )
    assert response.status_code == 200, response.text
    summary = response.json()
    assert summary["menu_id"] == menu["id"]
    assert (summary["confirmed"], summary["served"], summary["waitlisted"]) == (1, 1, 0)
    assert (summary["ordered"], summary["cancelled"], summary["no_show"]) == (2, 1, 0)
    assert [(d["name"], d["ordered"]) for d in summary["dishes"]] == [("红烧肉", 2), ("米饭", 3)]
    assert [(s["slot_id"], s["capacity"], s["booked"], s["served"]) for s in summary["slots"]] == [
        (menu["slots"][0]["id"], 5, 2, 1),
        (menu["slots"][1]["id"], 5, 0, 0),
    ]
    # The engine's own figures agree with the order rows.
    resource_id = (await Menu.get(id=menu["id"])).resource_id
    places = await booking.availability(resource_id=resource_id)
    assert [p.booked for p in places] == [2, 0]


async def test_redeem_serves_once_and_refuses_the_rest(client):
    menu = await make_menu(client)
    canteen, staff = await make_user("canteen"), await make_user()
    order = (await place(client, staff, order_body(menu))).json()
    served = await client.post(
        "/api/v1/canteen/redeem",
        json={"code": order["pickup_code"]},
        headers=canteen.with_headers(**AT_PICKUP),
    )
    assert served.status_code == 200
    assert (served.json()["id"], served.json()["status"]) == (order["id"], "served")
    assert served.json()["pickup_code"] is None
    again = await client.post(
        "/api/v1/canteen/redeem",
        json={"code": order["pickup_code"]},
        headers=canteen.with_headers(**AT_PICKUP),
    )
    assert assert_error(again, 409, "invalid_state")["details"]["state"] == "served"
    unknown = await client.post(
        "/api/v1/canteen/redeem",
        json={"code": "no-such-code"},
        headers=canteen.with_headers(**AT_PICKUP),
    )
    assert_error(unknown, 404, "not_found")
    bad = await client.post(
        "/api/v1/canteen/redeem", json={"code": ""}, headers=canteen.with_headers(**AT_PICKUP)
    )
    assert "code" in assert_error(bad, 400, "invalid_input")["details"]["fields"]

    other = await make_user()
    cancelled = (await place(client, other, order_body(menu))).json()
    await client.post(
        f"/api/v1/meals/orders/{cancelled['id']}/cancel", headers=other.with_headers(**BEFORE)
    )
    refused = await client.post(
        "/api/v1/canteen/redeem",
        json={"code": cancelled["pickup_code"]},
        headers=canteen.with_headers(**AT_PICKUP),
    )
    assert assert_error(refused, 409, "invalid_state")["details"]["state"] == "cancelled"


async def test_redeem_of_a_code_with_a_nul_byte_is_a_4xx_not_a_5xx(client):
    """A scanner may read garbage; PostgreSQL refuses a NUL byte in a query, so such a
    code is refused as malformed input (parse_body) before it reaches the database."""
    menu = await make_menu(client)
    canteen, staff = await make_user("canteen"), await make_user()
    order = (await place(client, staff, order_body(menu))).json()
    garbled = order["pickup_code"][:10] + "\u0000" + order["pickup_code"][10:]
    response = await client.post(
        "/api/v1/canteen/redeem", json={"code": garbled}, headers=canteen.with_headers(**AT_PICKUP)
    )
    assert assert_error(response, 400, "invalid_input")["details"]["fields"] == {
        "code": "不能包含空字符"
    }
    assert (await Order.get(id=order["id"])).status == "confirmed"


async def test_two_tills_scanning_at_once_serve_one_meal(client):
    menu = await make_menu(client)
    tills = [await make_user("canteen"), await make_user("canteen")]
    codes = []
    for _ in range(5):
        staff = await make_user()
        codes.append((await place(client, staff, order_body(menu))).json()["pickup_code"])
    for code in codes:
        responses = await asyncio.gather(
            *(
                client.post(
                    "/api/v1/canteen/redeem",
                    json={"code": code},
                    headers=t.with_headers(**AT_PICKUP),
                )
                for t in tills
            )
        )
        assert sorted(r.status_code for r in responses) == [200, 409]
        assert_error(next(r for r in responses if r.status_code == 409), 409, "invalid_state")
    assert await Order.filter(menu_id=menu["id"], status="served").count() == 5


async def test_canteen_endpoints_need_the_canteen_role(client):
    menu = await make_menu(client)
    staff = await make_user()
    summary = await client.get(f"/api/v1/canteen/menus/{menu['id']}/summary", headers=staff.headers)
    assert_error(summary, 403, "forbidden")
    order = (await place(client, staff, order_body(menu))).json()
    redeem = await client.post(
        "/api/v1/canteen/redeem", json={"code": order["pickup_code"]}, headers=staff.headers
    )
    assert_error(redeem, 403, "forbidden")
    assert (await Order.get(id=order["id"])).status == "confirmed"
    canteen = await make_user("canteen")
    missing = await client.get("/api/v1/canteen/menus/999999999/summary", headers=canteen.headers)
    assert_error(missing, 404, "not_found")
    no_token = await client.post("/api/v1/canteen/redeem", json={"code": "x"})
    assert_error(no_token, 401, "unauthorized")


async def test_deadline_job_sends_one_summary_and_expires_the_waitlist(client):
    from models.notifications import Notice

    menu = await make_menu(client, slots=slot_specs(1, 1))
    canteen = await make_user("canteen")
    holder, waiting = await make_user(), await make_user()
    assert (await place(client, holder, order_body(menu))).status_code == 201
    queued = await place(client, waiting, order_body(menu, waitlist=True))
    assert queued.status_code == 202

    before = datetime.fromisoformat("2026-12-01T09:59:00+08:00")
    at = datetime.fromisoformat("2026-12-01T10:00:00+08:00")
    # Other tests' menus share the deadline: count this menu's summary by its link.
    mine = {
        "user_id": canteen.user_id,
        "kind": "meal_prep_summary",
        "link": f"/pages/canteen/summary?menu_id={menu['id']}",
    }
    await meal_jobs.close_menus(now=before)
    assert await Notice.filter(**mine).count() == 0
    await meal_jobs.close_menus(now=at)
    await meal_jobs.close_menus(now=at)  # a second scheduler / rerun sends nothing more
    notices = await Notice.filter(**mine)
    assert len(notices) == 1
    assert "红烧肉1份" in notices[0].body
    assert (await Order.get(id=queued.json()["id"])).status == "cancelled"
    assert await Notice.filter(user_id=waiting.user_id, kind="meal_cancelled").count() == 1


async def test_no_show_job_marks_unserved_orders_after_their_slot(client):
    menu = await make_menu(client, slots=slot_specs(2, 5))
    canteen = await make_user("canteen")
    early, late, picked = await make_user(), await make_user(), await make_user()
    first = (await place(client, early, order_body(menu, slot=0))).json()
    second = (await place(client, late, order_body(menu, slot=1))).json()
    third = (await place(client, picked, order_body(menu, slot=0))).json()
    await client.post(
        "/api/v1/canteen/redeem",
        json={"code": third["pickup_code"]},
        headers=canteen.with_headers(**AT_PICKUP),
    )
    slot0_end = datetime.fromisoformat(menu["slots"][0]["end"])
    await meal_jobs.mark_no_shows(now=slot0_end)
    assert (await Order.get(id=first["id"])).status == "no_show"
    assert (await Order.get(id=second["id"])).status == "confirmed"  # its slot is not over
    assert (await Order.get(id=third["id"])).status == "served"
    await meal_jobs.mark_no_shows(now=AFTER_LUNCH)
    assert (await Order.get(id=second["id"])).status == "no_show"
    summary = (
        await client.get(f"/api/v1/canteen/menus/{menu['id']}/summary", headers=canteen.headers)
    ).json()
    assert (summary["no_show"], summary["served"], summary["ordered"]) == (2, 1, 3)
    late_scan = await client.post(
        "/api/v1/canteen/redeem",
        json={"code": first["pickup_code"]},
        headers=canteen.with_headers(**AT_PICKUP),
    )
    assert assert_error(late_scan, 409, "invalid_state")["details"]["state"] == "no_show"


async def test_seed_demo_is_idempotent(client):
    now = datetime.fromisoformat("2030-03-04T08:00:00+08:00")  # a Monday
    first = await meals_demo.seed(now=now)
    count = await Menu.filter(canteen=meals_demo.DEMO_CANTEEN).count()
    second = await meals_demo.seed(now=now)
    assert "5 lunch menus created" in first[0] and "0 lunch menus created" in second[0]
    assert await Menu.filter(canteen=meals_demo.DEMO_CANTEEN).count() == count
    menus = await Menu.filter(canteen=meals_demo.DEMO_CANTEEN, date__gte=now.date())
    assert len(menus) == 5
    view = (await meals_service.menu_view(menu_id=menus[0].id)).model_dump(mode="json")
    assert len(view["slots"]) == 6 and view["slots"][0]["start"].endswith("T11:30:00+08:00")
    assert sum(s["capacity"] for s in view["slots"]) == 1800
    assert "米饭" in [d["name"] for d in view["dishes"]]


async def test_the_till_refuses_another_days_order_and_changes_nothing(client):
    """A code of 12/1's lunch scanned on 11/30 or 12/2 is refused with the order's day;
    on 12/1 the same code is served."""
    menu = await make_menu(client)
    canteen, staff = await make_user("canteen"), await make_user()
    order = (await place(client, staff, order_body(menu))).json()
    for now in ("2026-11-30T11:35:00+08:00", "2026-12-02T00:05:00+08:00"):
        refused = await client.post(
            "/api/v1/canteen/redeem",
            json={"code": order["pickup_code"]},
            headers=canteen.with_headers(**{"X-Test-Now": now}),
        )
        error = assert_error(refused, 409, "wrong_day")
        assert error["details"]["date"] == "2026-12-01"
        assert "12月1日" in error["message"]
    assert (await Order.get(id=order["id"])).status == "confirmed"
    served = await client.post(
        "/api/v1/canteen/redeem",
        json={"code": order["pickup_code"]},
        headers=canteen.with_headers(**{"X-Test-Now": "2026-12-01T23:55:00+08:00"}),
    )
    assert served.status_code == 200, served.text


async def test_a_till_naming_its_canteen_refuses_another_canteens_order(client):
    menu = await make_menu(client)
    canteen, staff = await make_user("canteen"), await make_user()
    order = (await place(client, staff, order_body(menu))).json()
    refused = await client.post(
        "/api/v1/canteen/redeem",
        json={"code": order["pickup_code"], "canteen": "另一食堂"},
        headers=canteen.with_headers(**AT_PICKUP),
    )
    assert assert_error(refused, 409, "wrong_canteen")["details"]["canteen"] == menu["canteen"]
    assert (await Order.get(id=order["id"])).status == "confirmed"
    served = await client.post(
        "/api/v1/canteen/redeem",
        json={"code": order["pickup_code"], "canteen": menu["canteen"]},
        headers=canteen.with_headers(**AT_PICKUP),
    )
    assert served.status_code == 200, served.text
