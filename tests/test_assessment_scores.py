"""The monthly scores on a hand-checked month, reproducible later, and the xlsx export.

The month is one nobody else in the run uses, so the centre-wide rate is only these
records. Records are made through the services with `now=` inside that month (tokens
would not accept an X-Test-Now that far from today); the scores are read over HTTP.
"""

from __future__ import annotations

import io
import uuid
from datetime import date, datetime, timedelta

from openpyxl import load_workbook

from models.assessment import Rectification
from server import resources
from services import assessment, repairs
from services.assessment import setup, surveys
from services.identity import Principal
from tests.support import Actor, assert_error, make_user
from tests.support.assessment import fresh_month
from tests.support.meals import served_order


def principal(actor: Actor, *roles: str) -> Principal:
    return Principal(
        user_id=actor.user_id,
        staff_id=actor.staff_id,
        name=actor.name,
        employee_no=actor.employee_no,
        roles=frozenset({"staff", *roles}),
    )


def local(first: date, day: int, hour: int = 10) -> datetime:
    return datetime(first.year, first.month, day, hour, tzinfo=resources.settings().tz)


async def _team(service: str, headcount: int, contacts: list[str], now: datetime) -> dict:
    team = await setup.create_team(
        name=f"核算{service}{uuid.uuid4().hex[:6]}",
        service=service,
        vendor="核算物业",
        contracted_headcount=headcount,
        contacts=contacts,
        now=now,
    )
    return team.model_dump(mode="json")


async def _standards(service: str, points: list[int]) -> list[dict]:
    tag = uuid.uuid4().hex[:6]
    created = await setup.create_standards(
        items=[
            {"service": service, "code": f"{tag}-{i}", "text": f"标准{i}", "points": p}
            for i, p in enumerate(points)
        ]
    )
    return [standard.model_dump(mode="json") for standard in created.items]


