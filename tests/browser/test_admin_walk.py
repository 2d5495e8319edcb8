"""The admin's walk through the H5 stand-in at 1280×800 against the real server (API.md
§13, the admin's jobs): find a staff entry and deactivate it, withdraw a menu, issue a
gym desk key shown once as a QR, edit a card type's price, download the gym settlement
workbook, edit an assessment team; each step checked in the server's data, and every page
fits 1280×800 and a 375 px phone without scrolling sideways."""

from __future__ import annotations

import io
import secrets
import zipfile
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.conftest import Api
from tests.browser.support import at, local_day

DESK = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}
PAGES = (
    "/admin",
    "/admin/staff/find",
    "/admin/menus",
    "/admin/rooms",
    "/admin/gyms",
    "/admin/gym/settlement",
    "/admin/carwash",
    "/admin/assessment",
)

TABS = {
    "/admin/carwash": ("工位时段", "月报"),
    "/admin/assessment": ("考核标准", "满意度调查", "出勤导入"),
}


def _menu(admin_api: Api) -> dict:
    day = local_day(1)
    return admin_api.post(
        "/admin/meals/menus",
        {
            "date": day.isoformat(),
            "meal": "dinner",
            "canteen": f"后台测试食堂{secrets.token_hex(2)}",
            "order_deadline": at(day, "15:00"),
            "per_user_limit": 1,
            "dishes": [{"name": "牛肉面", "price_fen": 1600, "stock": 30}],
            "slots": [{"start": at(day, "17:30"), "end": at(day, "18:00"), "capacity": 30}],
        },
        status=201,
    )


def _confirm(actor) -> None:
    actor.page.locator(".van-dialog__confirm").click()


