"""Walks per role through the H5 stand-in against the real server (API.md §13): what the
screen shows, and what the server then holds."""

from __future__ import annotations

import re
import secrets

from playwright.sync_api import expect

from tests.browser.conftest import Api
from tests.browser.support import at, clock_at, local_day, photo_png, scan


def test_bind_then_home_and_a_wrong_name_shows_the_api_message(phone_of, new_staff, h5_server):
    entry, _ = new_staff(bind=False)
    me = phone_of(entry["code"])
    expect(me.testid("bind-submit")).to_be_visible()
    me.shot("bind")

    me.testid("bind-employee-no").locator("input").fill(entry["employee_no"])
    me.testid("bind-name").locator("input").fill("不是本人")
    me.testid("bind-submit").click()
    api = Api(h5_server, entry["code"])
    refused = api.http.post(
        "/auth/bind", json={"employee_no": entry["employee_no"], "name": "不是本人"}
    )
    assert refused.status_code == 404
    expect(me.testid("toast")).to_contain_text(refused.json()["error"]["message"])

    me.testid("bind-name").locator("input").fill(entry["name"])
    me.testid("bind-submit").click()
    expect(me.page.get_by_text(entry["name"]).first).to_be_visible()
    for entry_id in ("nav-meals", "nav-meetings", "nav-repairs", "nav-visitors", "nav-notices"):
        expect(me.testid(entry_id)).to_be_visible()
    for role_entry in ("nav-canteen", "nav-crew", "nav-gate", "nav-admin"):
        expect(me.testid(role_entry)).to_have_count(0)

    held = api.get("/me")
    assert held["bound"] and held["employee_no"] == entry["employee_no"]
    assert held["name"] == entry["name"]


def _lunch_menu(admin_api: Api) -> dict:
    """Tomorrow's lunch of a canteen of its own: one single-place slot, one roomy slot."""
    day = local_day(1)
    return admin_api.post(
        "/admin/meals/menus",
        {
            "date": day.isoformat(),
            "meal": "lunch",
            "canteen": f"测试食堂{secrets.token_hex(2)}",
            "order_deadline": at(day, "10:00"),
            "per_user_limit": 1,
            "dishes": [
                {"name": "红烧肉套餐", "price_fen": 1500, "stock": 50},
                {"name": "番茄炒蛋套餐", "price_fen": 1200, "stock": 50},
            ],
            "slots": [
                {"start": at(day, "11:30"), "end": at(day, "11:45"), "capacity": 1},
                {"start": at(day, "11:45"), "end": at(day, "12:00"), "capacity": 20},
            ],
        },
        status=201,
    )


def test_order_lunch_see_the_qr_and_the_till_redeems_it(phone_of, new_staff, admin_api, h5_server):
    menu = _lunch_menu(admin_api)
    tight, roomy = menu["slots"]
    meat, eggs = menu["dishes"]
    entry, staff_api = new_staff()

    me = phone_of(entry["code"], "/")
    me.testid("nav-meals").click()
    me.testid(f"menu-{menu['id']}").click()
    expect(me.testid(f"slot-{tight['id']}")).to_contain_text("余 1")
    me.shot("meals-menu")
    me.testid(f"slot-{roomy['id']}").click()
    me.testid(f"dish-{meat['id']}-add").click()
    me.testid(f"dish-{eggs['id']}-add").click()
    me.testid(f"dish-{eggs['id']}-add").click()
    me.testid("order-submit").click()

    expect(me.testid("order-status")).to_have_text("已预订")
    qr = me.testid("pickup-qr")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    me.shot("meals-order")
    order_id = int(re.search(r"/meals/order/(\d+)", me.page.url).group(1))
    held = staff_api.get(f"/meals/orders/{order_id}")
    assert held["status"] == "confirmed" and held["slot"]["id"] == roomy["id"]
    assert {(i["dish_id"], i["qty"]) for i in held["items"]} == {(meat["id"], 1), (eggs["id"], 2)}
    assert held["total_fen"] == 1500 + 2 * 1200

    till = phone_of("demo-C0001", "/")
    clock_at(till, at(local_day(1), "11:50"))  # the till serves on the order's own day
    till.testid("nav-canteen").click()
    till.go(f"/canteen?date={menu['date']}&menu={menu['id']}")
    expect(till.testid("till-confirmed")).to_have_text("1")
    expect(till.testid(f"prep-dish-{eggs['id']}")).to_contain_text("2")
    scan(till, "redeem-scan", held["pickup_code"])
    expect(till.testid("till-result")).to_have_attribute("data-state", "served")
    expect(till.testid("till-result")).to_contain_text("番茄炒蛋套餐 ×2")
    expect(till.testid("till-served")).to_have_text("1")
    till.shot("canteen-till")
    assert staff_api.get(f"/meals/orders/{order_id}")["status"] == "served"

    scan(till, "redeem-scan", held["pickup_code"])
    expect(till.testid("till-result")).to_contain_text("该取餐码已使用")
    expect(till.testid("till-result")).to_have_attribute("data-state", "refused")


