"""Browser walk of the car wash (API.md §8, §13): buy a card and pay in the
wx.requestPayment shim, see it active, show the redemption QR, the attendant scans it,
book a bay — asserting what the screens show and what the server then holds."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.support import local_day, scan


def test_buy_pay_show_code_attendant_redeems_then_book_a_bay(phone_of, new_staff):
    entry, buyer_api = new_staff()
    station_entry, _ = new_staff(roles=("carwash",))
    card_type = next(
        t for t in buyer_api.get("/carwash/card-types")["items"] if t["name"] == "10次洗车卡"
    )

    me = phone_of(entry["code"], "/")
    me.testid("nav-carwash").click()
    me.testid(f"carwash-buy-{card_type['id']}").click()
    me.page.get_by_role("button", name="确认支付").click()  # the WeChat Pay sheet
    expect(me.testid("card-status")).to_have_text("可用")  # activated by the notification
    expect(me.testid("card-washes-left")).to_have_text("10")
    card_id = int(re.search(r"/carwash/card/(\d+)", me.page.url).group(1))
    held = buyer_api.get(f"/carwash/cards/{card_id}")
    assert held["status"] == "active" and held["washes_left"] == 10 and held["purchased_at"]

    me.testid("card-code").click()
    expect(me.testid("card-qr")).to_be_visible()
    assert me.testid("card-qr").evaluate("img => img.complete && img.naturalWidth > 0")
    code = me.testid("card-code-text").inner_text().strip()
    me.shot("carwash-card-code")

    attendant = phone_of(station_entry["code"], "/")
    attendant.testid("nav-station").click()
    attendant.testid("station-plate").locator("input").fill("粤B12345")
    scan(attendant, "station-scan", code)
    expect(attendant.testid("station-verdict")).to_have_text("核销成功")
    expect(attendant.testid("station-washes-left")).to_have_text("9")
    attendant.shot("carwash-station")
    held = buyer_api.get(f"/carwash/cards/{card_id}")
    assert held["washes_left"] == 9 and held["redemptions"][0]["plate"] == "粤B12345"
    scan(attendant, "station-scan", code)  # the same code again: the API's message
    expect(attendant.page.get_by_text("核销码无效或已使用")).to_be_visible()
    assert buyer_api.get(f"/carwash/cards/{card_id}")["washes_left"] == 9

    offset, slot = next(
        (i, s)
        for i in range(1, 7)
        for s in buyer_api.get("/carwash/slots", date=local_day(i).isoformat())["items"]
        if s["available"]
    )
    me.go("/carwash/bay")
    me.page.locator(".van-tab").nth(offset).click()
    me.testid(f"wash-slot-{slot['id']}").click()
    me.testid("wash-plate").locator("input").fill("粤B12345")
    me.testid("wash-book").click()
    expect(me.page.locator("[data-testid^=wash-booking-]").first).to_contain_text("已预约")
    booking = buyer_api.get("/carwash/bookings")["items"][0]
    expect(me.testid(f"wash-booking-{booking['id']}")).to_contain_text("已预约")
    me.shot("carwash-bay")
    assert booking["status"] == "confirmed" and booking["slot"]["id"] == slot["id"]
    assert booking["card_id"] == card_id and booking["plate"] == "粤B12345"
