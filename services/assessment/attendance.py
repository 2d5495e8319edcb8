"""Daily attendance of the teams, from the admin endpoint or the attendance machines' CSV.

An import is all or nothing: every row is checked first and every bad row is reported
by its line, then all rows are written in one transaction. Writing is an upsert on
(team, date), so importing the same file again changes nothing.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from tortoise.exceptions import IntegrityError

from models.assessment import Attendance, Team
from server import batches
from server.errors import Conflict, InvalidInput
from server.tx import transaction

MAX_PRESENT = 10_000
CSV_HEADER = ("team", "date", "present")


def parse_csv(text: str) -> list[dict[str, Any]]:
    """Rows of `team,date,present` (team = name or id) with their line numbers.

    Values stay text here; `import_rows` checks them, so every problem of a file is
    reported at once, each with its line.
    """
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if header is None or tuple(h.strip().lower() for h in header) != CSV_HEADER:
        raise InvalidInput({"line 1": "表头应为 team,date,present"})
    rows: list[dict[str, Any]] = []
    for line_no, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != 3:
            rows.append({"line": line_no, "team": None, "date": None, "present": None})
            continue
        team, day, present = (c.strip() for c in cells)
        rows.append({"line": line_no, "team": team, "date": day, "present": present})
    return rows


async def _check(rows: list[dict[str, Any]]) -> tuple[list[tuple[int, date, int]], dict[str, str]]:
    teams = await Team.all()
    by_key = {t.name: t.id for t in teams} | {str(t.id): t.id for t in teams}
    good: list[tuple[int, date, int]] = []
    bad: dict[str, str] = {}
    seen: dict[tuple[int, date], int] = {}
    for row in rows:
        where = f"line {row['line']}"
        if row["team"] is None:
            bad[where] = "应为三列：team,date,present"
            continue
        team_id = by_key.get(str(row["team"]))
        if team_id is None:
            bad[where] = f"没有这个服务团队：{row['team']}"
            continue
        try:
            day = row["date"] if isinstance(row["date"], date) else date.fromisoformat(row["date"])
        except (TypeError, ValueError):
            bad[where] = "日期应为 YYYY-MM-DD"
            continue
        try:
            present = int(row["present"])
        except (TypeError, ValueError):
            bad[where] = "出勤人数应为整数"
            continue
        if not 0 <= present <= MAX_PRESENT:
            bad[where] = "出勤人数超出范围"
            continue
        if (team_id, day) in seen:
            bad[where] = f"与第 {seen[(team_id, day)]} 行重复（同一团队同一天）"
            continue
        seen[(team_id, day)] = row["line"]
        good.append((team_id, day, present))
    return good, bad


async def import_rows(*, rows: list[dict[str, Any]]) -> dict[str, int]:
    """Upsert attendance rows: `{created, updated, unchanged}`; any bad row → nothing."""
    if not rows:
        raise InvalidInput({"items": "没有出勤记录"})
    good, bad = await _check(rows)
    if bad:
        raise InvalidInput(bad, "出勤数据有误，未导入任何记录")
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    try:
        async with transaction():
            existing: dict[tuple[int, date], Attendance] = {}
            for part in batches.chunks(good):  # under the driver's argument limit
                for a in await Attendance.filter(
                    team_id__in={t for t, _, _ in part}, date__in={d for _, d, _ in part}
                ):
                    existing[(a.team_id, a.date)] = a
            fresh: list[Attendance] = []
            for team_id, day, present in good:
                row = existing.get((team_id, day))
                if row is None:
                    fresh.append(Attendance(team_id=team_id, date=day, present=present))
                    counts["created"] += 1
                elif row.present != present:
                    await Attendance.filter(id=row.id).update(present=present)
                    counts["updated"] += 1
                else:
                    counts["unchanged"] += 1
            await Attendance.bulk_create(fresh, batch_size=batches.IN_BATCH)
    except IntegrityError:  # a concurrent import created the same day first
        raise Conflict("出勤数据正在被另一个导入写入，请重试") from None
    return counts


async def import_items(*, items: list[dict[str, Any]]) -> dict[str, int]:
    """The admin endpoint: the same rules, items numbered from 1 as their 'line'."""
    rows = [
        {
            "line": index,
            "team": str(item["team_id"]),
            "date": item["date"],
            "present": item["present"],
        }
        for index, item in enumerate(items, start=1)
    ]
    return await import_rows(rows=rows)
