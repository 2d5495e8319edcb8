"""The monthly survey (once per person under concurrency, anonymous in every report),
the one-tap meal rating, and attendance from the endpoint and the CLI."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from tortoise import connections

from models.assessment import Attendance, MealRating, SurveyAnswer, SurveyReply
from server.config import PROJECT_ROOT
from tests.support import assert_error, make_user
from tests.support.assessment import T0, fresh_month, make_crew
from tests.support.meals import served_order

SURVEYS = "/api/v1/assessment/surveys"
SHANGHAI = ZoneInfo("Asia/Shanghai")


async def open_survey(client, admin, *, minutes: float) -> tuple[dict, dict[str, str]]:
    """A survey opening at T0 + minutes; returns it and the X-Test-Now just after it opened."""
    month = fresh_month()
    opens = T0 + timedelta(minutes=minutes)
    response = await client.post(
        "/api/v1/admin/assessment/surveys",
        json={
            "month": month,
            "questions": [
                {"service": "cleaning", "text": "您对办公区保洁是否满意？"},
                {"service": "catering", "text": "您对食堂饭菜是否满意？"},
            ],
            "opens": opens.isoformat(),
            "closes": (opens + timedelta(days=2)).isoformat(),
        },
        headers=admin.headers,
    )
    assert response.status_code == 201, response.text
    return response.json(), {"X-Test-Now": (opens + timedelta(seconds=1)).isoformat()}


def answers(survey: dict, *scores: int, comment: str = "") -> dict:
    return {
        "answers": [
            {"question_id": q["id"], "score": s, "comment": comment}
            for q, s in zip(survey["questions"], scores, strict=False)
        ]
    }


async def test_current_survey_answered_once_with_my_answers(client):
    admin, person = await make_user("admin"), await make_user()
    survey, now = await open_survey(client, admin, minutes=10)
    current = await client.get(f"{SURVEYS}/current", headers={**person.headers, **now})
    assert current.status_code == 200, current.text
    assert current.json()["id"] == survey["id"] and current.json()["answered"] is False
    url = f"{SURVEYS}/{survey['id']}/responses"
    first = await client.post(url, json=answers(survey, 5, 3), headers={**person.headers, **now})
    assert first.status_code == 201, first.text
    assert first.json()["answered"] is True
    assert [a["score"] for a in first.json()["my_answers"]] == [5, 3]
    again = await client.post(url, json=answers(survey, 1, 1), headers={**person.headers, **now})
    assert_error(again, 409, "conflict")
    mine = await client.get(f"{SURVEYS}/current", headers={**person.headers, **now})
    assert [a["score"] for a in mine.json()["my_answers"]] == [5, 3]
    # Windows and bad answers.
    early = {"X-Test-Now": (T0 + timedelta(minutes=9)).isoformat()}
    late = {"X-Test-Now": (T0 + timedelta(minutes=10, days=2)).isoformat()}
    other = await make_user()
    assert_error(
        await client.post(url, json=answers(survey, 4, 4), headers={**other.headers, **early}),
        409,
        "too_early",
    )
    assert_error(
        await client.post(url, json=answers(survey, 4, 4), headers={**other.headers, **late}),
        409,
        "too_late",
    )
    for body in (answers(survey, 4), answers(survey, 6, 4), answers(survey, 0, 4),
                 {"answers": [{"question_id": 2147483647, "score": 4}]}):  # fmt: skip
        assert_error(
            await client.post(url, json=body, headers={**other.headers, **now}),
            400,
            "invalid_input",
        )
    assert_error(await client.post(f"{SURVEYS}/2147483648/responses", json=answers(survey, 4, 4),
                                   headers={**other.headers, **now}), 404, "not_found")  # fmt: skip
    assert await SurveyReply.filter(survey_id=survey["id"]).count() == 1
    assert await SurveyAnswer.filter(survey_id=survey["id"]).count() == 2


async def test_twenty_concurrent_submits_of_one_person_count_once(client):
    admin, person = await make_user("admin"), await make_user()
    survey, now = await open_survey(client, admin, minutes=20)
    url = f"{SURVEYS}/{survey['id']}/responses"
    responses = await asyncio.gather(
        *[
            client.post(url, json=answers(survey, 1 + i % 5, 5), headers={**person.headers, **now})
            for i in range(20)
        ]
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * 19, statuses
    for response in responses:
        if response.status_code == 409:
            assert_error(response, 409, "conflict")
    assert await SurveyReply.filter(survey_id=survey["id"]).count() == 1
    # The losers' answers rolled back with their response: exactly one set of scores.
    assert await SurveyAnswer.filter(survey_id=survey["id"]).count() == 2


async def test_no_report_or_export_ties_a_score_to_a_person(client):
    admin = await make_user("admin")
    survey, now = await open_survey(client, admin, minutes=30)
    people = [await make_user(name=f"答卷人{uuid.uuid4().hex[:4]}") for _ in range(3)]
    marker = f"意见{uuid.uuid4().hex[:6]}"
    for person, score in zip(people, (5, 2, 4), strict=True):
        response = await client.post(
            f"{SURVEYS}/{survey['id']}/responses",
            json=answers(survey, score, score, comment=marker),
            headers={**person.headers, **now},
        )
        assert response.status_code == 201
    # The answer rows name nobody (no user, no response, no time).
    assert {"user_id", "response_id", "submitted_at", "created_at"}.isdisjoint(
        SurveyAnswer._meta.fields_map
    )
    month = survey["month"]
    board = await client.get(
        f"/api/v1/admin/assessment/scores?month={month}", headers=admin.headers
    )
    export = await client.get(
        f"/api/v1/admin/assessment/scores?month={month}&format=xlsx", headers=admin.headers
    )
    trend = await client.get(f"/api/v1/admin/assessment/trend?month={month}", headers=admin.headers)
    cells = " ".join(
        str(value)
        for sheet in load_workbook(io.BytesIO(export.content)).worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    )
    for text in (board.text, trend.text, cells):
        for person in people:
            for identity in (person.name, person.employee_no, f'"id":{person.user_id},'):
                assert identity not in text
        assert marker not in text  # comments stay out of reports: they can identify people
    assert board.json()["centre"]["ratings"] == 6
    assert board.json()["centre"]["satisfied_rate"] == 66.7
    # Another person's view of the survey shows their own answers only.
    viewer = await client.get(f"{SURVEYS}/current", headers={**people[1].headers, **now})
    assert [a["score"] for a in viewer.json()["my_answers"]] == [2, 2]


async def test_meal_rating_once_after_served(client):
    eater, order_id = await served_order(client)
    url = f"/api/v1/meals/orders/{order_id}/rating"
    response = await client.post(
        url, json={"score": 5, "comment": "红烧肉很好"}, headers=eater.headers
    )
    assert response.status_code == 201, response.text
    assert response.json()["order_id"] == order_id and response.json()["score"] == 5
    assert_error(await client.post(url, json={"score": 4}, headers=eater.headers), 409, "conflict")
    stranger = await make_user()
    assert_error(
        await client.post(url, json={"score": 4}, headers=stranger.headers), 404, "not_found"
    )
    assert_error(
        await client.post(url, json={"score": 9}, headers=eater.headers), 400, "invalid_input"
    )
    # Concurrent taps on a fresh served order: one rating.
    eater2, order2 = await served_order(client)
    taps = await asyncio.gather(*[
        client.post(f"/api/v1/meals/orders/{order2}/rating", json={"score": 4}, headers=eater2.headers)
        for _ in range(10)
    ])  # fmt: skip
    assert sorted(t.status_code for t in taps) == [201] + [409] * 9
    assert await MealRating.filter(order_id=order2).count() == 1
    # Not served yet: invalid_state. The order itself still reads as before (meals unchanged).
    from tests.support.meals import make_menu, order_body, place

    menu = await make_menu(client)
    order = (await place(client, eater, order_body(menu))).json()
    assert_error(
        await client.post(f"/api/v1/meals/orders/{order['id']}/rating", json={"score": 3},
                          headers=eater.headers), 409, "invalid_state",
    )  # fmt: skip
    again = await client.get(f"/api/v1/meals/orders/{order['id']}", headers=eater.headers)
    assert again.json()["status"] == "confirmed"


async def test_attendance_endpoint_is_all_or_nothing_and_idempotent(client):
    crew = await make_crew(client)
    url = "/api/v1/admin/assessment/attendance"
    team = crew.team["id"]
    body = {"items": [{"team_id": team, "date": "2026-11-02", "present": 9},
                      {"team_id": team, "date": "2026-11-03", "present": 10}]}  # fmt: skip
    first = await client.post(url, json=body, headers=crew.admin.headers)
    assert first.json() == {"created": 2, "updated": 0, "unchanged": 0}
    again = await client.post(url, json=body, headers=crew.admin.headers)
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 2}
    body["items"][0]["present"] = 8
    body["items"].append({"team_id": 2147483647, "date": "2026-11-04", "present": 3})
    bad = assert_error(
        await client.post(url, json=body, headers=crew.admin.headers), 400, "invalid_input"
    )
    assert list(bad["details"]["fields"]) == ["line 3"]
    assert (await Attendance.get(team_id=team, date="2026-11-02")).present == 9
    assert_error(
        await client.post(url, json=body, headers=crew.inspector.headers), 403, "forbidden"
    )
    for odd in ("2026-02-30", "2026-13-01", "20261101"):
        odd_body = {"items": [{"team_id": team, "date": odd, "present": 1}]}
        assert_error(
            await client.post(url, json=odd_body, headers=crew.admin.headers), 400, "invalid_input"
        )


def _cli(path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RUN_JOBS": "false"}
    return subprocess.run(
        [sys.executable, "-m", "server", "import-attendance", str(path)],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.mark.slow
async def test_import_attendance_cli_reports_bad_lines_and_imports_nothing(client, tmp_path):
    crew = await make_crew(client)
    name = crew.team["name"]
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "team,date,present\n"
        f"{name},2026-11-02,9\n"
        "不存在的团队,2026-11-02,9\n"
        f"{name},2026-11-31,9\n"
        f"{name},2026-11-03,多\n"
        f"{name},2026-11-02,7\n",
        encoding="utf-8",
    )
    result = await asyncio.to_thread(_cli, bad)
    assert result.returncode == 2, result.stdout + result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    for line in ("line 3", "line 4", "line 5", "line 6"):
        assert line in result.stderr
    assert "line 2" not in result.stderr
    assert await Attendance.filter(team_id=crew.team["id"]).count() == 0

    good = tmp_path / "good.csv"
    good.write_text(
        f"\ufeffteam,date,present\n{name},2026-11-02,9\n{crew.team['id']},2026-11-03,10\n",
        encoding="utf-8",
    )
    first = await asyncio.to_thread(_cli, good)
    assert first.returncode == 0, first.stderr
    assert "2 created, 0 updated, 0 unchanged" in first.stdout
    second = await asyncio.to_thread(_cli, good)
    assert "0 created, 0 updated, 2 unchanged" in second.stdout
    assert await Attendance.filter(team_id=crew.team["id"]).count() == 2


async def test_the_responses_table_names_no_one_and_keeps_only_the_day(client):
    admin, person = await make_user("admin"), await make_user()
    survey, now = await open_survey(client, admin, minutes=40)
    marker = f"意见{uuid.uuid4().hex[:6]}"
    response = await client.post(
        f"{SURVEYS}/{survey['id']}/responses",
        json=answers(survey, 5, 3, comment=marker),
        headers={**person.headers, **now},
    )
    assert response.status_code == 201, response.text
    assert response.json()["answered"] is True
    # Read the table as psql would: no column names the person or the moment.
    rows = await connections.get("default").execute_query_dict(
        "SELECT * FROM assessment_survey_replies WHERE survey_id = " + str(int(survey["id"]))
    )
    assert len(rows) == 1
    row = rows[0]
    assert "user_id" not in row and "submitted_at" not in row
    assert str(person.user_id) not in {str(v) for v in row.values()}
    assert set(row) == {"id", "survey_id", "respondent", "answers", "submitted_on"}
    day = datetime.fromisoformat(now["X-Test-Now"]).astimezone(SHANGHAI).date()
    assert str(row["submitted_on"]) == day.isoformat()
    # The person still gets their own copy back, and only they do.
    mine = (await client.get(f"{SURVEYS}/current", headers={**person.headers, **now})).json()
    assert mine["id"] == survey["id"]
    assert mine["answered"] is True and mine["submitted_on"] == day.isoformat()
    assert {a["comment"] for a in mine["my_answers"]} == {marker}
    other = await make_user()
    theirs = (await client.get(f"{SURVEYS}/current", headers={**other.headers, **now})).json()
    assert theirs["answered"] is False and theirs["my_answers"] is None


_MIGRATE_TO = """
import asyncio, sys
from tortoise.context import TortoiseContext
from tortoise.migrations.api.migrate import migrate
from server.db import tortoise_config

