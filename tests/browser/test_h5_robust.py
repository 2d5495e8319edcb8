"""The H5 under double taps, lost replies and a failed API: one action per tap,
one object per intent, every page honest about a failed load and a field's reason shown
under the field. The server's own answer (over HTTP, the second witness) counts the objects."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Route, expect
from stdnum import ean

from tests.browser.conftest import Actor, Api
from tests.browser.support import TZ, at, local_day

pytestmark = pytest.mark.browser


def _count_posts(actor: Actor, path: re.Pattern[str]) -> list[str]:
    """The POSTs the page sends to `path`, as they leave the browser."""
    seen: list[str] = []

    def record(request: Any) -> None:
        if request.method == "POST" and path.search(request.url):
            seen.append(request.headers.get("idempotency-key", ""))

    actor.page.on("request", record)
    return seen


def _double_tap(actor: Actor, testid: str) -> None:
    """Two taps in the same task: the second lands before any reply could arrive."""
    actor.page.evaluate(
        """id => { const b = document.querySelector(`[data-testid="${id}"]`); b.click(); b.click(); }""",
        testid,
    )


def _drop_first_reply(actor: Actor, path: re.Pattern[str]) -> list[int]:
    """The first POST to `path` reaches the server, but its reply is lost on the way back."""
    dropped: list[int] = []

    def handle(route: Route) -> None:
        if route.request.method == "POST" and not dropped:
            answer = route.fetch()
            dropped.append(answer.status)
            route.abort("connectionreset")
        else:
            route.continue_()

    actor.page.route(path, handle)
    return dropped


def _forgive_injected(actor: Actor) -> None:
    """The console lines of the network failures this test injected (not page errors)."""
    actor.errors[:] = [e for e in actor.errors if "Failed to load resource: net::" not in e]


# --- repairs ---------------------------------------------------------------------------


def _fill_repair(me: Actor, where: str) -> None:
    me.testid("repair-category-plumbing").click()
    me.testid("repair-location").locator("input").fill(where)
    me.testid("repair-description").locator("textarea").fill("水龙头一直滴水")


def test_double_tap_on_repair_submit_sends_one_post_and_makes_one_ticket(phone_of, new_staff):
    entry, staff_api = new_staff()
    me = phone_of(entry["code"], "/repairs/new")
    _fill_repair(me, "双击测试 101室")
    posts = _count_posts(me, re.compile(r"/api/v1/repairs$"))
    _double_tap(me, "repair-submit")
    expect(me.testid("ticket-status")).to_have_text("待派单")
    assert len(posts) == 1
    mine = staff_api.get("/repairs", scope="mine")["items"]
    assert [t["location"] for t in mine].count("双击测试 101室") == 1


def test_repair_reply_lost_then_tapped_again_makes_one_ticket(phone_of, new_staff):
    entry, staff_api = new_staff()
    me = phone_of(entry["code"], "/repairs/new")
    _fill_repair(me, "断网测试 202室")
    dropped = _drop_first_reply(me, re.compile(r"/api/v1/repairs$"))
    posts = _count_posts(me, re.compile(r"/api/v1/repairs$"))
    me.testid("repair-submit").click()
    expect(me.testid("toast")).to_contain_text("网络")
    assert dropped == [201]
    me.testid("repair-submit").click()
    expect(me.testid("ticket-status")).to_have_text("待派单")
    assert len(posts) == 2 and posts[0] == posts[1]  # the retry carries the intent's key
    mine = staff_api.get("/repairs", scope="mine")["items"]
    assert [t["location"] for t in mine].count("断网测试 202室") == 1
    _forgive_injected(me)


# --- visitors --------------------------------------------------------------------------


def test_a_bad_phone_number_is_shown_under_its_field(phone_of, new_staff):
    entry, staff_api = new_staff()
    me = phone_of(entry["code"], "/visitors/new")
    me.testid("pass-visitor-name").locator("input").fill("钱访客")
    me.testid("pass-visitor-phone").locator("input").fill("12345")
    me.testid("pass-purpose").locator("input").fill("送文件")
    me.testid("pass-submit").click()
    refused = staff_api.http.post(
        "/visitors/passes",
        json={
            "visitor_name": "钱访客",
            "visitor_phone": "12345",
            "purpose": "送文件",
            "valid_from": at(local_day(1), "09:00"),
            "valid_to": at(local_day(1), "10:00"),
        },
    )
    assert refused.status_code == 400
    assert set(refused.json()["error"]["details"]["fields"]) == {"visitor_phone"}
    reason = refused.json()["error"]["details"]["fields"]["visitor_phone"]
    expect(me.testid("pass-visitor-phone").locator(".van-field__error-message")).to_have_text(
        reason
    )
    assert staff_api.get("/visitors/passes")["items"] == []


def test_visitor_pass_reply_lost_then_tapped_again_makes_one_pass(phone_of, new_staff):
    entry, staff_api = new_staff()
    me = phone_of(entry["code"], "/visitors/new")
    me.testid("pass-visitor-name").locator("input").fill("孙访客")
    me.testid("pass-visitor-phone").locator("input").fill("13812345678")
    me.testid("pass-purpose").locator("input").fill("项目对接")
    dropped = _drop_first_reply(me, re.compile(r"/api/v1/visitors/passes$"))
    me.testid("pass-submit").click()
    expect(me.testid("toast")).to_contain_text("网络")
    assert dropped == [201]
    me.testid("pass-submit").click()
    expect(me.testid("pass-qr")).to_be_visible()
    assert len(staff_api.get("/visitors/passes")["items"]) == 1
    _forgive_injected(me)


# --- every page under a failed API -------------------------------------------------------

PageOf = Callable[[Api], str]


def _ticket(me: Api) -> str:
    made = me.post(
        "/repairs",
        {"category": "it", "location": "C座2楼", "description": "打印机卡纸", "photo_ids": []},
        status=201,
    )
    return f"/repairs/{made['id']}"


def _pass(me: Api) -> str:
    made = me.post(
        "/visitors/passes",
        {
            "visitor_name": "李访客", "visitor_phone": "13812345678", "purpose": "送文件",
            "valid_from": at(local_day(1), "09:00"), "valid_to": at(local_day(1), "10:00"),
        },
        status=201,
    )  # fmt: skip
    return f"/visitors/{made['id']}"


# Every page of the staff's own domains, and the admin's; (who opens it, where).
PAGES: dict[str, tuple[str, PageOf]] = {
    "meals": ("staff", lambda me: "/meals"),
    "meal-orders": ("staff", lambda me: "/meals/orders"),
    "meetings": ("staff", lambda me: "/meetings"),
    "meeting-bookings": ("staff", lambda me: "/meetings/mine"),
    "repairs": ("staff", lambda me: "/repairs"),
    "repair": ("staff", _ticket),
    "visitors": ("staff", lambda me: "/visitors"),
    "pass": ("staff", _pass),
    "gym": ("staff", lambda me: "/gym"),
    "gym-bookings": ("staff", lambda me: "/gym/mine"),
    "library": ("staff", lambda me: "/library"),
    "carwash": ("staff", lambda me: "/carwash"),
    "carwash-bay": ("staff", lambda me: "/carwash/bay"),
    "survey": ("staff", lambda me: "/assessment/survey"),
    "procurement": ("staff", lambda me: "/procurement"),
    "admin-dashboard": ("admin", lambda me: "/admin"),
    "assessment-board": ("admin", lambda me: "/assessment/board"),
    "assessment-rectifications": ("admin", lambda me: "/assessment/rectifications"),
    "crew": ("facility_lead", lambda me: "/crew"),
}


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_under_a_failed_api_shows_retry_then_loads(name, phone_of, new_staff):
    who, where = PAGES[name]
    entry, api = new_staff(roles=("staff",) if who == "staff" else ("staff", who))
    path = where(api)
    me = phone_of(entry["code"], "/")
    expect(me.testid("nav-meals")).to_be_visible()  # logged in before the network fails

    def fail(route: Route) -> None:
        if route.request.method == "GET":
            route.abort("internetdisconnected")
        else:
            route.continue_()

    me.page.route(re.compile(r"/api/v1/"), fail)
    me.go(path)
    expect(me.testid("page-error").first).to_be_visible()
    expect(me.testid("page-retry").first).to_be_visible()
    me.page.unroute(re.compile(r"/api/v1/"))
    for _ in range(me.testid("page-retry").count()):  # a page of two parts has two
        me.testid("page-retry").first.click()
    expect(me.testid("page-error")).to_have_count(0)
    expect(me.testid("page-loading")).to_have_count(0)
    me.check_layout()
    _forgive_injected(me)


# --- gym -------------------------------------------------------------------------------


def _gym_class(admin_api: Api) -> tuple[dict, dict]:
    """A fresh gym with one class in 3 hours (real clock: the server runs on it)."""
    gym = admin_api.post(
        "/admin/gym/gyms",
        {
            "name": f"双击测试健身馆{secrets.token_hex(3)}",
            "address": "市民路88号",
            "offer": "职工团课免费",
            "open_hours": "00:00-23:59",
            "walk_in": True,
        },
        status=201,
    )
    start = (datetime.now(TZ) + timedelta(hours=3)).replace(second=0, microsecond=0)
    session = admin_api.post(
        f"/admin/gym/gyms/{gym['id']}/sessions",
        {
            "sessions": [
                {
                    "name": "搏击操",
                    "coach": "林静",
                    "start": start.isoformat(),
                    "end": (start + timedelta(minutes=50)).isoformat(),
                    "capacity": 5,
                }
            ],
            "weeks": 1,
        },
        status=201,
    )["items"][0]
    return gym, session


def test_double_tap_on_gym_book_sends_one_post_and_makes_one_booking(
    phone_of, new_staff, admin_api
):
    gym, session = _gym_class(admin_api)
    entry, member_api = new_staff()
    me = phone_of(entry["code"], f"/gym/{gym['id']}?date={session['start'][:10]}")
    expect(me.testid(f"session-{session['id']}")).to_contain_text("余 5")
    posts = _count_posts(me, re.compile(r"/api/v1/gym/bookings$"))
    _double_tap(me, f"session-{session['id']}-book")
    expect(me.testid("gym-booking-status")).to_have_text("已预约")
    assert len(posts) == 1
    assert len(member_api.get("/gym/bookings")["items"]) == 1


# --- library ---------------------------------------------------------------------------


def _isbn() -> str:
    """A valid ISBN-13 of its own (the catalogue refuses a duplicate)."""
    body = "978" + str(secrets.randbelow(10**9)).zfill(9)
    return body + ean.calc_check_digit(body)


def test_double_tap_on_renew_renews_once_and_the_limit_disables_it(phone_of, new_staff):
    _, lib_api = new_staff(roles=("librarian",))
    entry, reader_api = new_staff()
    tag = secrets.token_hex(3).upper()
    lib_api.post(
        "/admin/library/titles",
        {"isbn": _isbn(), "title": f"双击读本{tag}", "author": "测试作者",
         "publisher": "人民出版社", "year": 2024, "barcodes": [f"R{tag}"]},
        status=201,
    )  # fmt: skip
    loan = lib_api.post(
        "/library/loans", {"barcode": f"R{tag}", "employee_no": entry["employee_no"]}, status=201
    )
    me = phone_of(entry["code"], "/library")
    expect(me.testid(f"loan-{loan['id']}-status")).to_have_text("在借")
    posts = _count_posts(me, re.compile(rf"/api/v1/library/loans/{loan['id']}/renew$"))
    _double_tap(me, f"loan-{loan['id']}-renew")
    expect(me.testid("toast")).to_contain_text("续借成功")
    assert len(posts) == 1
    assert reader_api.get("/library/loans")["items"][0]["renewals"] == 1

    me.testid(f"loan-{loan['id']}-renew").click()
    expect(me.testid(f"loan-{loan['id']}-renew-reason")).to_contain_text("不能再续借")
    expect(me.testid(f"loan-{loan['id']}-renew")).to_be_disabled()
    assert reader_api.get("/library/loans")["items"][0]["renewals"] == 2


# --- car wash --------------------------------------------------------------------------


def test_double_tap_on_wash_book_sends_one_post_and_makes_one_booking(phone_of, new_staff):
    entry, buyer_api = new_staff()
    card_type = next(
        t for t in buyer_api.get("/carwash/card-types")["items"] if t["name"] == "10次洗车卡"
    )
    me = phone_of(entry["code"], "/carwash")
    me.testid(f"carwash-buy-{card_type['id']}").click()
    me.page.get_by_role("button", name="确认支付").click()  # the WeChat Pay sheet
    expect(me.testid("card-status")).to_have_text("可用")  # activated by the notification

    offset, slot = next(
        (i, s)
        for i in range(1, 7)
        for s in buyer_api.get("/carwash/slots", date=local_day(i).isoformat())["items"]
        if s["available"]
    )
    me.go("/carwash/bay")
    me.page.locator(".van-tab").nth(offset).click()
    me.testid(f"wash-slot-{slot['id']}").click()
    me.testid("wash-plate").locator("input").fill("粤B54321")
    posts = _count_posts(me, re.compile(r"/api/v1/carwash/bookings$"))
    _double_tap(me, "wash-book")
    expect(me.testid("toast")).to_contain_text("预约成功")
    expect(me.page.locator("[data-testid^=wash-booking-]").first).to_contain_text("已预约")
    assert len(posts) == 1
    assert len(buyer_api.get("/carwash/bookings")["items"]) == 1


# --- assessment ------------------------------------------------------------------------


def test_double_tap_on_survey_submit_answers_once(phone_of, new_staff):
    entry, staff_api = new_staff()
    survey = staff_api.get("/assessment/surveys/current")
    me = phone_of(entry["code"], "/assessment/survey")
    for question in survey["questions"]:
        me.testid(f"survey-q-{question['id']}-4").click()
    posts = _count_posts(me, re.compile(rf"/api/v1/assessment/surveys/{survey['id']}/responses$"))
    _double_tap(me, "survey-submit")
    expect(me.testid("survey-done")).to_be_visible()
    assert len(posts) == 1
    expect(me.testid("toast")).not_to_contain_text("已")  # no refusal of a second answer shown
    held = staff_api.get("/assessment/surveys/current")
    assert [a["score"] for a in held["my_answers"]] == [4] * len(survey["questions"])


# --- meals and meetings ----------------------------------------------------------------


def _menu(admin_api: Api, offset: int) -> dict:
    day = local_day(offset)
    return admin_api.post(
        "/admin/meals/menus",
        {
            "date": day.isoformat(),
            "meal": "dinner",
            "canteen": f"稳健食堂{secrets.token_hex(2)}",
            "order_deadline": at(day, "15:00"),
            "per_user_limit": 1,
            "dishes": [{"name": "牛肉面", "price_fen": 1400, "stock": 50}],
            "slots": [{"start": at(day, "17:30"), "end": at(day, "17:45"), "capacity": 20}],
        },
        status=201,
    )


def test_one_failed_day_leaves_the_other_menus_shown_and_a_double_tap_orders_once(
    phone_of, new_staff, admin_api
):
    shown, failing = _menu(admin_api, 1), _menu(admin_api, 2)
    entry, staff_api = new_staff()
    me = phone_of(entry["code"], "/")
    expect(me.testid("nav-meals")).to_be_visible()

    def fail_one_day(route: Route) -> None:
        if f"date={failing['date']}" in route.request.url:
            route.abort("internetdisconnected")
        else:
            route.continue_()

    me.page.route(re.compile(r"/api/v1/meals/menus\?"), fail_one_day)
    me.go("/meals")
    expect(me.testid(f"menu-{shown['id']}")).to_be_visible()
    expect(me.testid("meals-partial")).to_be_visible()
    me.page.unroute(re.compile(r"/api/v1/meals/menus\?"))
    me.testid("meals-partial-retry").click()
    expect(me.testid(f"menu-{failing['id']}")).to_be_visible()
    expect(me.testid("meals-partial")).to_have_count(0)

    me.testid(f"menu-{shown['id']}").click()
    me.testid(f"slot-{shown['slots'][0]['id']}").click()
    me.testid(f"dish-{shown['dishes'][0]['id']}-add").click()
    posts = _count_posts(me, re.compile(r"/api/v1/meals/orders$"))
    _double_tap(me, "order-submit")
    expect(me.testid("order-status")).to_have_text("已预订")
    expect(me.testid("order-when")).to_contain_text(
        f"{int(shown['date'][5:7])}月{int(shown['date'][8:10])}日"
    )
    assert len(posts) == 1
    assert len(staff_api.get("/meals/orders")["items"]) == 1
    _forgive_injected(me)


def test_check_in_days_ahead_is_disabled_with_the_time_it_opens(phone_of, new_staff):
    entry, staff_api = new_staff()
    room = next(r for r in staff_api.get("/meetings/rooms")["items"] if not r["needs_approval"])
    day = local_day(3)
    booking = None
    for hour in range(8, 20):  # the first free half hour of that day
        answer = staff_api.http.post(
            "/meetings/bookings",
            json={
                "room_id": room["id"], "title": "签到窗口测试", "attendees": 2,
                "start": at(day, f"{hour:02d}:00"), "end": at(day, f"{hour:02d}:30"),
            },
        )  # fmt: skip
        if answer.status_code == 201:
            booking = answer.json()
            break
    assert booking, "no free half hour"
    me = phone_of(entry["code"], "/meetings/mine")
    expect(me.testid(f"booking-checkin-{booking['id']}")).to_be_disabled()
    expect(me.testid(f"booking-checkin-reason-{booking['id']}")).to_contain_text("起可签到")
    expect(me.testid(f"booking-when-{booking['id']}")).to_contain_text(f"{day.month}月{day.day}日")