def test_admin_walk_at_desk_size(phone_of, new_staff, admin_api, h5_server):
    entry, _ = new_staff()
    menu = _menu(admin_api)
    gym = admin_api.post(
        "/admin/gym/gyms",
        {
            "name": f"后台测试健身房{secrets.token_hex(3)}",
            "address": "市民路1号",
            "offer": "职工八折",
            "open_hours": "06:00-22:00",
        },
        status=201,
    )
    card_type = admin_api.post(
        "/admin/carwash/card-types",
        {"name": f"后台测试十次卡{secrets.token_hex(2)}", "washes": 10, "price_fen": 30000,
         "valid_days": 365},
        status=201,
    )  # fmt: skip
    team = admin_api.post(
        "/admin/assessment/teams",
        {"name": f"后台测试保洁队{secrets.token_hex(3)}", "service": "cleaning",
         "vendor": "测试物业", "contracted_headcount": 8},
        status=201,
    )  # fmt: skip

    admin = phone_of("demo-A0001", "/admin")
    admin.page.set_viewport_size(DESK)
    expect(admin.testid("admin-go-staff-find")).to_be_visible()
    admin.shot("admin-home-desk")

    # Find the entry and deactivate it (confirm dialog): the directory says inactive.
    admin.testid("admin-go-staff-find").click()
    admin.page.get_by_test_id("staff-q").fill(entry["employee_no"])
    admin.testid("staff-search").click()
    row = admin.testid(f"staff-{entry['employee_no']}")
    expect(row).to_contain_text(entry["name"])
    expect(row).to_contain_text("在职")
    admin.testid(f"staff-deactivate-{entry['employee_no']}").click()
    _confirm(admin)
    expect(admin.testid(f"staff-reactivate-{entry['employee_no']}")).to_be_visible()
    expect(row).to_contain_text("已停用")
    found = admin_api.get("/admin/staff", q=entry["employee_no"])["items"]
    assert [(s["employee_no"], s["active"]) for s in found] == [(entry["employee_no"], False)]
    admin.shot("admin-staff-find-desk")

    # Withdraw the menu: staff no longer see it, the admin list marks it.
    day = menu["date"]
    assert menu["id"] in [m["id"] for m in admin_api.get("/meals/menus", date=day)["items"]]
    admin.go("/admin/menus")
    expect(admin.testid(f"menu-row-{menu['id']}")).to_contain_text("供应中")
    admin.testid(f"menu-withdraw-{menu['id']}").click()
    _confirm(admin)
    expect(admin.testid(f"menu-row-{menu['id']}")).to_contain_text("已撤回")
    expect(admin.testid(f"menu-restore-{menu['id']}")).to_be_visible()
    listed = {
        m["id"]: m for m in admin_api.get("/admin/meals/menus", **{"from": day, "to": day})["items"]
    }
    assert listed[menu["id"]]["withdrawn"] is True
    admin.shot("admin-menus-desk")
    other, other_api = new_staff()
    assert menu["id"] not in [m["id"] for m in other_api.get("/meals/menus", date=day)["items"]]

    # A desk key: shown once as a QR with the key, then the list shows no key.
    admin.go(f"/admin/gyms/{gym['id']}")
    expect(admin.testid("gym-head")).to_contain_text(gym["name"])
    admin.testid("desk-key-new").click()
    qr = admin.testid("desk-key-qr")
    expect(qr).to_be_visible()
    assert qr.get_attribute("src").startswith("data:image/png;base64,")
    key = admin.testid("desk-key-value").inner_text().strip()
    assert len(key) >= 32
    admin.shot("admin-desk-key-once")
    admin.testid("desk-key-close").click()
    keys = admin_api.get(f"/admin/gym/gyms/{gym['id']}/desk-keys")["items"]
    assert len(keys) == 1 and "key" not in keys[0]
    expect(admin.testid(f"desk-key-{keys[0]['id']}")).to_contain_text("未使用")
    assert key not in admin.page.content()
    admin.page.reload()
    expect(admin.testid(f"desk-key-{keys[0]['id']}")).to_be_visible()
    assert key not in admin.page.content()

    # A card type's price: only future sales change (said next to the save button).
    admin.go("/admin/carwash")
    admin.testid(f"card-type-edit-{card_type['id']}").click()
    expect(admin.testid("card-type-edit")).to_contain_text("只影响此后的购买")
    admin.testid("card-type-price").locator("input").fill("88")
    admin.testid("card-type-submit").click()
    expect(admin.testid(f"card-type-price-{card_type['id']}")).to_have_text("¥88.00")
    types = {t["id"]: t for t in admin_api.get("/admin/carwash/card-types")["items"]}
    assert types[card_type["id"]]["price_fen"] == 8800
    assert types[card_type["id"]]["washes"] == 10
    admin.shot("admin-carwash-desk")

    # The gym settlement workbook is a real xlsx.
    admin.go("/admin/gym/settlement")
    expect(admin.testid("page-loading")).to_have_count(0)
    with admin.page.expect_download() as download:
        admin.testid("settlement-xlsx").click()
    data = Path(download.value.path()).read_bytes()
    assert data[:2] == b"PK"
    assert "xl/workbook.xml" in zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert download.value.suggested_filename.endswith(".xlsx")

    # Edit an assessment team's headcount and contacts.
    admin.go("/admin/assessment")
    admin.testid(f"team-edit-{team['id']}").click()
    admin.testid("team-headcount").locator("input").fill("12")
    admin.testid("team-contacts").locator("input").fill(other["employee_no"])
    admin.testid("team-submit").click()
    expect(admin.testid(f"team-{team['id']}")).to_contain_text("12")
    teams = {t["id"]: t for t in admin_api.get("/admin/assessment/teams")["items"]}
    assert teams[team["id"]]["contracted_headcount"] == 12
    assert teams[team["id"]]["contacts"] == [other["employee_no"]]
    admin.shot("admin-assessment-desk")

    # Every admin page (and each of its tabs) fits the desk screen and a phone.
    for size in (DESK, PHONE):
        admin.page.set_viewport_size(size)
        for path in PAGES:
            admin.go(path)
            expect(admin.page.get_by_test_id("page-loading")).to_have_count(0)
            admin.check_layout()
            for tab in TABS.get(path, ()):
                admin.page.locator(".van-tab", has_text=tab).click()
                expect(admin.page.get_by_test_id("page-loading")).to_have_count(0)
                admin.check_layout()
    admin.shot("admin-assessment-attendance-phone")


