"""Reminders for steps waiting over two working days, the monthly report, demo data.

Time is passed in (X-Test-Now, now=), never slept.
"""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from jobs import procurement as procurement_jobs
from jobs.scheduler import discover, run_once
from models.procurement import PurchaseRequest, RequestStep, StepReminder
from services import procurement
from tests.support import assert_error
from tests.support.procurement import BASE, make_cast, notices, request_body

TZ = ZoneInfo("Asia/Shanghai")
THURSDAY = datetime(2025, 6, 5, 10, 0, tzinfo=TZ)  # a Thursday, 10:00
FRIDAY = THURSDAY + timedelta(days=1)
MONDAY = THURSDAY + timedelta(days=4)
REPORT = "/api/v1/admin/procurement/report"


def local(moment: datetime) -> dict[str, str]:
    return {"X-Test-Now": moment.isoformat()}


async def _submit_at(client, cast, moment: datetime, **body) -> dict:
    response = await client.post(
        BASE, json=request_body(**body), headers=cast.requester.with_headers(**local(moment))
    )
    assert response.status_code == 201, response.text
    return response.json()


async def _reminders(request_id: int) -> list[str]:
    rows = await StepReminder.filter(request_id=request_id).order_by("id")
    return [f"{r.stage}@{r.day}" for r in rows]


async def test_working_time_skips_weekends():
    assert procurement.working_time(THURSDAY, MONDAY + timedelta(hours=-0.5), TZ) == timedelta(
        hours=14 + 24 + 9.5
    )
    saturday = THURSDAY + timedelta(days=2)
    assert procurement.working_time(saturday, saturday + timedelta(hours=37), TZ) == timedelta()
    assert procurement.working_time(saturday, MONDAY, TZ) == timedelta(hours=10)


async def test_a_step_waiting_over_two_working_days_reminds_its_approvers_once_a_day(client):
    cast = await make_cast()
    request = await _submit_at(client, cast, THURSDAY)
    rid = request["id"]
    # Monday 09:30 is 47.5 working hours after Thursday 10:00: not yet.
    await procurement.remind(now=MONDAY - timedelta(minutes=30))
    assert await _reminders(rid) == []
    # Monday 10:30: over two working days (four calendar days, a weekend in between).
    await procurement.remind(now=MONDAY + timedelta(minutes=30))
    assert await _reminders(rid) == ["dept_head@2025-06-09"]
    for head in (cast.head, cast.head2):
        reminders = await notices(head, rid, "procurement_reminder")
        assert [n.title for n in reminders] == ["采购申请等待审批超过2个工作日"]
    assert await notices(cast.buyer, rid, "procurement_reminder") == []
    assert await notices(cast.requester, rid, "procurement_reminder") == []
    # The job runs hourly: later runs the same day remind nobody again.
    for hours in (2, 5, 9):
        await procurement.remind(now=MONDAY + timedelta(hours=hours))
    assert await _reminders(rid) == ["dept_head@2025-06-09"]
    # Next working day: one more; the trail records both.
    await procurement.remind(now=MONDAY + timedelta(days=1))
    assert await _reminders(rid) == ["dept_head@2025-06-09", "dept_head@2025-06-10"]
    trail = await RequestStep.filter(request_id=rid, action="remind").count()
    assert trail == 2
    # Once decided, the next stage counts from its own start.
    response = await client.post(
        f"{BASE}/{rid}/approve",
        json={"stage": "dept"},
        headers=cast.head.with_headers(**local(MONDAY + timedelta(days=1, hours=1))),
    )
    assert response.json()["status"] == "pending_procurement"
    await procurement.remind(now=MONDAY + timedelta(days=2))
    assert await _reminders(rid) == ["dept_head@2025-06-09", "dept_head@2025-06-10"]
    await procurement.remind(now=MONDAY + timedelta(days=3, hours=2))
    assert (await _reminders(rid))[-1] == "procurement@2025-06-12"


async def test_weekends_neither_count_nor_get_reminders(client):
    cast = await make_cast()
    request = await _submit_at(client, cast, FRIDAY)
    # Friday 10:00 → Monday 10:30 is only 24.5 working hours.
    await procurement.remind(now=MONDAY + timedelta(minutes=30))
    assert await _reminders(request["id"]) == []
    # Nobody is reminded on a Saturday, even for a step long overdue.
    old = await _submit_at(client, cast, THURSDAY - timedelta(days=7))
    assert await procurement.remind(now=FRIDAY + timedelta(days=1)) == 0
    assert await _reminders(old["id"]) == []
    await procurement.remind(now=MONDAY + timedelta(days=1, minutes=30))
    assert await _reminders(request["id"]) == ["dept_head@2025-06-10"]


async def test_decided_requests_are_not_reminded(client):
    cast = await make_cast()
    request = await _submit_at(client, cast, THURSDAY)
    await client.post(
        f"{BASE}/{request['id']}/withdraw",
        headers=cast.requester.with_headers(**local(THURSDAY + timedelta(hours=1))),
    )
    await procurement.remind(now=MONDAY + timedelta(days=2))
    assert await _reminders(request["id"]) == []