async def test_scores_of_a_hand_checked_month(client):
    month = fresh_month()
    first = date.fromisoformat(f"{month}-01")
    admin, inspector, contact = (
        await make_user("admin"),
        await make_user("inspector", name="核算检查员"),
        await make_user(),
    )
    me = principal(inspector, "inspector")
    now = local(first, 2)
    cleaning = await _team("cleaning", 10, [contact.employee_no], now)
    facilities = await _team("facilities", 4, [], now)
    catering = await _team("catering", 5, [], now)
    clean_std = await _standards("cleaning", [2, 3, 5])
    food_std = await _standards("catering", [60, 60])

    # Attendance: 10, 8, 12 of 10 (capped) → (1 + 0.8 + 1) / 3; facilities 4 of 4.
    result = await assessment.import_items(
        items=[
            {"team_id": cleaning["id"], "date": local(first, d).date(), "present": p}
            for d, p in ((3, 10), (4, 8), (5, 12))
        ]
        + [{"team_id": facilities["id"], "date": local(first, 3).date(), "present": 4}]
    )
    assert result == {"created": 4, "updated": 0, "unchanged": 0}

    # Inspections: cleaning loses 3 + 5, then 2 → 90; catering loses 120 → floored at 0.
    def results(standards, failed):
        return [
            {"standard_id": s["id"], "passed": i not in failed, "note": "", "photo_ids": []}
            for i, s in enumerate(standards)
        ]

    first_round = await assessment.create_inspection(
        principal=me, team_id=cleaning["id"], location="A座", results=results(clean_std, {1, 2}),
        now=local(first, 10),
    )  # fmt: skip
    await assessment.create_inspection(
        principal=me, team_id=cleaning["id"], location="B座", results=results(clean_std, {0}),
        now=local(first, 12),
    )  # fmt: skip
    await assessment.create_inspection(
        principal=me, team_id=catering["id"], location="食堂", results=results(food_std, {0, 1}),
        now=local(first, 12),
    )  # fmt: skip
    # Of the first round's two rectifications one is verified within the month.
    rect_ids = sorted(
        await Rectification.filter(inspection_id=first_round.id).values_list("id", flat=True)
    )
    team_side = principal(contact)
    for rect_id in rect_ids:
        await assessment.act(rectification_id=rect_id, principal=team_side, action="submit",
                             note="已整改", now=local(first, 11))  # fmt: skip
    await assessment.act(rectification_id=rect_ids[0], principal=me, action="verify",
                         now=local(first, 11, 15))  # fmt: skip

    # Survey: cleaning 5,4,2; facilities 3,5,4; catering 4,4,1.
    survey = await surveys.create_survey(
        month=month,
        questions=[
            {"service": "cleaning", "text": "保洁"},
            {"service": "facilities", "text": "设施"},
            {"service": "catering", "text": "餐饮"},
        ],
        opens=local(first, 20),
        closes=local(first, 28),
        now=now,
    )
    q = [x.id for x in survey.questions]
    for scores in ((5, 3, 4), (4, 5, 4), (2, 4, 1)):
        person = await make_user()
        await surveys.respond(
            survey_id=survey.id,
            user_id=person.user_id,
            answers=[
                {"question_id": i, "score": s, "comment": ""}
                for i, s in zip(q, scores, strict=True)
            ],
            now=local(first, 21),
        )
    # A repair rated 5 (facilities) and two lunches rated 5 and 2 (catering) in the month.
    requester = await make_user()
    lead = principal(await make_user("facility_lead"), "facility_lead")
    fixer = await make_user("facility")
    ticket = await repairs.report(principal=principal(requester), category="it", location="A座",
                                  description="网络不通", photo_ids=[], now=local(first, 6))  # fmt: skip
    await repairs.act(ticket_id=ticket.id, principal=lead, action="assign",
                      assignee_id=fixer.user_id, now=local(first, 6))  # fmt: skip
    for action in ("start", "resolve"):
        await repairs.act(ticket_id=ticket.id, principal=principal(fixer, "facility"),
                          action=action, note="好了", now=local(first, 7))  # fmt: skip
    await repairs.act(ticket_id=ticket.id, principal=principal(requester), action="rate",
                      score=5, now=local(first, 8))  # fmt: skip
    for score in (5, 2):
        eater, order_id = await served_order(client)
        await surveys.rate_meal(user_id=eater.user_id, order_id=order_id, score=score,
                                comment="", now=local(first, 15))  # fmt: skip

    async def board() -> dict:
        response = await client.get(
            f"/api/v1/admin/assessment/scores?month={month}", headers=admin.headers
        )
        assert response.status_code == 200, response.text
        return response.json()

    expected = {
        cleaning["id"]: (93.3, 90.0, 66.7, 81.3, 10, 2),
        facilities["id"]: (100.0, 100.0, 75.0, 90.0, 0, 0),
        catering["id"]: (None, 0.0, 60.0, 30.0, 120, 2),
    }

    def figures(scores: dict) -> dict:
        return {
            i["team"]["id"]: (
                i["attendance"], i["inspection"], i["satisfaction"], i["total"],
                i["deductions"], i["open_rectifications"],
            )
            for i in scores["items"]
            if i["team"]["id"] in expected
        }  # fmt: skip

    scores = await board()
    assert figures(scores) == expected
    # 12 scores, 8 of them 4 or 5.
    assert scores["centre"] == {"satisfied_rate": 66.7, "target": 96, "met": False, "ratings": 12}
    assert scores["weights"] == {"attendance": 20, "inspection": 40, "satisfaction": 40}

    # Later changes do not rewrite the month: the rectifications still open at its end stay
    # counted, and a record of the next month does not count.
    next_month = local(first, 28) + timedelta(days=10)
    await assessment.act(rectification_id=rect_ids[1], principal=me, action="verify",
                         now=next_month)  # fmt: skip
    await assessment.create_inspection(
        principal=me, team_id=cleaning["id"], location="C座", results=results(clean_std, {2}),
        now=next_month,
    )  # fmt: skip
    assert figures(await board()) == expected


async def test_scores_xlsx_and_bad_months(client):
    admin, staff = await make_user("admin"), await make_user()
    month = fresh_month()
    response = await client.get(
        f"/api/v1/admin/assessment/scores?month={month}&format=xlsx", headers=admin.headers
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["月度得分", "满意度分布"]
    assert next(book["月度得分"].iter_rows(values_only=True))[0] == "团队"
    for bad in ("2026-13", "2026-1", "0000-01", "abc", "2026-00", "2026-11%00"):
        assert_error(
            await client.get(f"/api/v1/admin/assessment/scores?month={bad}", headers=admin.headers),
            400,
            "invalid_input",
        )
    assert_error(
        await client.get(f"/api/v1/admin/assessment/scores?month={month}", headers=staff.headers),
        403,
        "forbidden",
    )
    trend = await client.get(
        f"/api/v1/admin/assessment/trend?month={month}&months=3", headers=admin.headers
    )
    assert trend.status_code == 200, trend.text
    assert len(trend.json()["months"]) == 3 and trend.json()["months"][-1] == month


def test_weights_setting_is_checked():
    import pytest

    from server.config import ConfigError, load_settings

    env = {"APP_ENV": "test", "VAR_DIR": str(resources.settings().var_dir)}
    assert load_settings(env).assessment_weights == (20, 40, 40)
    assert load_settings({**env, "ASSESSMENT_WEIGHTS": "30/30/40"}).assessment_weights == (
        30,
        30,
        40,
    )
    for bad in ("30/30", "a/b/c", "-1/50/50", "0/0/0"):
        with pytest.raises(ConfigError, match="ASSESSMENT_WEIGHTS"):
            load_settings({**env, "ASSESSMENT_WEIGHTS": bad})