async def main(url, target):
    async with TortoiseContext():
        await migrate(config=tortoise_config(url), target=target or None)

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


def test_the_migration_unlinks_the_responses_already_stored(tmp_path):
    """A database holding responses with user ids and times, migrated: each row keeps its
    answers under the keyed hash of person and survey, and only its day."""
    import hashlib
    import hmac
    import sqlite3

    path = tmp_path / "old.sqlite3"
    secret = "s" * 40
    env = {
        **os.environ,
        "APP_ENV": "test",
        "SECRET_KEY": secret,
        "DATABASE_URL": f"sqlite://{path}",
    }

    def migrate_to(target: str) -> None:
        done = subprocess.run(
            [sys.executable, "-c", _MIGRATE_TO, f"sqlite://{path}", target],
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr[-3000:]

    migrate_to("assessment.0001_initial")
    db = sqlite3.connect(path)
    db.execute(
        "INSERT INTO users (id, openid, session_key, created_at) "
        "VALUES (42, 'o-42', '', '2026-01-01T00:00:00+00:00')"
    )
    db.execute(
        "INSERT INTO assessment_surveys (id, month, opens, closes, created_at) VALUES "
        "(7, '2026-01', '2026-01-01T00:00:00+00:00', '2026-02-01T00:00:00+00:00', "
        "'2026-01-01T00:00:00+00:00')"
    )
    db.execute(
        "INSERT INTO assessment_survey_responses (id, survey_id, user_id, answers, submitted_at) "
        'VALUES (1, 7, 42, \'[{"question_id": 1, "score": 2, "comment": "太吵"}]\', '
        "'2026-01-05T17:30:00+00:00')"
    )
    db.commit()
    db.close()
    migrate_to("")
    db = sqlite3.connect(path)
    db.row_factory = sqlite3.Row
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "assessment_survey_responses" not in tables  # the table that named people is gone
    rows = [dict(r) for r in db.execute("SELECT * FROM assessment_survey_replies")]
    db.close()
    key = hmac.new(secret.encode(), b"survey-respondent:7:42", hashlib.sha256).hexdigest()
    assert len(rows) == 1
    assert set(rows[0]) == {"id", "survey_id", "respondent", "answers", "submitted_on"}
    assert rows[0]["respondent"] == key
    assert str(rows[0]["submitted_on"]) == "2026-01-06"  # 01:30 in Shanghai, the next day
    assert "太吵" in rows[0]["answers"]


async def test_attendance_of_more_days_than_one_statement_may_carry_imports(client):
    """33,000 distinct dates: over asyncpg's 32,767 arguments if looked up at once."""
    from datetime import date as day_type

    from services import assessment

    crew = await make_crew(client)
    first = day_type(1930, 1, 1)
    rows = [
        {
            "line": n + 2,
            "team": str(crew.team["id"]),
            "date": (first + timedelta(days=n)).isoformat(),
            "present": "7",
        }
        for n in range(33_000)
    ]
    counts = await assessment.import_rows(rows=rows)
    assert counts == {"created": 33_000, "updated": 0, "unchanged": 0}
    again = await assessment.import_rows(rows=[*rows[:10], {**rows[10], "present": "8"}])
    assert again == {"created": 0, "updated": 1, "unchanged": 10}
    assert await Attendance.filter(team_id=crew.team["id"]).count() == 33_000
