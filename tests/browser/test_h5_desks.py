"""The scanning desks never show a verdict their last request did not give (API.md §13):
the gate and the canteen till clear the previous card the moment a scan starts, a
network failure is a red 未核验 card, and another day's pickup code is refused in red
with the order's date."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from playwright.sync_api import expect

from tests.browser.support import TZ, at, clock_at, local_day


def _pass(staff_api, name: str) -> dict:
    now = datetime.now(TZ)
    return staff_api.post(
        "/visitors/passes",
        {
            "visitor_name": name,
            "visitor_phone": "13812345678",
            "purpose": "项目对接",
            "valid_from": now.isoformat(),
            "valid_to": (now + timedelta(hours=4)).isoformat(),
            "max_entries": 1,
        },
        status=201,
    )


def _forget_injected_failures(actor) -> None:
    """The aborted requests this test injected are logged by Chromium; nothing else is."""
    actor.errors[:] = [e for e in actor.errors if "net::ERR_FAILED" not in e]


def _check(actor, field: str, button: str, code: str) -> None:
    actor.testid(field).locator("input").fill(code)
    actor.testid(button).click()


def test_gate_network_failure_after_a_valid_scan_shows_no_green_card(phone_of, new_staff):
    _, staff_api = new_staff()
    first, second = _pass(staff_api, "甲访客"), _pass(staff_api, "乙访客")
    guard = phone_of("demo-G0001", "/gate")
    _check(guard, "gate-code", "gate-submit", first["token"])
    expect(guard.testid("gate-result")).to_have_attribute("data-state", "valid")
    expect(guard.testid("gate-visitor")).to_have_text("甲访客")

    guard.page.route("**/api/v1/gate/verify", lambda route: route.abort())
    _check(guard, "gate-code", "gate-submit", second["token"])
    expect(guard.testid("gate-result")).to_have_attribute("data-state", "error")
    expect(guard.testid("gate-result")).to_contain_text("未核验：网络异常，请重扫")
    expect(guard.page.locator(".result-card.valid")).to_have_count(0)
    expect(guard.page.get_by_text("核验通过，准予通行")).to_have_count(0)
    assert staff_api.get(f"/visitors/passes/{second['id']}")["entries_used"] == 0
    _forget_injected_failures(guard)

    # The network back: the rescan is the answer of this pass, counted once.
    guard.page.unroute("**/api/v1/gate/verify")
    guard.testid("gate-submit").click()
    expect(guard.testid("gate-result")).to_have_attribute("data-state", "valid")
    expect(guard.testid("gate-visitor")).to_have_text("乙访客")
    assert staff_api.get(f"/visitors/passes/{second['id']}")["entries_used"] == 1


def test_gate_shows_pending_from_the_moment_a_scan_starts(phone_of, new_staff):
    _, staff_api = new_staff()
    first, second = _pass(staff_api, "丙访客"), _pass(staff_api, "丁访客")
    guard = phone_of("demo-G0001", "/gate")
    _check(guard, "gate-code", "gate-submit", first["token"])
    expect(guard.testid("gate-result")).to_have_attribute("data-state", "valid")
    held = []
    guard.page.route("**/api/v1/gate/verify", lambda route: held.append(route))
    _check(guard, "gate-code", "gate-submit", second["token"])
    expect(guard.testid("gate-result")).to_have_attribute("data-state", "pending")
    expect(guard.page.locator(".result-card.valid")).to_have_count(0)
    expect(guard.testid("gate-submit")).to_be_disabled()
    held[0].continue_()
    expect(guard.testid("gate-result")).to_have_attribute("data-state", "valid")
    expect(guard.testid("gate-visitor")).to_have_text("丁访客")


def _tomorrows_order(admin_api, staff_api) -> dict:
    day = local_day(1)
    menu = admin_api.post(
        "/admin/meals/menus",
        {
            "date": day.isoformat(),
            "meal": "lunch",
            "canteen": f"桌台测试食堂{secrets.token_hex(3)}",
            "order_deadline": at(day, "10:00"),
            "per_user_limit": 1,
            "dishes": [{"name": "红烧肉套餐", "price_fen": 1500, "stock": 50}],
            "slots": [{"start": at(day, "11:30"), "end": at(day, "12:30"), "capacity": 20}],
        },
        status=201,
    )
    body = {
        "menu_id": menu["id"],
        "slot_id": menu["slots"][0]["id"],
        "items": [{"dish_id": menu["dishes"][0]["id"], "qty": 1}],
        "pickup": "dine_in",
    }
    return {**staff_api.post("/meals/orders", body, status=201), "day": day.isoformat()}


def test_till_refuses_another_days_code_in_red_with_its_date(phone_of, new_staff, admin_api):
    _, staff_api = new_staff()
    order = _tomorrows_order(admin_api, staff_api)
    till = phone_of("demo-C0001", "/canteen")
    _check(till, "till-code", "till-submit", order["pickup_code"])
    result = till.testid("till-result")
    expect(result).to_have_attribute("data-state", "refused")
    expect(result).to_have_attribute("data-code", "wrong_day")
    expect(result).to_contain_text("非今日订单")
    expect(till.testid("till-order-date")).to_contain_text(order["day"])
    assert result.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(196, 0, 0)"
    assert staff_api.get(f"/meals/orders/{order['id']}")["status"] == "confirmed"


def test_till_network_failure_after_a_served_scan_shows_no_green_card(
    phone_of, new_staff, admin_api
):
    (_, first_api), (_, second_api) = new_staff(), new_staff()
    first = _tomorrows_order(admin_api, first_api)
    second = _tomorrows_order(admin_api, second_api)
    till = phone_of("demo-C0001", "/canteen")
    clock_at(till, at(local_day(1), "11:40"))
    _check(till, "till-code", "till-submit", first["pickup_code"])
    expect(till.testid("till-result")).to_have_attribute("data-state", "served")
    till.page.route("**/api/v1/canteen/redeem", lambda route: route.abort())
    _check(till, "till-code", "till-submit", second["pickup_code"])
    expect(till.testid("till-result")).to_have_attribute("data-state", "error")
    expect(till.testid("till-result")).to_contain_text("未核验：网络异常，请重扫")
    expect(till.page.locator(".result-card.valid")).to_have_count(0)
    assert second_api.get(f"/meals/orders/{second['id']}")["status"] == "confirmed"
    _forget_injected_failures(till)
