"""Every non-admin role's missing jobs walked through the H5 stand-in against the real
server (docs/screens-28.md): the librarian's catalogue, a staff member's lunch rating,
resubmitted purchase and cancelled wash, the car-wash attendant's day, the guard's manual
admission, the canteen's list by slot, the crew's completion photo and the gym desk's QR
sign-in. Desk pages are walked at 1280×800 (and checked at phone width); after each step
the server is asked what it holds."""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

import httpx
from playwright.sync_api import expect
from stdnum import ean

from tests.browser.conftest import Actor, Api, Server
from tests.browser.support import TZ, at, local_day, photo_png, scan


def _isbn() -> str:
    body = "978" + str(secrets.randbelow(10**9)).zfill(9)
    return body + ean.calc_check_digit(body)


def _masked(name: str) -> str:
    return name[0] + "*" * (len(name) - 1)


def _confirm_dialog(actor: Actor) -> None:
    actor.page.locator(".van-dialog__confirm").click()


# --- librarian ---------------------------------------------------------------------------


def test_librarian_adds_a_title_with_two_copies_by_scanner_and_marks_one_lost(
    desk_of, phone_of, new_staff
):
    entry, lib_api = new_staff(roles=("librarian",))
    isbn = _isbn()
    tag = secrets.token_hex(2).upper()
    codes = [f"K{tag}1", f"K{tag}2"]

    desk = desk_of(entry["code"], "/library/desk")
    desk.testid("nav-library-manage").click()
    isbn_input = desk.testid("lib-isbn").locator("input")
    expect(isbn_input).to_be_focused()  # the scanner types into the focused field
    isbn_input.press_sequentially(isbn)
    isbn_input.press("Enter")
    expect(desk.testid("lib-title").locator("input")).to_be_focused()
    desk.testid("lib-title").locator("input").fill(f"公文写作实务{tag}")
    desk.testid("lib-author").locator("input").fill("测试作者")
    desk.testid("lib-year").locator("input").fill("2024")
    barcode = desk.testid("lib-barcode").locator("input")
    for code in codes:
        barcode.fill(code)
        barcode.press("Enter")  # each scan ends with Enter and the field stays ready
    expect(barcode).to_be_focused()
    expect(desk.testid("lib-copy-count")).to_have_text("已扫 2 册")
    desk.shot("roles-librarian-add")
    desk.testid("lib-add-submit").click()
    expect(desk.testid("lib-add-copies")).to_contain_text("2 册")
    found = lib_api.get("/library/titles", q=isbn)["items"]
    assert [(t["title"], t["copies"], t["available"]) for t in found] == [
        (f"公文写作实务{tag}", 2, 2)
    ]

    # The same ISBN again is a known title: the form offers its copies instead.
    isbn_input.fill(isbn)
    isbn_input.press("Enter")
    expect(desk.testid("lib-known")).to_contain_text(f"公文写作实务{tag}")
    barcode.fill(f"K{tag}3")
    barcode.press("Enter")
    desk.testid("lib-add-submit").click()
    answered = desk.page.locator(".van-dialog, [data-testid=lib-add-copies]:has-text('3 册')")
    expect(answered).to_be_visible()
    copies = lib_api.get(f"/library/titles/{found[0]['id']}")["copies"]
    if copies == 3:  # the server adds copies to a known title
        expect(desk.testid("lib-add-copies")).to_contain_text("3 册")
        codes.append(f"K{tag}3")
    else:  # no copies route yet: the catalogue's answer for a known ISBN is shown
        refused = lib_api.http.post(
            "/admin/library/titles", json={"isbn": isbn, "title": "重复", "barcodes": []}
        )
        assert copies == 2 and refused.status_code == 409
        expect(desk.page.locator(".van-dialog")).to_contain_text(refused.json()["error"]["message"])
        _confirm_dialog(desk)

    desk.page.locator(".tab-lost").click()
    lost_input = desk.testid("lib-lost-barcode").locator("input")
    lost_input.fill(codes[0])
    lost_input.press("Enter")
    _confirm_dialog(desk)
    expect(desk.testid("lib-lost-status")).to_have_text("遗失")
    desk.shot("roles-librarian-lost")
    title = lib_api.get(f"/library/titles/{found[0]['id']}")
    lost_count = len(codes) - 1
    assert (title["copies"], title["available"]) == (lost_count, lost_count)  # lost not counted

    desk.page.locator(".tab-overdue").click()
    expect(
        desk.page.locator("[data-testid=overdue-table], [data-testid=page-empty]")
    ).to_be_visible()
    desk.shot("roles-librarian-overdue")

    phone = phone_of(entry["code"], "/library/manage")
    expect(phone.testid("lib-isbn")).to_be_visible()
    phone.check_layout()


