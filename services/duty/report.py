"""The monthly report of the station: per service, how many came by which way, how many
were done or missed, and how long people waited and were served."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from models.duty import Appointment, DutyService
from server import xlsx
from server.clock import next_month
from services.duty import shapes


def _minutes(total_seconds: float, count: int) -> float | None:
    return round(total_seconds / count / 60, 1) if count else None


async def monthly(*, month: date) -> shapes.Report:
    """Appointments by their service day in `month` (first day of the month)."""
    rows = await Appointment.filter(date__gte=month, date__lt=next_month(month)).values(
        "service_id",
        "kind",
        "status",
        "queued_at",
        "called_at",
        "started_at",
        "finished_at",
    )
    names = dict(await DutyService.all().order_by("id").values_list("id", "name"))
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    waits: dict[int, list[float]] = defaultdict(list)
    serves: dict[int, list[float]] = defaultdict(list)
    for row in rows:
        service = int(row["service_id"])
        tally = counts[service]
        tally[
            {"appointment": "appointments", "walk_in": "walk_ins"}.get(row["kind"], "errands")
        ] += 1
        if row["status"] == "done":
            tally["done"] += 1
        if row["status"] == "no_show":
            tally["no_shows"] += 1
        if row["queued_at"] and row["called_at"] and row["kind"] != "errand":
            waits[service].append((row["called_at"] - row["queued_at"]).total_seconds())
        if row["status"] == "done" and row["started_at"] and row["finished_at"]:
            serves[service].append((row["finished_at"] - row["started_at"]).total_seconds())
    items = [
        shapes.ReportRow(
            service=str(names[service]),
            appointments=counts[service]["appointments"],
            walk_ins=counts[service]["walk_ins"],
            errands=counts[service]["errands"],
            done=counts[service]["done"],
            no_shows=counts[service]["no_shows"],
            avg_wait_minutes=_minutes(sum(waits[service]), len(waits[service])),
            avg_serve_minutes=_minutes(sum(serves[service]), len(serves[service])),
        )
        for service in names
    ]
    return shapes.Report(month=month.strftime("%Y-%m"), items=items)


def to_xlsx(report: shapes.Report) -> bytes:
    book = xlsx.Book()
    sheet = book.sheet(report.month)
    sheet.row(
        [
            "业务",
            "预约",
            "现场取号",
            "代办",
            "办结",
            "过号/爽约",
            "平均等候(分钟)",
            "平均办理(分钟)",
        ]
    )
    for item in report.items:
        sheet.row(
            [
                item.service,
                item.appointments,
                item.walk_ins,
                item.errands,
                item.done,
                item.no_shows,
                item.avg_wait_minutes,
                item.avg_serve_minutes,
            ]
        )
    return book.data()
