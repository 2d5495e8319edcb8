"""Monthly spend report (API.md §12 GET /admin/procurement/report), as JSON or xlsx.

Spend is what procurement ordered: the order amount of every request ordered in the
month (service time zone), by department and by category. Amounts stay integer fen
in JSON; the workbook shows yuan with two decimals (a number format, not floats in
the data we computed).
"""

from __future__ import annotations

import asyncio
import re
from collections import defaultdict
from datetime import date, datetime
from typing import Any

from models.procurement import CATEGORIES, PurchaseRequest
from server import clock, xlsx
from server.errors import InvalidInput
from services.procurement.rules import CATEGORY_LABELS
from services.procurement.shapes import CategorySpend, CellSpend, DepartmentSpend, SpendReport

MONTH = re.compile(r"(\d{4})-(\d{2})")
XLSX = xlsx.CONTENT_TYPE


def parse_month(month: str | None, *, now: datetime) -> date:
    """`YYYY-MM` (default: this month) as its first day; anything else is 400."""
    if month is None:
        return clock.today(now).replace(day=1)
    found = MONTH.fullmatch(month)
    if (
        found is None
        or not clock.FIRST_YEAR <= int(found[1]) < clock.LAST_YEAR
        or not 1 <= int(found[2]) <= 12
    ):
        raise InvalidInput({"month": "格式应为 YYYY-MM"})
    return date(int(found[1]), int(found[2]), 1)


async def monthly(*, month: str | None, now: datetime) -> SpendReport:
    """Spend of one month by department, by category, and by both."""
    first = parse_month(month, now=now)
    start, end = clock.month_bounds(first)
    rows = await PurchaseRequest.filter(
        ordered_at__gte=start, ordered_at__lt=end, status__in=("ordered", "received")
    ).values_list("department", "category", "amount_fen")
    cells: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for department, category, amount in rows:
        cell = cells[(str(department), str(category))]
        cell[0] += int(amount or 0)
        cell[1] += 1
    return SpendReport(
        month=f"{first:%Y-%m}",
        total_fen=sum(c[0] for c in cells.values()),
        count=sum(c[1] for c in cells.values()),
        by_department=[DepartmentSpend(**row) for row in _sum_by(cells, 0, "department")],
        by_category=[
            CategorySpend(**row, label=CATEGORY_LABELS.get(row["category"], row["category"]))
            for row in _sum_by(cells, 1, "category")
        ],
        rows=[
            CellSpend(
                department=d,
                category=c,
                label=CATEGORY_LABELS.get(c, c),
                total_fen=v[0],
                count=v[1],
            )
            for (d, c), v in sorted(cells.items())
        ],
    )


def _sum_by(cells: dict[tuple[str, str], list[int]], index: int, name: str) -> list[Any]:
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for key, (total, count) in cells.items():
        sums[key[index]][0] += total
        sums[key[index]][1] += count
    ordered = sorted(sums.items(), key=lambda kv: (-kv[1][0], kv[0]))
    if name == "category":  # every category listed, in the contract's order
        ordered = [(c, sums.get(c, [0, 0])) for c in CATEGORIES] + [
            kv for kv in ordered if kv[0] not in CATEGORIES
        ]
    return [{name: key, "total_fen": v[0], "count": v[1]} for key, v in ordered]


def _workbook(report: dict[str, Any]) -> bytes:
    book = xlsx.Book()
    _table(
        book.sheet("按部门"),
        ["部门", "笔数", "金额（元）"],
        [[r["department"], r["count"], r["total_fen"]] for r in report["by_department"]],
    )
    _table(
        book.sheet("按类别"),
        ["类别", "笔数", "金额（元）"],
        [[r["label"], r["count"], r["total_fen"]] for r in report["by_category"]],
    )
    _table(
        book.sheet("明细"),
        ["部门", "类别", "笔数", "金额（元）"],
        [[r["department"], r["label"], r["count"], r["total_fen"]] for r in report["rows"]],
    )
    return book.data()


def _table(sheet: xlsx.Sheet, header: list[str], rows: list[list[Any]]) -> None:
    """Header, rows, and a total line; the last column is fen shown as yuan."""
    money = {len(header): "#,##0.00"}
    sheet.row(header)
    for row in rows:
        sheet.row([*row[:-1], row[-1] / 100], number_formats=money)
    total = sum(row[-1] for row in rows)
    sheet.row(
        ["合计", *[""] * (len(header) - 3), sum(r[-2] for r in rows), total / 100],
        number_formats=money,
    )
    sheet.width("A", 24)


async def monthly_xlsx(*, month: str | None, now: datetime) -> tuple[str, bytes]:
    """The month's report as an xlsx workbook: (file name, bytes)."""
    report = await monthly(month=month, now=now)
    data = await asyncio.to_thread(_workbook, report.model_dump())
    return f"procurement-{report.month}.xlsx", data