# --- staff ---------------------------------------------------------------------------


def _served_lunch(admin_api: Api, staff_api: Api, h5_server: Server) -> dict:
    day = local_day(1)
    menu = admin_api.post(
        "/admin/meals/menus",
        {
            "date": day.isoformat(), "meal": "lunch", "canteen": f"评价食堂{secrets.token_hex(2)}",
            "order_deadline": at(day, "10:00"), "per_user_limit": 1,
            "dishes": [{"name": "清蒸鲈鱼套餐", "price_fen": 1800, "stock": 20}],
            "slots": [{"start": at(day, "11:30"), "end": at(day, "12:00"), "capacity": 20}],
        },
        status=201,
    )  # fmt: skip
    order = staff_api.post(
        "/meals/orders",
        {"menu_id": menu["id"], "slot_id": menu["slots"][0]["id"], "pickup": "dine_in",
         "items": [{"dish_id": menu["dishes"][0]["id"], "qty": 1}]},
        status=201,
    )  # fmt: skip
    till = Api(h5_server, "demo-C0001")
    till.http.headers["X-Test-Now"] = at(day, "11:40")  # the till serves on the order's day
    till.post("/canteen/redeem", {"code": order["pickup_code"]})
    return order


def test_staff_rates_a_served_lunch_once(phone_of, new_staff, admin_api, h5_server):
    entry, staff_api = new_staff()
    order = _served_lunch(admin_api, staff_api, h5_server)

    me = phone_of(entry["code"], f"/meals/order/{order['id']}")
    expect(me.testid("order-status")).to_have_text("已取餐")
    me.testid("order-rate").click()
    me.page.locator("[data-testid=rating-score] .van-rate__item").nth(3).click()
    expect(me.testid("rating-label")).to_have_text("满意")
    me.testid("rating-comment").locator("textarea").fill("鱼很新鲜")
    me.shot("roles-staff-rating")
    me.testid("rating-submit").click()
    expect(me.testid("rating-done")).to_contain_text("感谢评价")
    again = staff_api.http.post(f"/meals/orders/{order['id']}/rating", json={"score": 1})
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"

    # Opening it again: the second try is read as "already rated", nothing is counted twice.
    me.page.reload()
    me.testid("rating-submit").click()
    expect(me.testid("rating-done")).to_contain_text("已评价过")


