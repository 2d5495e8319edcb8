"""The monthly report for the admin: cards sold, revenue, refunds, washes by day."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

from models.carwash import Card, Wash
from server import xlsx
from server.clock import local, month_bounds, next_month
from services.carwash import shapes

SOLD = ("active", "used_up", "expired", "refunding", "refunded")


async def monthly(*, month: date) -> shapes.MonthlyReport:
    """Sales by purchase time, refunds by refund time, washes by wash time (local days)."""
    start, end = month_bounds(month)
    window = {"gte": start, "lt": end}
    sold = await Card.filter(
        status__in=SOLD, purchased_at__gte=window["gte"], purchased_at__lt=window["lt"]
    ).values_list("amount_fen", flat=True)
    refunded = await Card.filter(
        status="refunded", refunded_at__gte=window["gte"], refunded_at__lt=window["lt"]
    ).values_list("refund_fen", flat=True)
    washed = await Wash.filter(
        washed_at__gte=window["gte"], washed_at__lt=window["lt"]
    ).values_list("washed_at", flat=True)
    per_day = Counter(local(w).date() for w in washed)  # type: ignore[arg-type]
    days = []
    day = month
    while day < next_month(month):
        days.append(shapes.DayWashes(date=day, washes=per_day.get(day, 0)))
        day += timedelta(days=1)
    return shapes.MonthlyReport(
        month=f"{month.year:04d}-{month.month:02d}",
        cards_sold=len(sold),
        revenue_fen=sum(int(str(a)) for a in sold),
        refunded_fen=sum(int(str(r or 0)) for r in refunded),
        washes=len(washed),
        by_day=days,
    )


def to_xlsx(report: dict[str, Any]) -> bytes:
    """The same report as an Excel workbook (a summary sheet and a by-day sheet)."""
    book = xlsx.Book()
    summary = book.sheet("汇总")
    summary.row(["月份", report["month"]])
    summary.row(["售卡数", report["cards_sold"]])
    summary.row(["收入（元）", report["revenue_fen"] / 100])
    summary.row(["退款（元）", report["refunded_fen"] / 100])
    summary.row(["洗车次数", report["washes"]])
    daily = book.sheet("每日洗车")
    daily.row(["日期", "洗车次数"])
    for row in report["by_day"]:
        daily.row([row["date"], row["washes"]])
    return book.data()
