"""The duty station through the H5 stand-in against the real server (API.md §14, §13): a
staff member books a counter slot and checks in, another takes a number; the counter (at
1280×800) calls, starts and finishes; the first one's ticket shows called, then done,
and is rated; an errand handed in with its documents gets 补件 and comes back to the head
of the queue; the admin sees the monthly report's chart; the station's TV (1920×1080, no
login) shows the called ticket and no one's name.

The walks run on one working day of the demo's two weeks, at set times of that day: every
browser context sends `X-Test-Now` (the server under the walks runs with APP_ENV=test) and
its page clock is set to the same instant, so the server's time rules and the screens'
windows (check-in, 过号) agree without waiting for the real hour."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Actor, Api, Server, close_actors, new_actor
from tests.browser.support import at, local_day, photo_png

DESK = {"width": 1280, "height": 800}
TV = {"width": 1920, "height": 1080}


def _workday() -> date:
    """A working day two to six days ahead: the demo opened it 09:00–17:00, and the logins
    made today are still valid then (tokens live 7 days)."""
    day = local_day(2)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


DAY = _workday()


def _instant(hhmm: str) -> datetime:
    return datetime.fromisoformat(at(DAY, hhmm))


@pytest.fixture
def screen(browser: Any, h5_server: Server) -> Iterator[Any]:
    """`screen(code, path, viewport=, when=)` → an Actor whose browser context lives at
    `when` on DAY (the server through X-Test-Now, the page through its clock)."""
    made: list[Actor] = []

    def make(code: str | None, path: str, *, viewport: dict[str, int], when: str) -> Actor:
        actor = new_actor(
            browser, h5_server, made, viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai"
        )
        actor.page.clock.install(time=_instant(when))
        move(actor, when)
        query = f"?code={code}" if code else ""
        actor.page.goto(f"{h5_server.app}{query}#{path}")
        return actor

    yield make
    close_actors(made)


def move(actor: Actor, when: str) -> None:
    """The actor's server time and page clock, both at `when` (HH:MM) on DAY."""
    instant = _instant(when)
    actor.page.context.set_extra_http_headers({"X-Test-Now": instant.isoformat()})
    # A running clock set to `when` (a frozen one would stop Vue's click handlers, which
    # compare an event's time with the time they were attached).
    actor.page.clock.set_system_time(instant)


def _phone(screen: Any, code: str, path: str, when: str) -> Actor:
    return screen(code, path, viewport={"width": 375, "height": 812}, when=when)


def _services(admin_api: Api) -> dict[str, dict[str, Any]]:
    """The walk's own services (fresh names: the walks hold on a server that already ran),
    and counter slots on DAY for the appointment one (one counter)."""
    tag = secrets.token_hex(2)
    made = {
        mode: admin_api.post(
            "/admin/duty/services",
            {
                "name": f"{label}{tag}",
                "mode": mode,
                "minutes": 15,
                "documents": ["身份证", "申请表"],
                "fee_note": "按标准收取",
                "description": "步行测试业务",
            },
            status=201,
        )
        for mode, label in (
            ("appointment", "证照办理"),
            ("walk_in", "现场咨询"),
            ("errand", "代订车票"),
        )
    }
    admin_api.post(
        "/admin/duty/slots",
        {
            "date": DAY.isoformat(),
            "open_from": "09:00",
            "open_to": "17:00",
            "slot_minutes": 30,
            "counters": {str(made["appointment"]["id"]): 1},
        },
        status=201,
    )
    return made


def _get_at(api: Api, when: str, path: str, **params: Any) -> Any:
    """A read as of `when` on DAY (positions and the queue are today's)."""
    response = api.http.get(path, params=params, headers={"X-Test-Now": _instant(when).isoformat()})
    assert response.status_code == 200, response.text
    return response.json()


def _post_at(api: Api, when: str, path: str, body: dict[str, Any], status: int = 200) -> Any:
    response = api.http.post(path, json=body, headers={"X-Test-Now": _instant(when).isoformat()})
    assert response.status_code == status, response.text
    return response.json()