def test_staff_resubmits_a_rejected_request_and_the_audit_keeps_the_rejection(phone_of, new_staff):
    entry, staff_api = new_staff()
    _, head_api = new_staff(roles=("dept_head",))
    made = staff_api.post(
        "/procurement/requests",
        {"title": "会议室投影仪", "reason": "旧投影仪亮度不足", "category": "equipment",
         "items": [{"name": "投影仪", "spec": "4000流明", "qty": 2, "unit": "台", "unit_price_fen": 350000}]},
        status=201,
    )  # fmt: skip
    head_api.post(
        f"/procurement/requests/{made['id']}/reject",
        {"comment": "数量偏多，请改为1台", "stage": "dept"},
    )

    me = phone_of(entry["code"], f"/procurement/{made['id']}")
    expect(me.testid("purchase-status")).to_have_text("已驳回")
    me.testid("purchase-resubmit").click()
    expect(me.testid("resubmit-comment")).to_have_text("数量偏多，请改为1台")
    expect(me.testid("resubmit-title").locator("input")).to_have_value("会议室投影仪")
    expect(me.testid("resubmit-item-0-price").locator("input")).to_have_value("3500.00")
    me.testid("resubmit-item-0-qty").locator("input").fill("1")
    expect(me.testid("resubmit-total")).to_contain_text("¥3500.00")
    me.shot("roles-staff-resubmit")
    me.testid("resubmit-submit").click()
    expect(me.testid("purchase-status")).to_have_text("待部门审批")
    assert re.search(rf"/procurement/{made['id']}$", me.page.url)

    held = staff_api.get(f"/procurement/requests/{made['id']}")
    assert held["status"] == "pending_dept" and held["items"][0]["qty"] == 1
    decided = [(s["role"], s["decision"], s["comment"]) for s in held["steps"] if s["decision"]]
    assert decided == [
        ("dept_head", "rejected", "数量偏多，请改为1台"),
        ("requester", "resubmitted", ""),
    ]
    assert [t["action"] for t in held["trail"]][:3] == ["submit", "reject", "resubmit"]


def _active_card(api: Api, h5_server: Server) -> dict:
    """A 10-wash card bought and paid as the app does (the fake WeChat Pay's confirm)."""
    card_type = next(
        t for t in api.get("/carwash/card-types")["items"] if t["name"] == "10次洗车卡"
    )
    purchase = api.post("/carwash/purchases", {"card_type_id": card_type["id"]}, status=201)
    pay_base = api.get("/dev/wechat")["pay_base"]
    prepay_id = purchase["pay_params"]["package"].removeprefix("prepay_id=")
    confirmed = httpx.post(f"{pay_base}/confirm", json={"prepay_id": prepay_id}, timeout=15)
    assert confirmed.status_code == 200 and confirmed.json()["delivered"], confirmed.text
    paid = api.get(f"/carwash/purchases/{purchase['out_trade_no']}")
    assert paid["status"] == "paid", paid
    return paid["card"]  # type: ignore[no-any-return]


def _book_a_bay(api: Api, card_id: int, plate: str) -> tuple[int, dict]:
    """The first day (today first) with a free slot still ahead: (day offset, booking)."""
    now = datetime.now(TZ)
    for offset in range(7):
        for slot in api.get("/carwash/slots", date=local_day(offset).isoformat())["items"]:
            if slot["available"] and datetime.fromisoformat(slot["start"]) > now + timedelta(
                minutes=5
            ):
                booking = api.post(
                    "/carwash/bookings",
                    {"slot_id": slot["id"], "card_id": card_id, "plate": plate},
                    status=201,
                )
                return offset, booking
    raise AssertionError("no free wash slot in the coming week")


def test_staff_cancels_a_wash_booking_from_the_card_page(phone_of, new_staff, h5_server):
    entry, staff_api = new_staff()
    card = _active_card(staff_api, h5_server)
    _, booking = _book_a_bay(staff_api, card["id"], "粤B5A678")

    me = phone_of(entry["code"], f"/carwash/card/{card['id']}")
    me.testid("card-bookings").click()
    expect(me.testid(f"wash-booking-status-{booking['id']}")).to_have_text("已预约")
    me.shot("roles-staff-wash-bookings")
    me.testid(f"wash-booking-cancel-{booking['id']}").click()
    _confirm_dialog(me)
    expect(me.testid(f"wash-booking-status-{booking['id']}")).to_have_text("已取消")
    expect(me.testid(f"wash-booking-cancel-{booking['id']}")).to_have_count(0)
    held = {b["id"]: b for b in staff_api.get("/carwash/bookings")["items"]}
    assert held[booking["id"]]["status"] == "cancelled"


