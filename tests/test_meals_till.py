"""The canteen till's list of a menu's orders over HTTP: by slot and status, names
masked, page by page, and the no-shows once a slot is over."""

from __future__ import annotations

from datetime import datetime

from services import meals
from tests.support import assert_error, make_user
from tests.support.meals import make_menu, order_body, place

API = "/api/v1"


async def test_the_till_lists_a_menus_orders_by_slot_and_status_with_names_masked(client):
    canteen = await make_user("canteen")
    menu = await make_menu(client)
    eaters = [
        await make_user(name="陈大文", department="发改委"),
        await make_user(name="林小", department="教育局"),
        await make_user(name="黄三", department="教育局"),
    ]
    placed = [
        await place(client, eaters[0], order_body(menu, slot=0, lines=[(0, 2), (1, 1)])),
        await place(client, eaters[1], order_body(menu, slot=1, pickup="takeaway")),
        await place(client, eaters[2], order_body(menu, slot=0)),
    ]
    assert all(p.status_code == 201 for p in placed), [p.text for p in placed]
    url = f"{API}/canteen/menus/{menu['id']}/orders"

    listed = await client.get(url, headers=canteen.headers)
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    assert [i["id"] for i in items] == [p.json()["id"] for p in placed]
    assert items[0] == {
        "id": placed[0].json()["id"],
        "slot": placed[0].json()["slot"],
        "name_masked": "陈**",
        "department": "发改委",
        "items": placed[0].json()["items"],
        "pickup": "dine_in",
        "status": "confirmed",
        "served_at": None,
    }
    assert "陈大文" not in listed.text and "林小" not in listed.text

    first_slot = await client.get(
        url, params={"slot_id": menu["slots"][0]["id"]}, headers=canteen.headers
    )
    assert [i["name_masked"] for i in first_slot.json()["items"]] == ["陈**", "黄*"]
    paged = await client.get(url, params={"limit": 2}, headers=canteen.headers)
    rest = await client.get(
        url, params={"limit": 2, "cursor": paged.json()["next_cursor"]}, headers=canteen.headers
    )
    assert [i["id"] for i in paged.json()["items"] + rest.json()["items"]] == [
        p.json()["id"] for p in placed
    ]

    # Served at the till, then the first slot ends: the order not picked up is a no-show.
    code = placed[2].json()["pickup_code"]
    served = await client.post(
        f"{API}/canteen/redeem",
        json={"code": code},
        headers=canteen.with_headers(**{"X-Test-Now": "2026-12-01T11:35:00+08:00"}),
    )
    assert served.status_code == 200, served.text
    await meals.mark_no_shows(now=datetime.fromisoformat("2026-12-01T11:46:00+08:00"))
    no_shows = await client.get(url, params={"status": "no_show"}, headers=canteen.headers)
    assert [i["id"] for i in no_shows.json()["items"]] == [placed[0].json()["id"]]
    done = await client.get(url, params={"status": "served,no_show"}, headers=canteen.headers)
    statuses = {i["id"]: (i["status"], i["served_at"]) for i in done.json()["items"]}
    assert statuses == {
        placed[0].json()["id"]: ("no_show", None),
        placed[2].json()["id"]: ("served", "2026-12-01T11:35:00+08:00"),
    }


async def test_the_till_list_refuses_other_menus_slots_bad_filters_and_other_roles(client):
    canteen = await make_user("canteen")
    menu, other = await make_menu(client), await make_menu(client)
    url = f"{API}/canteen/menus/{menu['id']}/orders"
    foreign = await client.get(
        url, params={"slot_id": other["slots"][0]["id"]}, headers=canteen.headers
    )
    assert "slot_id" in assert_error(foreign, 400, "invalid_input")["details"]["fields"]
    bad = await client.get(url, params={"status": "eaten"}, headers=canteen.headers)
    assert "status" in assert_error(bad, 400, "invalid_input")["details"]["fields"]
    missing = await client.get(f"{API}/canteen/menus/2000000000/orders", headers=canteen.headers)
    assert_error(missing, 404, "not_found")
    staff = await make_user()
    assert_error(await client.get(url, headers=staff.headers), 403, "forbidden")