def test_a_full_slot_shows_the_api_message_then_the_waitlist(phone_of, new_staff, admin_api):
    menu = _lunch_menu(admin_api)
    tight = menu["slots"][0]
    meat = menu["dishes"][0]
    entry, staff_api = new_staff()
    _, rival = new_staff()
    _, third = new_staff()

    me = phone_of(entry["code"], f"/meals/menu/{menu['id']}")
    expect(me.testid(f"slot-{tight['id']}")).to_contain_text("余 1")
    # Someone else takes the last place while this screen is open.
    order = {"menu_id": menu["id"], "slot_id": tight["id"], "pickup": "dine_in",
             "items": [{"dish_id": meat["id"], "qty": 1}]}  # fmt: skip
    rival.post("/meals/orders", order, status=201)
    refused = third.http.post("/meals/orders", json=order)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "slot_full"

    me.testid(f"slot-{tight['id']}").click()
    me.testid(f"dish-{meat['id']}-add").click()
    me.testid("order-submit").click()
    expect(me.testid("toast")).to_contain_text(refused.json()["error"]["message"])
    expect(me.testid(f"slot-{tight['id']}")).to_contain_text("满")
    me.shot("meals-slot-full")
    me.page.get_by_role("button", name="加入候补").last.click()

    expect(me.testid("order-status")).to_have_text("候补中 · 第 1 位")
    mine = staff_api.get("/meals/orders")["items"]
    assert [(o["status"], o["position"], o["slot"]["id"]) for o in mine] == [
        ("waitlisted", 1, tight["id"])
    ]


def test_book_a_room(phone_of, new_staff, admin_api):
    room = admin_api.post(
        "/admin/rooms",
        {"name": f"测试会议室{secrets.token_hex(2)}", "building": "测试楼", "floor": 3,
         "capacity": 12, "equipment": ["投影仪", "白板"]},
        status=201,
    )  # fmt: skip
    entry, staff_api = new_staff()
    day = local_day(1)

    me = phone_of(entry["code"], "/")
    me.testid("nav-meetings").click()
    expect(me.testid(f"room-{room['id']}")).to_be_visible()
    me.shot("meetings-rooms")
    me.testid(f"room-{room['id']}").click()
    me.testid("book-date").locator("input").fill(day.isoformat())
    me.testid("book-start").select_option("19:00")
    me.testid("book-end").select_option("20:30")
    me.testid("book-title").locator("input").fill("H5 走查会")
    me.testid("book-submit").click()
    expect(me.page.get_by_text("H5 走查会")).to_be_visible()
    me.shot("meetings-mine")

    bookings = staff_api.get("/meetings/bookings")["items"]
    assert len(bookings) == 1
    booking = bookings[0]
    assert booking["room"]["id"] == room["id"] and booking["status"] == "confirmed"
    assert booking["start"] == at(day, "19:00") and booking["end"] == at(day, "20:30")
    expect(me.testid(f"booking-status-{booking['id']}")).to_have_text("已预定")
    busy = staff_api.get("/meetings/rooms", date=day.isoformat())["items"]
    assert [b for r in busy if r["id"] == room["id"] for b in r["busy"]] == [
        {"start": booking["start"], "end": booking["end"]}
    ]