# --- car-wash attendant ----------------------------------------------------------------------


def test_attendant_sees_the_days_bookings_and_washes(desk_of, phone_of, new_staff, h5_server):
    owner_entry, owner_api = new_staff()
    attendant_entry, attendant_api = new_staff(roles=("carwash",))
    card = _active_card(owner_api, h5_server)
    plate = f"粤B{secrets.token_hex(2).upper()}9"
    offset, booking = _book_a_bay(owner_api, card["id"], plate)

    desk = desk_of(attendant_entry["code"], "/carwash/station")
    desk.testid("nav-carwash-desk").click()
    expect(desk.testid("day-date")).to_be_visible()
    for _ in range(offset):  # today when a slot was still free today, else the booked day
        desk.testid("day-next").click()
    row = desk.testid(f"day-booking-{booking['id']}")
    expect(row).to_contain_text(plate)
    expect(row).to_contain_text(_masked(owner_entry["name"]))
    expect(desk.testid(f"day-booking-status-{booking['id']}")).to_have_text("已预约")
    desk.shot("roles-carwash-day")
    day = attendant_api.get("/carwash/desk/bookings", date=local_day(offset).isoformat())
    assert {b["id"]: b["status"] for b in day["items"]}[booking["id"]] == "confirmed"

    # The scanner field: a wash taken now shows in today's washes.
    for _ in range(offset):
        desk.testid("day-prev").click()
    code = owner_api.post(f"/carwash/cards/{card['id']}/code")["code"]
    desk.testid("day-code").locator("input").fill(code)
    desk.testid("day-code").locator("input").press("Enter")
    expect(desk.testid("day-result")).to_contain_text("核销成功")
    washes = attendant_api.get("/carwash/desk/bookings")["washes"]
    wash = next(w for w in washes if w["name_masked"] == _masked(owner_entry["name"]))
    expect(desk.testid(f"day-wash-{wash['id']}")).to_contain_text("9")
    assert owner_api.get(f"/carwash/cards/{card['id']}")["washes_left"] == 9

    phone = phone_of(attendant_entry["code"], "/carwash/desk")
    expect(phone.testid("day-date")).to_be_visible()
    phone.check_layout()


# --- guard --------------------------------------------------------------------------------


def test_guard_finds_a_visitor_by_the_last_4_digits_and_admits_with_a_reason(
    desk_of, phone_of, new_staff, h5_server
):
    _, host_api = new_staff()
    last4 = f"{secrets.randbelow(10**4):04d}"
    now = datetime.now(TZ).replace(microsecond=0)
    visitor = host_api.post(
        "/visitors/passes",
        {"visitor_name": "欧阳访客", "visitor_phone": f"1391234{last4}", "purpose": "送审材料",
         "valid_from": (now - timedelta(minutes=5)).isoformat(),
         "valid_to": (now + timedelta(hours=2)).isoformat()},
        status=201,
    )  # fmt: skip

    guard = desk_of("demo-G0002", "/gate")
    guard.testid("nav-gate-lookup").click()
    q = guard.testid("lookup-q").locator("input")
    q.fill(last4)
    q.press("Enter")
    row = guard.testid(f"lookup-pass-{visitor['id']}")
    expect(row).to_contain_text("欧阳访客")
    expect(row).to_contain_text(f"139****{last4}")
    guard.shot("roles-guard-lookup")
    guard.testid(f"lookup-admit-{visitor['id']}").click()
    guard.testid("lookup-reason").locator("textarea").fill("访客手机没电，已核对身份证")
    guard.testid("lookup-admit-confirm").click()
    expect(guard.testid("lookup-result")).to_have_attribute("data-state", "valid")
    expect(guard.testid("lookup-verdict")).to_contain_text("人工放行")
    assert host_api.get(f"/visitors/passes/{visitor['id']}")["entries_used"] == 1

    log = Api(h5_server, "demo-G0002").get(
        "/gate/entries", date=local_day(0).isoformat(), limit=100
    )
    line = next(e for e in log["items"] if e["pass_id"] == visitor["id"])
    assert line["manual"] and line["reason"] == "访客手机没电，已核对身份证"
    expect(guard.testid(f"log-manual-{line['id']}")).to_have_text("人工放行")
    expect(guard.testid(f"log-reason-{line['id']}")).to_have_text("访客手机没电，已核对身份证")
    expect(row).to_have_count(0)  # a single-entry pass can admit no more
    guard.shot("roles-guard-log")

    phone = phone_of("demo-G0002", "/gate/lookup")
    expect(phone.testid(f"log-manual-{line['id']}")).to_be_visible()
    phone.check_layout()


