"""The gym alliance walk through the H5 stand-in against the real server (API.md §10,
§13): a member sees the gyms, the quota and a class with what is left, books it, shows
the voucher QR; a second member joins the full class's waitlist; the gym's front desk,
with nothing but its desk key, checks the first member in, once."""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

from playwright.sync_api import expect

from tests.browser.conftest import Api
from tests.browser.support import TZ, scan


def _gym_with_classes(admin_api: Api) -> tuple[dict, dict, dict]:
    """A fresh gym with two one-place classes: one starting in 20 minutes (real clock:
    the server under the walk runs on it), so its voucher can be shown now, and one in
    3 hours, whose waitlist is still open (it closes 1 h before the start)."""
    gym = admin_api.post(
        "/admin/gym/gyms",
        {
            "name": f"步行测试瑜伽馆{secrets.token_hex(3)}",
            "address": "市民路88号",
            "offer": "职工团课免费",
            "open_hours": "00:00-23:59",
            "walk_in": True,
        },
        status=201,
    )
    soon = (datetime.now(TZ) + timedelta(minutes=20)).replace(second=0, microsecond=0)
    later = soon + timedelta(hours=3)
    sessions = admin_api.post(
        f"/admin/gym/gyms/{gym['id']}/sessions",
        {
            "sessions": [
                {
                    "name": name,
                    "coach": "林静",
                    "start": start.isoformat(),
                    "end": (start + timedelta(minutes=50)).isoformat(),
                    "capacity": 1,
                }
                for name, start in (("流瑜伽", soon), ("阴瑜伽", later))
            ],
            "weeks": 1,
        },
        status=201,
    )["items"]
    by_name = {s["name"]: s for s in sessions}
    return gym, by_name["流瑜伽"], by_name["阴瑜伽"]


def test_book_a_class_show_the_voucher_and_the_desk_checks_in_once(
    phone_of, new_staff, admin_api, h5_server
):
    gym, session, later = _gym_with_classes(admin_api)
    day = session["start"][:10]
    entry, member_api = new_staff()

    me = phone_of(entry["code"], "/")
    me.testid("nav-gym").click()
    expect(me.testid("gym-quota-left")).to_have_text("8")
    expect(me.testid(f"gym-{gym['id']}")).to_contain_text(gym["name"])
    me.shot("gym-home")
    me.go(f"/gym/{gym['id']}?date={day}")
    expect(me.testid(f"session-{session['id']}")).to_contain_text("余 1")
    me.shot("gym-sessions")
    me.testid(f"session-{session['id']}-book").click()
    expect(me.testid("gym-booking-status")).to_have_text("已预约")
    booking_id = int(re.search(r"/gym/booking/(\d+)", me.page.url).group(1))
    held = member_api.get(f"/gym/bookings/{booking_id}")
    assert (held["status"], held["session"]["id"]) == ("confirmed", session["id"])
    assert member_api.get("/gym/quota")["used"] == 1

    me.testid("gym-voucher").click()
    qr = me.testid("gym-voucher-qr")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    code = me.testid("gym-voucher-code").inner_text().strip()
    me.shot("gym-voucher")

    # The later class is full too: another member sees it and joins its waitlist.
    member_api.post("/gym/bookings", {"session_id": later["id"]}, status=201)
    other_entry, other_api = new_staff()
    other = phone_of(other_entry["code"], f"/gym/{gym['id']}?date={later['start'][:10]}")
    expect(other.testid(f"session-{later['id']}")).to_contain_text("满")
    other.testid(f"session-{later['id']}-wait").click()
    expect(other.testid("gym-booking-status")).to_have_text("候补中 · 第 1 位")
    waiting = other_api.get("/gym/bookings")["items"]
    assert [(b["status"], b["position"]) for b in waiting] == [("waitlisted", 1)]

    # The front desk: an unbound device with only the desk key.
    key = admin_api.post(f"/admin/gym/gyms/{gym['id']}/desk-keys", status=201)["key"]
    desk = phone_of(f"h5-desk-{secrets.token_hex(3)}", "/gym/desk")
    desk.testid("desk-key").locator("input").fill(key)
    scan(desk, "desk-scan", code)
    expect(desk.testid("desk-verdict")).to_have_text("签到成功")
    masked = entry["name"][0] + "*" * (len(entry["name"]) - 1)
    expect(desk.testid("desk-member")).to_have_text(masked)
    assert entry["name"] not in desk.page.content()  # the desk never sees the full name
    expect(desk.testid("desk-dept")).to_have_text("办公室")
    desk.shot("gym-desk")
    assert member_api.get(f"/gym/bookings/{booking_id}")["status"] == "checked_in"

    # A second scan of the same voucher is refused with the API's message.
    scan(desk, "desk-scan", code)
    expect(desk.testid("desk-verdict")).to_have_text("该预约已签到")
    expect(desk.testid("toast")).to_contain_text("该预约已签到")
    assert member_api.get(f"/gym/bookings/{booking_id}")["checked_in_at"]