def test_report_a_repair_with_a_photo_and_the_crew_resolves_it(phone_of, new_staff, h5_server):
    entry, staff_api = new_staff()
    lead_api = Api(h5_server, "demo-F0001")
    crew_member = next(m for m in lead_api.get("/repairs/crew")["items"] if m["name"] == "吴磊")

    me = phone_of(entry["code"], "/")
    me.testid("nav-repairs").click()
    me.testid("repair-new").click()
    me.testid("repair-category-plumbing").click()
    me.testid("repair-location").locator("input").fill("A座3楼 302室")
    me.testid("repair-description").locator("textarea").fill("洗手池水龙头一直滴水")
    me.testid("repair-photo-album").set_input_files(photo_png())
    expect(me.page.locator(".thumb img")).to_have_count(1)
    me.shot("repairs-new")
    me.testid("repair-submit").click()
    expect(me.testid("ticket-status")).to_have_text("待派单")
    expect(me.testid("ticket-photo")).to_have_count(1)
    ticket_id = int(re.search(r"/repairs/(\d+)", me.page.url).group(1))
    held = staff_api.get(f"/repairs/{ticket_id}")
    assert held["status"] == "open" and len(held["photos"]) == 1
    assert held["category"] == "plumbing" and held["location"] == "A座3楼 302室"

    lead = phone_of("demo-F0001", "/")
    lead.testid("nav-crew").click()
    lead.testid(f"crew-ticket-{ticket_id}").click()
    lead.testid(f"assignee-{crew_member['id']}").click()
    lead.testid("crew-assign").click()
    expect(lead.testid("ticket-status")).to_have_text("已派单")
    expect(lead.testid("ticket-assignee")).to_contain_text("吴磊")

    crew = phone_of("demo-F0002", "/")
    crew.testid("nav-crew").click()
    crew.testid(f"crew-ticket-{ticket_id}").click()
    crew.testid("crew-start").click()
    expect(crew.testid("ticket-status")).to_have_text("处理中")
    crew.testid("crew-note").locator("textarea").fill("已更换水龙头阀芯")
    crew.testid("crew-photo-camera").set_input_files(photo_png((60, 160, 90)))
    expect(crew.page.locator(".thumb img")).to_have_count(1)
    crew.shot("crew-ticket")
    crew.testid("crew-resolve").click()
    expect(crew.testid("ticket-status")).to_have_text("待确认")

    held = staff_api.get(f"/repairs/{ticket_id}")
    assert held["status"] == "resolved" and held["assignee"]["id"] == crew_member["id"]
    resolve = [e for e in held["events"] if e["action"] == "resolve"]
    assert resolve and resolve[0]["note"] == "已更换水龙头阀芯"
    assert len(resolve[0]["photos"]) == 1 and resolve[0]["photos"][0] in held["photos"]

    # The requester is told (unread badge, the notice), sees the timeline and confirms.
    me.go("/")
    expect(me.testid("notices-unread")).to_be_visible()
    me.shot("home")
    me.testid("nav-notices").click()
    notices = staff_api.get("/notifications")["items"]
    assert notices and notices[0]["kind"] == "repair_resolved"
    expect(me.testid(f"notice-{notices[0]['id']}")).to_contain_text(notices[0]["title"])
    me.shot("notices")
    me.testid(f"notice-{notices[0]['id']}").click()
    expect(me.testid("ticket-status")).to_have_text("待确认")
    expect(me.testid("ticket-timeline")).to_contain_text("已更换水龙头阀芯")
    me.shot("repairs-ticket")
    me.testid("repair-confirm").click()
    expect(me.testid("ticket-status")).to_have_text("已完成")
    assert staff_api.get(f"/repairs/{ticket_id}")["status"] == "closed"
    assert staff_api.get("/notifications")["items"][0]["read_at"]  # opening it read it


def test_invite_a_visitor_and_the_guard_scans_the_pass(phone_of, new_staff, h5_server):
    entry, staff_api = new_staff()
    me = phone_of(entry["code"], "/")
    me.testid("nav-visitors").click()
    me.testid("pass-new").click()
    me.testid("pass-visitor-name").locator("input").fill("周访客")
    me.testid("pass-visitor-phone").locator("input").fill("13812345678")
    me.testid("pass-purpose").locator("input").fill("项目对接")
    me.shot("visitors-new")
    me.testid("pass-submit").click()
    expect(me.testid("pass-qr")).to_be_visible()
    assert me.testid("pass-qr").evaluate("img => img.complete && img.naturalWidth > 0")
    me.shot("visitors-pass")
    pass_id = int(re.search(r"/visitors/(\d+)", me.page.url).group(1))
    held = staff_api.get(f"/visitors/passes/{pass_id}")
    assert held["status"] == "active" and held["visitor_name"] == "周访客"
    assert held["max_entries"] == 1 and held["entries_used"] == 0

    guard = phone_of("demo-G0001", "/")
    guard.testid("nav-gate").click()
    scan(guard, "gate-scan", held["token"])
    expect(guard.testid("gate-result")).to_have_class(re.compile("valid"))
    expect(guard.testid("gate-verdict")).to_have_text("核验通过，准予通行")
    expect(guard.testid("gate-visitor")).to_have_text("周访客")
    expect(guard.testid("gate-phone")).to_have_text("138****5678")
    expect(guard.page.get_by_text("周访客").nth(1)).to_be_visible()  # today's log
    guard.shot("gate-valid")
    assert staff_api.get(f"/visitors/passes/{pass_id}")["entries_used"] == 1
    log = Api(h5_server, "demo-G0001").get(
        "/gate/entries", date=local_day(0).isoformat(), limit=100
    )
    assert (
        next(e for e in log["items"] if e["pass_id"] == pass_id)["visitor_phone_masked"]
        == "138****5678"
    )

    scan(guard, "gate-scan", held["token"])
    expect(guard.testid("gate-result")).to_have_class(re.compile("invalid"))
    expect(guard.testid("gate-verdict")).to_have_text("入场次数已用完")
    guard.shot("gate-invalid")
    assert staff_api.get(f"/visitors/passes/{pass_id}")["entries_used"] == 1


def test_admin_dashboard_draws_its_charts(phone_of):
    admin = phone_of("demo-A0001", "/")
    for entry_id in ("nav-canteen", "nav-crew", "nav-gate", "nav-admin"):
        expect(admin.testid(entry_id)).to_be_visible()
    admin.testid("nav-admin").click()
    for chart in (
        "chart-meals-day",
        "chart-meals-slot",
        "chart-rooms",
        "chart-repairs",
        "chart-sla",
    ):
        expect(admin.testid(chart).locator("svg")).to_have_count(1)
    admin.shot("admin-dashboard")