# --- canteen -----------------------------------------------------------------------------


def test_canteen_sees_a_slots_orders_with_masked_names_and_the_prep_sheet(
    desk_of, phone_of, new_staff, admin_api
):
    day = local_day(1)
    menu = admin_api.post(
        "/admin/meals/menus",
        {
            "date": day.isoformat(), "meal": "lunch", "canteen": f"名单食堂{secrets.token_hex(2)}",
            "order_deadline": at(day, "10:00"), "per_user_limit": 1,
            "dishes": [{"name": "宫保鸡丁套餐", "price_fen": 1500, "stock": 30},
                       {"name": "素三鲜套餐", "price_fen": 1100, "stock": 30}],
            "slots": [{"start": at(day, "11:30"), "end": at(day, "11:45"), "capacity": 10},
                      {"start": at(day, "11:45"), "end": at(day, "12:00"), "capacity": 10}],
        },
        status=201,
    )  # fmt: skip
    early, late = menu["slots"]
    eaters = []
    for slot, dish in ((early, 0), (early, 1), (late, 0)):
        entry, api = new_staff()
        order = api.post(
            "/meals/orders",
            {"menu_id": menu["id"], "slot_id": slot["id"], "pickup": "dine_in",
             "items": [{"dish_id": menu["dishes"][dish]["id"], "qty": 1}]},
            status=201,
        )  # fmt: skip
        eaters.append((entry, order))

    till = desk_of("demo-C0002", f"/canteen?date={day.isoformat()}&menu={menu['id']}")
    till.testid("nav-canteen-orders").click()
    till.testid(f"orders-slot-{early['id']}").click()
    for entry, order in eaters[:2]:
        expect(till.testid(f"till-order-name-{order['id']}")).to_have_text(_masked(entry["name"]))
        expect(till.testid(f"till-order-status-{order['id']}")).to_have_text("已预订")
    expect(till.testid(f"till-order-{eaters[2][1]['id']}")).to_have_count(0)  # the other slot
    content = till.page.content()
    assert not any(entry["name"] in content for entry, _ in eaters)  # names stay masked
    till.shot("roles-canteen-orders")
    listed = Api(till.server, "demo-C0002").get(
        f"/canteen/menus/{menu['id']}/orders", slot_id=early["id"]
    )
    assert [o["id"] for o in listed["items"]] == [o["id"] for _, o in eaters[:2]]

    till.testid("orders-status-no_show").click()
    expect(till.testid("orders-none")).to_be_visible()  # the slot has not ended yet
    till.testid("orders-prep").click()
    expect(till.testid(f"prep-row-dish-{menu['dishes'][0]['id']}")).to_contain_text("2")
    expect(till.testid(f"prep-row-slot-{early['id']}")).to_contain_text("2")
    till.page.emulate_media(media="print")
    expect(till.testid("prep-print")).to_be_hidden()
    till.page.emulate_media(media="screen")
    till.shot("roles-canteen-prep")

    phone = phone_of("demo-C0002", f"/canteen/orders?date={day.isoformat()}&menu={menu['id']}")
    expect(phone.testid(f"till-order-{eaters[0][1]['id']}")).to_be_visible()
    phone.check_layout()


# --- facility crew ---------------------------------------------------------------------------


