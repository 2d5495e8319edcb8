"""The service-quality assessment through the H5 stand-in against the real server:
an inspector's walk-round with a photo, the team's contact putting it right, the
inspector verifying, a staff member answering the survey, and the admin's score board."""

from __future__ import annotations

import httpx
from playwright.sync_api import expect

from tests.browser.conftest import Api
from tests.browser.support import local_day, photo_png


def _previous(month: str) -> str:
    year, number = (int(part) for part in month.split("-"))
    return f"{year - 1}-12" if number == 1 else f"{year}-{number - 1:02d}"


def test_inspection_rectification_survey_and_board(phone_of, new_staff, h5_server):
    inspector_api = Api(h5_server, "demo-I0001")
    # The demo cleaning team, whose contact is 杨洁 (Q0004); a reused database may hold others.
    team = next(
        t for t in inspector_api.get("/assessment/teams")["items"] if "Q0004" in t["contacts"]
    )
    standards = inspector_api.get("/assessment/standards", service="cleaning")["items"]
    failing = standards[1]

    # The inspector walks round, fails one item with a photo and submits.
    inspector = phone_of("demo-I0001", "/")
    inspector.testid("nav-inspect").click()
    inspector.testid(f"inspect-team-{team['id']}").click()
    inspector.testid("inspect-location").locator("input").fill("B座1楼 东侧卫生间")
    inspector.testid(f"inspect-item-{failing['id']}-fail").click()
    inspector.testid(f"inspect-item-{failing['id']}-note").locator("input").fill("地面有积水")
    inspector.testid(f"inspect-photo-{failing['id']}-camera").set_input_files(photo_png())
    expect(inspector.page.locator(".thumb img")).to_have_count(1)
    expect(inspector.testid("inspect-deduction")).to_have_text(str(failing["points"]))
    inspector.shot("assessment-inspect")
    inspector.testid("inspect-submit").click()
    expect(inspector.testid("inspect-result")).to_contain_text(f"扣 {failing['points']} 分")
    held = inspector_api.get("/assessment/inspections", team_id=team["id"], limit=1)["items"][0]
    assert held["location"] == "B座1楼 东侧卫生间" and held["deducted"] == failing["points"]
    failed = [r for r in held["results"] if not r["passed"]]
    assert [r["standard_id"] for r in failed] == [failing["id"]] and len(
        failed[0]["photo_ids"]
    ) == 1
    rect = next(
        r
        for r in inspector_api.get(
            "/assessment/rectifications", team_id=team["id"], status="open", limit=100
        )["items"]
        if r["inspection_id"] == held["id"]
    )

    # The team's contact is told, opens it from the notice and submits the fix.
    contact_api = Api(h5_server, "demo-Q0004")
    notice = next(
        n for n in contact_api.get("/notifications")["items"] if n["kind"] == "rectification_opened"
    )
    contact = phone_of("demo-Q0004", "/")
    expect(contact.testid("notices-unread")).to_be_visible()
    contact.testid("nav-notices").click()
    contact.testid(f"notice-{notice['id']}").click()
    expect(contact.testid("rect-status")).to_have_text("待整改")
    assert notice["link"].endswith(f"id={rect['id']}")
    contact.testid("rect-note").locator("textarea").fill("已疏通地漏并加派保洁员巡查")
    contact.testid("rect-photo-album").set_input_files(photo_png((60, 160, 90)))
    expect(contact.page.locator(".thumb img")).to_have_count(1)
    contact.shot("assessment-rectification")
    contact.testid("rect-submit").click()
    expect(contact.testid("rect-status")).to_have_text("待复查")
    held = contact_api.get(f"/assessment/rectifications/{rect['id']}")
    assert held["status"] == "submitted" and held["note"] == "已疏通地漏并加派保洁员巡查"
    assert len(held["photo_ids"]) == 1
    # The photos are the team's and the inspectors': another staff member gets 404.
    entry, outsider = new_staff()
    assert outsider.http.get(held["photos"][0].removeprefix("/api/v1")).status_code == 404
    assert contact_api.http.get(held["photos"][0].removeprefix("/api/v1")).status_code == 200

    # The inspector verifies it.
    inspector.go("/")
    inspector.testid("nav-rectifications").click()
    inspector.testid(f"rect-{rect['id']}").click()
    expect(inspector.testid("rect-status")).to_have_text("待复查")
    expect(inspector.page.locator(".thumb-img")).to_have_count(1)
    inspector.testid("rect-verify").click()
    expect(inspector.testid("rect-status")).to_have_text("已通过")
    expect(inspector.testid("rect-timeline")).to_contain_text("复查通过")
    held = inspector_api.get(f"/assessment/rectifications/{rect['id']}")
    assert held["status"] == "verified"
    assert [e["action"] for e in held["events"]] == ["open", "submit", "verify"]

    # A staff member answers the month's survey in a few taps, once.
    me = phone_of(entry["code"], "/")
    me.testid("nav-survey").click()
    survey = outsider.get("/assessment/surveys/current")
    for question in survey["questions"]:
        me.testid(f"survey-q-{question['id']}-5").click()
    me.testid(f"survey-q-{survey['questions'][0]['id']}-3").click()
    me.shot("assessment-survey")
    me.testid("survey-submit").click()
    expect(me.testid("survey-done")).to_be_visible()
    mine = outsider.get("/assessment/surveys/current")
    assert mine["answered"] is True
    assert [a["score"] for a in mine["my_answers"]] == [3] + [5] * (len(survey["questions"]) - 1)
    again = outsider.http.post(
        f"/assessment/surveys/{survey['id']}/responses",
        json={"answers": [{"question_id": q["id"], "score": 1} for q in survey["questions"]]},
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"

    # The admin's board: every team, the centre's rate, the charts.
    admin_api = Api(h5_server, "demo-A0001")
    admin = phone_of("demo-A0001", "/")
    admin.testid("nav-assessment").click()
    # It opens on the last complete month (the one that decides payments), then this one.
    month = local_day(0).strftime("%Y-%m")
    last = admin_api.get("/admin/assessment/scores", month=_previous(month))
    expect(admin.testid("board-rate")).to_have_text(f"{last['centre']['satisfied_rate']:.1f}%")
    admin.shot("assessment-board")
    admin.testid("board-month").locator("input").fill(month)
    admin.testid("board-month").locator("input").dispatch_event("change")
    board = admin_api.get("/admin/assessment/scores", month=month)
    for item in board["items"]:
        expect(admin.testid(f"board-team-{item['team']['id']}")).to_contain_text(
            item["team"]["name"]
        )
    expect(admin.testid("board-rate")).to_have_text(f"{board['centre']['satisfied_rate']:.1f}%")
    cleaning = next(i for i in board["items"] if i["team"]["id"] == team["id"])
    expect(admin.testid(f"board-team-{team['id']}")).to_contain_text(f"{cleaning['total']:.1f}")
    for chart in ("chart-assessment-trend", "chart-assessment-rate"):
        expect(admin.testid(chart).locator("svg")).to_have_count(1)
    with admin.page.expect_download() as download:
        admin.testid("board-export").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    assert httpx.get(f"{h5_server.url}/api/v1/admin/assessment/scores").status_code == 401