async def test_two_runners_at_once_send_one_reminder(client):
    cast = await make_cast()
    request = await _submit_at(client, cast, THURSDAY - timedelta(days=21))
    moment = MONDAY + timedelta(days=14, hours=1)
    await asyncio.gather(*[procurement.remind(now=moment) for _ in range(4)])
    assert len(await _reminders(request["id"])) == 1
    assert len(await notices(cast.head, request["id"], "procurement_reminder")) == 1
    # The scheduler runs the job once per cluster and run slot.
    job = next(j for j in discover() if j.name == "procurement.remind")
    assert job in procurement_jobs.JOBS and job.every_s == 3600
    later = moment + timedelta(days=1)
    ran = await asyncio.gather(*[run_once(job, now=later) for _ in range(3)])
    assert sorted(ran) == [False, False, True]
    assert len(await _reminders(request["id"])) == 2


async def _ordered(client, cast, moment: datetime, amount: int, category: str = "office") -> int:
    request = await _submit_at(client, cast, moment - timedelta(hours=3), category=category)
    rid = request["id"]
    for step, (actor, stage) in enumerate(((cast.head, "dept"), (cast.buyer, "procurement")), 1):
        response = await client.post(
            f"{BASE}/{rid}/approve",
            json={"stage": stage},
            headers=actor.with_headers(**local(moment - timedelta(hours=3 - step))),
        )
        assert response.status_code == 200, response.text
    response = await client.post(
        f"{BASE}/{rid}/order",
        json={"supplier": "晨光办公", "amount_fen": amount},
        headers=cast.buyer.with_headers(**local(moment)),
    )
    assert response.status_code == 200, response.text
    return rid


async def test_the_monthly_report_by_department_and_category(client):
    cast = await make_cast()
    other = await make_cast()
    # Local month edges: 23:30 on 31 March counts for March; 00:30 on 1 April (still
    # 31 March in UTC) counts for April.
    await _ordered(client, cast, datetime(2024, 3, 31, 23, 30, tzinfo=TZ), 12_345)
    await _ordered(client, cast, datetime(2024, 3, 1, 0, 30, tzinfo=TZ), 50_000, "furniture")
    await _ordered(client, other, datetime(2024, 3, 15, 12, 0, tzinfo=TZ), 7_000)
    await _ordered(client, cast, datetime(2024, 4, 1, 0, 30, tzinfo=TZ), 99_999)
    response = await client.get(f"{REPORT}?month=2024-03", headers=cast.buyer.headers)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["month"] == "2024-03"
    assert (report["total_fen"], report["count"]) == (69_345, 3)
    assert report["by_department"] == [
        {"department": cast.department, "total_fen": 62_345, "count": 2},
        {"department": other.department, "total_fen": 7_000, "count": 1},
    ]
    by_category = {
        row["category"]: (row["total_fen"], row["count"]) for row in report["by_category"]
    }
    assert by_category == {
        "office": (19_345, 2),
        "furniture": (50_000, 1),
        "equipment": (0, 0),
        "other": (0, 0),
    }
    april = (await client.get(f"{REPORT}?month=2024-04", headers=cast.admin.headers)).json()
    assert (april["total_fen"], april["count"]) == (99_999, 1)

    xlsx = await client.get(f"{REPORT}?month=2024-03&format=xlsx", headers=cast.admin.headers)
    assert xlsx.status_code == 200
    assert xlsx.headers["content-type"].startswith(procurement.XLSX)
    assert "procurement-2024-03.xlsx" in xlsx.headers["content-disposition"]
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["按部门", "按类别", "明细"]
    rows = list(book["按部门"].iter_rows(values_only=True))
    assert rows[0] == ("部门", "笔数", "金额（元）")
    assert rows[1] == (cast.department, 2, 623.45)
    assert rows[-1] == ("合计", 3, 693.45)


async def test_the_report_is_for_procurement_and_admins_only(client):
    cast = await make_cast()
    for name in ("requester", "head"):
        response = await client.get(f"{REPORT}?month=2024-03", headers=cast.by_name(name).headers)
        assert_error(response, 403, "forbidden")
    for bad in (
        "2024-13",
        "2024-3",
        "24-03",
        "2024-03-01",
        "abcd-ef",
        "0000-01",
        "9999-12",
        "2024-00",
    ):
        response = await client.get(f"{REPORT}?month={bad}", headers=cast.buyer.headers)
        assert_error(response, 400, "invalid_input")
    response = await client.get(f"{REPORT}?format=pdf", headers=cast.buyer.headers)
    assert_error(response, 400, "invalid_input")


async def test_seed_demo_is_idempotent_and_covers_every_state(client):
    import demo
    from demo import procurement as procurement_demo
    from services import identity

    now = datetime.now(UTC)
    rows = [  # the directory first, as `python -m server seed-demo` does
        {"employee_no": no, "name": name, "department": dept, "roles": roles}
        for no, name, dept, roles in demo.DEMO_STAFF
    ]
    await identity.import_staff(rows=rows, now=now)
    await procurement_demo.seed(now=now)
    again = await procurement_demo.seed(now=now)
    assert "0 demo requests new" in again[0]
    titles = [r[1] for r in procurement_demo.DEMO_REQUESTS]
    rows_held = await PurchaseRequest.filter(title__in=titles)
    assert len(rows_held) == len(titles)
    assert {r.status for r in rows_held} == {
        "pending_dept",
        "pending_procurement",
        "pending_leader",
        "approved",
        "rejected",
        "withdrawn",
        "ordered",
        "received",
    }
    assert len({r.department for r in rows_held}) == 3