def _staff_names(admin_api: Api) -> list[str]:
    names: list[str] = []
    cursor = None
    while True:
        page = admin_api.get("/admin/staff", limit=100, **({"cursor": cursor} if cursor else {}))
        names += [row["name"] for row in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            return names


def test_book_check_in_take_a_number_the_counter_calls_and_finishes_and_the_tv_shows_it(
    screen, new_staff, admin_api
):
    services = _services(admin_api)
    first_entry, first_api = new_staff()
    second_entry, _ = new_staff()
    clerk_entry, _ = new_staff(roles=("duty_station",))

    # Staff: the services with their documents, minutes and fee; book the 10:30 slot.
    me = _phone(screen, first_entry["code"], "/", "08:40")
    me.testid("nav-duty").click()
    card = me.testid(f"duty-service-{services['appointment']['id']}")
    expect(card).to_contain_text("身份证")
    expect(card).to_contain_text("约 15 分钟")
    expect(card).to_contain_text("按标准收取")
    me.shot("duty-services")
    card.get_by_test_id(f"duty-book-{services['appointment']['id']}").click()
    me.testid(f"duty-day-{DAY.isoformat()}").click()
    slots = first_api.get(
        f"/duty/services/{services['appointment']['id']}/slots", date=DAY.isoformat()
    )["items"]
    slot = next(s for s in slots if s["start"] == at(DAY, "10:30"))
    expect(me.testid(f"slot-{slot['id']}")).to_contain_text("余 1")
    me.testid(f"slot-{slot['id']}").click()
    me.shot("duty-book")
    me.testid("duty-submit").click()
    expect(me.testid("duty-status")).to_have_attribute("data-status", "booked")
    appointment_id = int(re.search(r"/duty/appointments/(\d+)", me.page.url).group(1))
    # Before 10:00 the check-in is disabled, with the reason.
    expect(me.testid("duty-checkin")).to_be_disabled()
    expect(me.testid("duty-checkin-reason")).to_contain_text("10:00")

    # On arrival at 10:05: an A ticket and a place in the queue.
    move(me, "10:05")
    me.page.reload()
    me.testid("duty-checkin").click()
    expect(me.testid("duty-status")).to_have_attribute("data-status", "waiting")
    ticket = _get_at(first_api, "10:05", f"/duty/appointments/{appointment_id}")
    assert ticket["ticket_no"].startswith("A") and ticket["position"] == 1
    expect(me.testid("duty-ticket")).to_have_text(ticket["ticket_no"])
    expect(me.testid("duty-position")).to_contain_text("第 1 位")
    me.shot("duty-ticket")

    # A second person takes a number at 10:06: a B ticket, behind the first.
    other = _phone(screen, second_entry["code"], "/duty", "10:06")
    other.testid(f"duty-walkin-{services['walk_in']['id']}").click()
    expect(other.testid("duty-status")).to_have_attribute("data-status", "waiting")
    expect(other.testid("duty-ticket")).to_have_text(re.compile(r"^B\d{3}$"))
    expect(other.testid("duty-position")).to_contain_text("第 2 位")
    walk_in_no = other.testid("duty-ticket").inner_text()

    # The counter at 1280×800: the queue in call order, 叫号 hands the first to counter 3.
    clerk = screen(clerk_entry["code"], "/", viewport=DESK, when="10:08")
    clerk.testid("nav-duty-desk").click()
    expect(clerk.testid(f"desk-queue-{appointment_id}")).to_contain_text(ticket["ticket_no"])
    expect(clerk.testid("desk-call")).to_be_disabled()  # no counter chosen yet
    clerk.testid("desk-counter-3").click()
    clerk.shot("duty-desk-queue")
    clerk.testid("desk-call").click()
    current = clerk.testid(f"desk-current-{appointment_id}")
    expect(current).to_contain_text("3 号窗口")
    expect(clerk.testid(f"desk-status-{appointment_id}")).to_have_attribute("data-status", "called")
    # 过号 only after 10 minutes called: disabled, with the time it opens.
    expect(clerk.testid(f"desk-no-show-{appointment_id}")).to_be_disabled()
    expect(clerk.testid(f"desk-no-show-reason-{appointment_id}")).to_contain_text("10:18")

    # The person's ticket shows the call (it refreshes itself).
    move(me, "10:08")
    expect(me.testid("duty-status")).to_have_attribute("data-status", "called", timeout=25_000)
    expect(me.testid("duty-counter")).to_contain_text("3")

    # The TV, with no login at all, shows the called ticket and the one waiting.
    tv = screen(None, "/duty/display", viewport=TV, when="10:08")
    expect(tv.testid("display-latest-no")).to_have_text(ticket["ticket_no"])
    expect(tv.testid("display-latest-counter")).to_have_text("3")
    expect(tv.testid("display-waiting")).to_have_text("1")
    tv.shot("duty-display")
    shown = tv.testid("duty-display").inner_text()
    for name in _staff_names(admin_api):
        assert name not in shown, f"the TV shows {name}"
    assert not re.search(r"1\d{10}", shown), "the TV shows a phone number"
    assert "/bind" not in tv.page.url

    # 开始, then 办结 with the result and the fee.
    clerk.testid(f"desk-start-{appointment_id}").click()
    expect(clerk.testid(f"desk-status-{appointment_id}")).to_have_attribute(
        "data-status", "serving"
    )
    clerk.testid(f"desk-done-{appointment_id}").click()
    clerk.testid("desk-result-note").locator("textarea").fill("证照已办结，原件已归还")
    clerk.testid("desk-fee").locator("input").fill("12.5")
    clerk.shot("duty-desk-done")
    clerk.testid("desk-form-submit").click()
    expect(clerk.testid(f"desk-current-{appointment_id}")).to_have_count(0)
    held = first_api.get(f"/duty/appointments/{appointment_id}")
    assert held["status"] == "done" and held["fee_fen"] == 1250 and held["counter"] == 3

    # The person sees it done with the result, and rates it once.
    me.page.reload()
    expect(me.testid("duty-status")).to_have_attribute("data-status", "done")
    expect(me.testid("duty-result")).to_contain_text("证照已办结")
    me.testid("duty-rate-score").locator(".van-rate__item").nth(4).click()
    me.testid("duty-rate-comment").locator("textarea").fill("办事快")
    me.testid("duty-rate-submit").click()
    expect(me.testid("duty-rated")).to_be_visible()
    assert first_api.get(f"/duty/appointments/{appointment_id}")["rated"] is True

    # My list shows it done, dated; a new booking for 11:30 is cancelled before it is called,
    # and its place is free again at once.
    me.go("/duty/mine")
    expect(me.testid(f"duty-appt-status-{appointment_id}")).to_have_attribute("data-status", "done")
    expect(me.testid(f"duty-appt-{appointment_id}")).to_contain_text("10:30–11:00")
    me.go(f"/duty/book/{services['appointment']['id']}")
    later = next(s for s in slots if s["start"] == at(DAY, "11:30"))
    me.testid(f"slot-{later['id']}").click()
    me.testid("duty-submit").click()
    expect(me.testid("duty-status")).to_have_attribute("data-status", "booked")
    me.testid("duty-cancel").click()
    me.page.get_by_role("button", name="确定取消").click()
    expect(me.testid("duty-status")).to_have_attribute("data-status", "cancelled")
    expect(me.testid("duty-cancel")).to_have_count(0)
    again = first_api.get(
        f"/duty/services/{services['appointment']['id']}/slots", date=DAY.isoformat()
    )["items"]
    assert next(s for s in again if s["id"] == later["id"])["available"] == 1

    # The next call takes the walk-in; the TV follows on its own.
    clerk.testid("desk-call").click()
    expect(clerk.page.get_by_text(walk_in_no).first).to_be_visible()
    expect(tv.testid("display-latest-no")).to_have_text(walk_in_no, timeout=20_000)
    expect(tv.testid("display-waiting")).to_have_text("0")
    expect(tv.testid("display-called")).to_contain_text(ticket["ticket_no"])
    # Nobody comes to the window: 过号 opens 10 minutes after the call, and the number ends
    # as no_show on its owner's phone (the day's queue is left empty for the next walk).
    current_now = _get_at(admin_api, "10:08", "/duty/desk/queue")["current"]
    walk_in_id = next(p["id"] for p in current_now if p["ticket_no"] == walk_in_no)
    expect(clerk.testid(f"desk-no-show-{walk_in_id}")).to_be_disabled()
    move(clerk, "10:19")
    clerk.page.reload()
    clerk.testid(f"desk-no-show-{walk_in_id}").click()
    expect(clerk.testid(f"desk-current-{walk_in_id}")).to_have_count(0)
    move(other, "10:19")
    other.page.reload()
    expect(other.testid("duty-status")).to_have_attribute("data-status", "no_show")
    expect(other.testid("duty-cancel")).to_have_count(0)


def test_an_errand_with_documents_gets_needs_info_and_comes_back(screen, new_staff, admin_api):
    services = _services(admin_api)
    entry, api = new_staff()
    clerk_entry, _ = new_staff(roles=("duty_station",))
    errand = services["errand"]

    # Hand in the errand with a document (no visit, no ticket).
    me = _phone(screen, entry["code"], "/duty", "11:00")
    me.testid(f"duty-errand-{errand['id']}").click()
    expect(me.testid("duty-submit")).to_be_disabled()
    expect(me.testid("duty-submit-reason")).to_contain_text("上传")
    me.testid("duty-doc-input").set_input_files(photo_png())
    expect(me.testid("duty-doc-item")).to_have_count(1)
    me.testid("duty-note").locator("textarea").fill("12月20日 G1234 北京南—上海虹桥")
    me.shot("duty-errand")
    me.testid("duty-submit").click()
    expect(me.testid("duty-status")).to_have_attribute("data-status", "waiting")
    appointment_id = int(re.search(r"/duty/appointments/(\d+)", me.page.url).group(1))
    expect(me.testid("duty-ticket")).to_have_text("代办")

    # The counter calls it, opens the document full-screen, and asks for what is missing.
    clerk = screen(clerk_entry["code"], "/duty/desk", viewport=DESK, when="11:02")
    clerk.testid("desk-counter-2").click()
    clerk.testid("desk-call").click()
    current = clerk.testid(f"desk-current-{appointment_id}")
    expect(current).to_contain_text(errand["name"])
    first_doc = api.get(f"/duty/appointments/{appointment_id}")["document_ids"][0]
    clerk.testid(f"desk-doc-{first_doc}").locator("img").wait_for()
    clerk.testid(f"desk-doc-{first_doc}").click()
    expect(clerk.page.locator(".van-image-preview")).to_be_visible()
    clerk.shot("duty-desk-document")
    clerk.page.locator(".van-image-preview__close-icon").click()
    expect(clerk.page.locator(".van-image-preview")).to_be_hidden()
    clerk.testid(f"desk-needs-info-{appointment_id}").click()
    clerk.testid("desk-info-note").locator("textarea").fill("请补充身份证反面照片")
    clerk.testid("desk-form-submit").click()
    expect(current).to_have_count(0)
    assert api.get(f"/duty/appointments/{appointment_id}")["status"] == "needs_info"

    # The owner sees what is missing, sends it, and is back at the head of the queue.
    me.page.reload()
    expect(me.testid("duty-status")).to_have_attribute("data-status", "needs_info")
    expect(me.testid("duty-info-note")).to_contain_text("身份证反面")
    expect(me.testid("duty-docs-submit")).to_be_disabled()
    me.testid("duty-more-doc-input").set_input_files(photo_png((40, 90, 200)))
    expect(me.testid("duty-more-doc-item")).to_have_count(1)
    me.testid("duty-docs-submit").click()
    expect(me.testid("duty-status")).to_have_attribute("data-status", "waiting")
    expect(me.testid("duty-position")).to_contain_text("第 1 位")
    held = _get_at(api, "11:05", f"/duty/appointments/{appointment_id}")
    assert held["position"] == 1 and len(held["document_ids"]) == 2

    # It comes back to the counter with both documents, and is finished.
    move(clerk, "11:06")
    clerk.page.reload()
    expect(clerk.testid(f"desk-queue-{appointment_id}")).to_contain_text("下一位")
    clerk.testid("desk-call").click()
    expect(
        clerk.testid(f"desk-current-{appointment_id}").locator("[data-testid^=desk-doc-]")
    ).to_have_count(2)
    clerk.testid(f"desk-start-{appointment_id}").click()
    clerk.testid(f"desk-done-{appointment_id}").click()
    clerk.testid("desk-result-note").locator("textarea").fill("已出票：G1234")
    clerk.testid("desk-fee").locator("input").fill("553")
    clerk.testid("desk-form-submit").click()
    expect(clerk.testid(f"desk-current-{appointment_id}")).to_have_count(0)
    held = api.get(f"/duty/appointments/{appointment_id}")
    assert held["status"] == "done" and held["fee_fen"] == 55300


def test_the_admin_sets_up_a_service_and_a_day_and_sees_the_report_chart(
    screen, new_staff, admin_api
):
    admin_entry, _ = new_staff(roles=("admin",))
    # A finished number of this month, whatever ran before: the report has something to draw.
    services = _services(admin_api)
    _, visitor_api = new_staff()
    _, clerk_api = new_staff(roles=("duty_station",))
    number = _post_at(
        visitor_api, "14:00", "/duty/walk-ins", {"service_id": services["walk_in"]["id"]}, 201
    )
    called = _post_at(clerk_api, "14:01", "/duty/desk/next", {"counter": 4})
    assert called["id"] == number["id"]
    _post_at(clerk_api, "14:02", f"/duty/desk/appointments/{number['id']}/start", {})
    _post_at(
        clerk_api, "14:09", f"/duty/desk/appointments/{number['id']}/done", {"result_note": "已办"}
    )

    boss = screen(admin_entry["code"], "/duty/admin", viewport=DESK, when="15:00")
    name = f"护照加急{secrets.token_hex(2)}"
    boss.testid("duty-service-new").click()
    boss.testid("duty-service-name").locator("input").fill(name)
    boss.testid("duty-service-documents").locator("input").fill("身份证、照片")
    boss.testid("duty-service-minutes").locator("input").fill("20")
    boss.testid("duty-service-submit").click()
    expect(boss.page.locator("[data-testid^=duty-admin-service-]", has_text=name)).to_be_visible()
    made = next(s for s in admin_api.get("/admin/duty/services")["items"] if s["name"] == name)
    assert made["documents"] == ["身份证", "照片"] and made["mode"] == "appointment"
    # Edit it: the fee note.
    boss.testid(f"duty-admin-service-{made['id']}").click()
    boss.testid("duty-service-fee").locator("input").fill("加急费 ¥50")
    boss.testid("duty-service-submit").click()
    expect(boss.testid(f"duty-admin-service-{made['id']}")).to_contain_text("加急费 ¥50")
    held = next(s for s in admin_api.get("/admin/duty/services")["items"] if s["id"] == made["id"])
    assert held["fee_note"] == "加急费 ¥50" and held["name"] == name

    # Its counter slots on DAY (the demo's hours), two counters.
    boss.testid("duty-slots-date").locator("input").fill(DAY.isoformat())
    boss.testid(f"duty-slots-counters-{made['id']}").locator("input").fill("2")
    boss.testid("duty-slots-submit").click()
    expect(boss.testid("toast")).to_contain_text("已生成 16 个时段")
    slots = admin_api.get(f"/duty/services/{made['id']}/slots", date=DAY.isoformat())["items"]
    assert len(slots) == 16 and {s["capacity"] for s in slots} == {2}
    boss.shot("duty-admin")

    # The month of DAY: the walks' numbers in the chart and the table, and the xlsx.
    boss.go("/duty/report")
    expect(boss.testid("chart-duty").locator("svg")).to_have_count(1)
    report = admin_api.get("/admin/duty/report", month=DAY.isoformat()[:7])
    row = next(r for r in report["items"] if r["service"] == services["walk_in"]["name"])
    assert row["walk_ins"] == 1 and row["done"] == 1
    expect(boss.testid("duty-report-row")).to_have_count(len(report["items"]))
    expect(boss.testid("duty-report-table")).to_contain_text(services["walk_in"]["name"])
    expect(boss.testid("toast")).to_be_hidden()  # the slots' toast is gone from the picture
    boss.shot("duty-report")
    with boss.page.expect_download() as download:
        boss.testid("report-xlsx").click()
    assert download.value.suggested_filename.endswith(".xlsx")
