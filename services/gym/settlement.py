"""The monthly settlement the centre pays the partner gyms from (per gym: check-ins by
kind, late cancels and no-shows, which spend a member's visit too), as JSON and xlsx."""

from __future__ import annotations

from typing import Any

from tortoise.functions import Count

from models.gym import Gym, GymBooking
from server import xlsx
from services.gym.shapes import GymRef, Settlement, SettlementRow

COLUMNS = [
    ("gym", "场馆"),
    ("check_ins", "签到合计"),
    ("walk_ins", "到店签到"),
    ("classes", "课程签到"),
    ("late_cancels", "迟取消"),
    ("no_shows", "爽约"),
    ("billable", "结算人次"),
]


async def settlement(*, month: str) -> Settlement:
    """Figures per gym for the month (every gym, zeros included), by the visit's month."""
    counts: dict[tuple[int, str, str], int] = {}
    rows = (
        await GymBooking.filter(month=month)
        .annotate(n=Count("id"))
        .group_by("gym_id", "kind", "status")
        .values("gym_id", "kind", "status", "n")
    )
    for row in rows:
        counts[(int(row["gym_id"]), row["kind"], row["status"])] = int(row["n"])
    items = []
    for gym in await Gym.all().order_by("id"):
        walk_ins = counts.get((gym.id, "walk_in", "checked_in"), 0)
        classes = counts.get((gym.id, "class", "checked_in"), 0)
        late = counts.get((gym.id, "class", "late_cancelled"), 0)
        no_shows = counts.get((gym.id, "class", "no_show"), 0)
        items.append(
            SettlementRow(
                gym=GymRef(id=gym.id, name=gym.name),
                check_ins=walk_ins + classes,
                walk_ins=walk_ins,
                classes=classes,
                late_cancels=late,
                no_shows=no_shows,
                billable=walk_ins + classes + late + no_shows,
            )
        )
    return Settlement(month=month, items=items)


def settlement_xlsx(report: dict[str, Any]) -> bytes:
    """One sheet, one row per gym and a totals row, Chinese headers."""
    book = xlsx.Book()
    sheet = book.sheet(f"{report['month']}结算")
    sheet.row([label for _, label in COLUMNS], bold=True)
    for item in report["items"]:
        sheet.row([item["gym"]["name"], *(item[key] for key, _ in COLUMNS[1:])])
    totals = [sum(item[key] for item in report["items"]) for key, _ in COLUMNS[1:]]
    sheet.row(["合计", *totals])
    sheet.width("A", 24)
    return book.data()