def test_crew_resolves_with_a_photo_that_shows_on_the_ticket(phone_of, new_staff, h5_server):
    _, staff_api = new_staff()
    lead_api = Api(h5_server, "demo-F0001")
    crew_api = Api(h5_server, "demo-F0003")
    ticket = staff_api.post(
        "/repairs",
        {"category": "electrical", "location": "B座2楼走廊", "description": "顶灯不亮"},
        status=201,
    )
    lead_api.post(f"/repairs/{ticket['id']}/assign", {"assignee_id": crew_api.user["id"]})
    crew_api.post(f"/repairs/{ticket['id']}/start")

    crew = phone_of("demo-F0003", f"/crew/{ticket['id']}")
    expect(crew.testid("ticket-status")).to_have_text("处理中")
    crew.testid("crew-note").locator("textarea").fill("已更换灯管")
    crew.testid("crew-photo-camera").set_input_files(photo_png((40, 120, 200)))
    expect(crew.page.locator(".thumb img")).to_have_count(1)
    crew.testid("crew-resolve").click()
    expect(crew.testid("ticket-status")).to_have_text("待确认")
    expect(crew.testid("ticket-photo")).to_have_count(1)
    assert crew.testid("ticket-photo").evaluate("img => img.complete && img.naturalWidth > 0")
    crew.shot("roles-crew-photo")

    held = staff_api.get(f"/repairs/{ticket['id']}")
    resolve = [e for e in held["events"] if e["action"] == "resolve"]
    assert held["status"] == "resolved" and len(held["photos"]) == 1
    assert resolve[0]["note"] == "已更换灯管" and resolve[0]["photos"] == held["photos"]


# --- gym desk -----------------------------------------------------------------------------


def test_gym_desk_signs_in_by_the_signin_url_and_the_key_leaves_the_address(
    phone_of, new_staff, admin_api
):
    gym = admin_api.post(
        "/admin/gym/gyms",
        {"name": f"扫码签到馆{secrets.token_hex(3)}", "address": "市民路9号", "offer": "职工免费",
         "open_hours": "00:00-23:59", "walk_in": True},
        status=201,
    )  # fmt: skip
    start = (datetime.now(TZ) + timedelta(minutes=20)).replace(second=0, microsecond=0)
    session = admin_api.post(
        f"/admin/gym/gyms/{gym['id']}/sessions",
        {"sessions": [{"name": "搏击操", "coach": "王磊", "start": start.isoformat(),
                       "end": (start + timedelta(minutes=45)).isoformat(), "capacity": 5}],
         "weeks": 1},
        status=201,
    )["items"][0]  # fmt: skip
    _, member_api = new_staff()
    booking = member_api.post("/gym/bookings", {"session_id": session["id"]}, status=201)
    code = member_api.post(f"/gym/bookings/{booking['id']}/voucher")["code"]
    issued = admin_api.post(f"/admin/gym/gyms/{gym['id']}/desk-keys", status=201)
    fragment = issued["signin_url"].split("#", 1)[1]
    assert fragment == f"/gym/desk?key={issued['key']}"

    # The desk device's camera opens the signin_url (here with its own dev login code).
    desk = phone_of(f"h5-desk-{secrets.token_hex(3)}", fragment)
    expect(desk.testid("desk-key").locator("input")).to_have_value(issued["key"])
    assert "key=" not in desk.page.url
    assert desk.page.evaluate("() => localStorage.getItem('qe.gymdesk')") == issued["key"]
    assert desk.page.evaluate("() => location.hash") == "#/gym/desk"
    scan(desk, "desk-scan", code)
    expect(desk.testid("desk-verdict")).to_have_text("签到成功")
    assert member_api.get(f"/gym/bookings/{booking['id']}")["status"] == "checked_in"

    # Reopened later without the key in the URL, the device still holds it.
    desk.open("/gym/desk")
    expect(desk.testid("desk-key").locator("input")).to_have_value(issued["key"])