def test_admin_edits_refusals_under_fields_and_assessment_inputs(
    phone_of, new_staff, admin_api, h5_server
):
    """A stock below what is ordered is refused under that dish's row; a room is closed
    after a confirm; a standard's points, a survey and an attendance import go through the
    assessment page, each found in the server's data."""
    menu = _menu(admin_api)
    dish = menu["dishes"][0]
    _, staff_api = new_staff()
    order = {
        "menu_id": menu["id"],
        "slot_id": menu["slots"][0]["id"],
        "items": [{"dish_id": dish["id"], "qty": 1}],
        "pickup": "dine_in",
    }
    staff_api.post("/meals/orders", order, status=201)
    room = admin_api.post(
        "/admin/rooms",
        {"name": f"后台测试会议室{secrets.token_hex(2)}", "building": "测试楼", "floor": 2,
         "capacity": 8},
        status=201,
    )  # fmt: skip
    tag = secrets.token_hex(3)
    team = admin_api.post(
        "/admin/assessment/teams",
        {"name": f"后台测试绿化队{tag}", "service": "greening", "vendor": "测试园林",
         "contracted_headcount": 8},
        status=201,
    )  # fmt: skip
    standard = admin_api.post(
        "/admin/assessment/standards",
        {
            "items": [
                {"service": "greening", "code": f"LH-{tag}", "text": "草坪修剪整齐", "points": 3}
            ]
        },
        status=201,
    )["items"][0]

    admin = phone_of("demo-A0001", "/admin/menus")
    admin.page.set_viewport_size(DESK)

    # Stock below the one portion ordered: the server's reason under that dish.
    admin.testid(f"menu-edit-{menu['id']}").click()
    admin.testid(f"menu-edit-stock-{dish['id']}").locator("input").fill("0")
    admin.testid("menu-edit-save").click()
    expect(admin.testid(f"menu-edit-stock-{dish['id']}")).to_contain_text("已订1份")
    admin.shot("admin-menu-edit-refused")
    listed = admin_api.get("/admin/meals/menus", **{"from": menu["date"], "to": menu["date"]})
    stock = {d["id"]: d["stock"] for m in listed["items"] for d in m["dishes"]}
    assert stock[dish["id"]] == 30
    admin.testid(f"menu-edit-stock-{dish['id']}").locator("input").fill("1")
    admin.testid("menu-edit-save").click()
    expect(admin.testid("menu-edit")).to_be_hidden()
    listed = admin_api.get("/admin/meals/menus", **{"from": menu["date"], "to": menu["date"]})
    stock = {d["id"]: (d["stock"], d["remaining"]) for m in listed["items"] for d in m["dishes"]}
    assert stock[dish["id"]] == (1, 0)

    # Close a room after the confirm dialog.
    admin.go("/admin/rooms")
    expect(admin.testid(f"room-row-{room['id']}")).to_contain_text("开放")
    admin.testid(f"room-close-{room['id']}").click()
    _confirm(admin)
    expect(admin.testid(f"room-row-{room['id']}")).to_contain_text("已停用")
    rooms = {r["id"]: r for r in admin_api.get("/admin/rooms")["items"]}
    assert rooms[room["id"]]["closed"] is True

    # A standard's points.
    admin.go("/admin/assessment?tab=standards")
    admin.testid("standards-service").select_option("greening")
    admin.testid(f"standard-edit-{standard['id']}").click()
    expect(admin.testid("standard-edit")).to_contain_text("只影响此后的检查")
    admin.testid("standard-points").locator("input").fill("6")
    admin.testid("standard-submit").click()
    # The points cell itself: the row's code or text may hold a 6 before the save.
    expect(admin.testid(f"standard-{standard['id']}").locator("td").nth(2)).to_have_text("6")
    held = admin_api.get("/admin/assessment/standards", service="greening")["items"]
    assert {s["id"]: s["points"] for s in held}[standard["id"]] == 6

    # A survey of a month nobody uses.
    month = f"2049-{int(tag, 16) % 12 + 1:02d}"
    admin.page.locator(".van-tab", has_text="满意度调查").click()
    form = admin.testid("survey-new")
    inputs = form.locator("input")
    inputs.nth(0).fill(month)
    inputs.nth(1).fill(f"{month}-01")
    inputs.nth(2).fill(f"{month}-08")
    form.locator("textarea").fill("绿化 园区绿化养护满意吗？")
    admin.testid("survey-submit").click()
    expect(admin.testid("surveys-table")).to_contain_text(month)
    made = [s for s in admin_api.get("/admin/assessment/surveys")["items"] if s["month"] == month]
    assert len(made) == 1 and made[0]["responses"] == 0
    assert [q["service"] for q in made[0]["questions"]] == ["greening"]

    # Attendance from a CSV: 6 of 8 present today.
    today = local_day(0)
    admin.page.locator(".van-tab", has_text="出勤导入").click()
    admin.testid("attendance-csv").locator("textarea").fill(
        f"team,date,present\n{team['name']},{today.isoformat()},6\n"
    )
    admin.testid("attendance-submit").click()
    expect(admin.testid("attendance-result")).to_contain_text("新增 1 条")
    board = admin_api.get("/admin/assessment/scores", month=today.strftime("%Y-%m"))
    mine = [t for t in board["items"] if t["team"]["id"] == team["id"]]
    assert mine[0]["attendance"] == 75.0
    admin.testid("attendance-submit").click()  # the same file again changes nothing
    expect(admin.testid("attendance-result")).to_contain_text("未变 1 条")
