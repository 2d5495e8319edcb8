"""Repair statistics for the facility lead (GET /repairs/stats): how good and how fast.

A ticket counts in the period in which it was (last) resolved, whether the requester
has confirmed it yet or not, so the figures of a past month do not move when
confirmations trickle in. Time to resolve is report → resolution, wall-clock.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from models.repairs import CATEGORIES, Rating, Ticket
from server.clock import local, tz, utc
from server.errors import InvalidInput
from services.identity import names_of
from services.repairs.shapes import AssigneeFigures, CategoryFigures, Figures, Person, Stats
from services.repairs.tickets import CATEGORY_LABELS

MAX_DAYS = 366
# Dates outside these years are client mistakes; near date.min/max the day arithmetic
# and the database's timestamp range would overflow into a 500.
FIRST_YEAR, LAST_YEAR = 2000, 2999


@dataclass
class _Tally:
    minutes: list[float] = field(default_factory=list)
    scores: list[int] = field(default_factory=list)

    def figures(self) -> dict[str, Any]:
        return {
            "resolved": len(self.minutes),
            "rated": len(self.scores),
            "avg_rating": round(sum(self.scores) / len(self.scores), 2) if self.scores else None,
            "avg_resolve_minutes": (
                round(sum(self.minutes) / len(self.minutes), 1) if self.minutes else None
            ),
        }

    def overall(self) -> Figures:
        return Figures(**self.figures())


def period(*, date_from: date | None, date_to: date | None, now: datetime) -> tuple[date, date]:
    """The inclusive day range asked for; the last 30 days by default."""
    today = local(now).date()
    end = date_to or today
    start = date_from or end - timedelta(days=29)
    for name, day in (("from", start), ("to", end)):
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise InvalidInput({name: f"日期须在 {FIRST_YEAR} 至 {LAST_YEAR} 年之间"})
    if start > end:
        raise InvalidInput({"from": "开始日期不能晚于结束日期"})
    if (end - start).days >= MAX_DAYS:
        raise InvalidInput({"to": f"统计区间不能超过 {MAX_DAYS} 天"})
    return start, end


async def stats(*, date_from: date | None, date_to: date | None, now: datetime) -> Stats:
    """Average rating and average time to resolve, overall, per crew member, per category."""
    start, end = period(date_from=date_from, date_to=date_to, now=now)
    # In UTC: SQLite compares stored datetimes as text (docs/conventions.md). Not
    # clock.day_bounds: this report's years run to LAST_YEAR above.
    since = utc(datetime.combine(start, time(0), tz()))
    until = utc(datetime.combine(end + timedelta(days=1), time(0), tz()))
    tickets = await Ticket.filter(
        status__in=("resolved", "closed"), resolved_at__gte=since, resolved_at__lt=until
    ).values_list("id", "category", "assignee_id", "created_at", "resolved_at")
    scores = dict(
        await Rating.filter(ticket_id__in=[t[0] for t in tickets]).values_list("ticket_id", "score")
    )
    overall = _Tally()
    by_assignee: dict[int, _Tally] = defaultdict(_Tally)
    by_category: dict[str, _Tally] = defaultdict(_Tally)
    for ticket_id, category, assignee_id, created_at, resolved_at in tickets:
        minutes = (resolved_at - created_at).total_seconds() / 60
        tallies = [overall, by_category[category]]
        if assignee_id is not None:
            tallies.append(by_assignee[assignee_id])
        for tally in tallies:
            tally.minutes.append(minutes)
            if ticket_id in scores:
                tally.scores.append(int(scores[ticket_id]))
    names = await names_of(by_assignee)
    return Stats(  # type: ignore[call-arg]  # by name; `from`/`to` on the wire
        date_from=start.isoformat(),
        date_to=end.isoformat(),
        overall=overall.overall(),
        by_assignee=[
            AssigneeFigures(
                assignee=Person(id=uid, name=names.get(uid, "未知用户")), **tally.figures()
            )
            for uid, tally in sorted(by_assignee.items())
        ],
        by_category=[
            CategoryFigures(category=c, label=CATEGORY_LABELS[c], **by_category[c].figures())
            for c in CATEGORIES
            if c in by_category
        ],
    )
