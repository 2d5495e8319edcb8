"""The monthly scores that decide the contractors' payments, computed from the records.

Nothing is stored: a month's scores are recomputed from attendance rows, inspections,
the rectification timeline and the scores given, so any past month can be reproduced
(open rectifications are counted as they stood at the month's end, from their events).

- attendance: mean over the recorded days of present / contracted (capped at 1), × 100
- inspection: 100 − the month's deducted points, floored at 0
- satisfaction: share of scores ≥ 4 for the team's service (survey answers; repair ratings
  for facilities; meal ratings for catering), × 100
- total: the weighted mean (ASSESSMENT_WEIGHTS) of the parts that have data
Only counts leave this module: no person, no comment, nothing to tie a score to anyone.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from models.assessment import (
    Attendance,
    Inspection,
    MealRating,
    Rectification,
    RectificationEvent,
    Survey,
    SurveyAnswer,
    Team,
)
from models.duty import DutyRating
from models.repairs import Rating
from server import resources, xlsx
from server.clock import month_bounds, next_month, parse_month
from services.assessment import shapes
from services.assessment.common import SERVICE_LABELS
from services.assessment.inspections import LIVE

SATISFIED = 4  # a score of 4 or 5 counts as satisfied
# Where the ratings staff already give count, besides the survey.
RATING_SOURCES = {"facilities": "repairs", "catering": "meals", "duty_station": "duty"}


def pct(value: Fraction | None) -> float | None:
    """A share as a percentage with one decimal, rounded half up (reproducible)."""
    if value is None:
        return None
    exact = Decimal(value.numerator * 100) / Decimal(value.denominator)
    return float(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


async def score_distribution(*, first: date) -> dict[str, Counter[int]]:
    """Scores of the month by source: `survey:<service>`, `repairs`, `meals` → score counts."""
    start, end = month_bounds(first)
    found: dict[str, Counter[int]] = defaultdict(Counter)
    survey_ids = await Survey.filter(month=first.strftime("%Y-%m")).values_list("id", flat=True)
    for service, score in await SurveyAnswer.filter(survey_id__in=survey_ids).values_list(
        "service", "score"
    ):
        found[f"survey:{service}"][int(score)] += 1
    for model, source in ((Rating, "repairs"), (MealRating, "meals"), (DutyRating, "duty")):
        for row in await model.filter(created_at__gte=start, created_at__lt=end).values("score"):
            found[source][int(row["score"])] += 1
    return found


def _satisfied_share(counters: list[Counter[int]]) -> Fraction | None:
    total = sum(sum(c.values()) for c in counters)
    if not total:
        return None
    return Fraction(sum(n for c in counters for s, n in c.items() if s >= SATISFIED), total)


async def _attendance(team: Team, *, first: date) -> Fraction | None:
    rows = await Attendance.filter(team_id=team.id, date__gte=first, date__lt=next_month(first))
    if not rows or team.contracted_headcount <= 0:
        return None
    ratios = [min(Fraction(r.present, team.contracted_headcount), Fraction(1)) for r in rows]
    return sum(ratios, Fraction(0)) / len(ratios)


async def _open_at_month_end(team: Team, *, end: datetime) -> int:
    """Rectifications of the team still live at `end`, replayed from their timeline."""
    ids = await Rectification.filter(team_id=team.id, created_at__lt=end).values_list(
        "id", flat=True
    )
    last: dict[int, str] = {}
    for rect_id, to_state in (
        await RectificationEvent.filter(rectification_id__in=ids, at__lt=end)
        .order_by("at", "id")
        .values_list("rectification_id", "to_state")
    ):
        last[int(rect_id)] = str(to_state)
    return sum(1 for state in last.values() if state in LIVE)


def _total(parts: list[tuple[Fraction | None, int]]) -> float | None:
    weighted = [(value, weight) for value, weight in parts if value is not None and weight]
    weight_sum = sum(w for _, w in weighted)
    if not weight_sum:
        return None
    return pct(sum((v * w for v, w in weighted), Fraction(0)) / weight_sum)


async def scores(*, month: str) -> shapes.Scores:
    """API.md §11 scores of every team for `month`, and the centre-wide satisfied rate."""
    first = parse_month(month)
    _, end = month_bounds(first)
    start, _ = month_bounds(first)
    weights = resources.settings().assessment_weights
    scores_by_source = await score_distribution(first=first)
    teams = await Team.all().order_by("id")
    items = []
    for team in teams:
        inspections = await Inspection.filter(team_id=team.id, at__gte=start, at__lt=end)
        deducted = sum(i.deducted for i in inspections)
        counters = [scores_by_source.get(f"survey:{team.service}", Counter())]
        if team.service in RATING_SOURCES:
            counters.append(scores_by_source.get(RATING_SOURCES[team.service], Counter()))
        attendance = await _attendance(team, first=first)
        inspection = Fraction(max(0, 100 - deducted), 100)
        satisfaction = _satisfied_share(counters)
        items.append(
            shapes.TeamScore(
                team=shapes.ScoredTeam(
                    id=team.id,
                    name=team.name,
                    service=team.service,
                    service_label=SERVICE_LABELS[team.service],
                ),
                attendance=pct(attendance),
                inspection=pct(inspection),
                satisfaction=pct(satisfaction),
                total=_total(
                    [(attendance, weights[0]), (inspection, weights[1]), (satisfaction, weights[2])]
                ),
                deductions=deducted,
                open_rectifications=await _open_at_month_end(team, end=end),
                ratings=sum(sum(c.values()) for c in counters),
            )
        )
    everything = list(scores_by_source.values())
    rate = pct(_satisfied_share(everything))
    target = resources.settings().satisfaction_target
    return shapes.Scores(
        month=first.strftime("%Y-%m"),
        weights=shapes.Weights(
            attendance=weights[0], inspection=weights[1], satisfaction=weights[2]
        ),
        items=items,
        centre=shapes.CentreScore(
            satisfied_rate=rate,
            target=target,
            met=rate is not None and rate >= target,
            ratings=sum(sum(c.values()) for c in everything),
        ),
    )


async def trend(*, month: str, months: int) -> shapes.Trend:
    """The totals of the `months` months up to `month`, per team (the board's chart)."""
    last = parse_month(month)
    firsts = [last]
    while len(firsts) < months:
        prev = firsts[0]
        firsts.insert(0, date(prev.year - (prev.month == 1), (prev.month - 2) % 12 + 1, 1))
    per_month = [await scores(month=f.strftime("%Y-%m")) for f in firsts]
    series: dict[int, shapes.TeamTrend] = {}
    for board in per_month:
        for item in board.items:
            entry = series.setdefault(item.team.id, shapes.TeamTrend(team=item.team, totals=[]))
            entry.totals.append(item.total)
    return shapes.Trend(
        months=[f.strftime("%Y-%m") for f in firsts],
        series=list(series.values()),
        satisfied_rate=[b.centre.satisfied_rate for b in per_month],
    )


async def workbook(*, month: str) -> bytes:
    """The month's scores as .xlsx: per-team scores and the score distribution (counts only)."""
    board = (await scores(month=month)).model_dump()
    distribution = await score_distribution(first=parse_month(month))
    book = xlsx.Book()
    sheet = book.sheet("月度得分")
    sheet.row(
        ["团队", "服务", "出勤得分", "检查得分", "满意度得分", "综合得分", "扣分", "未完成整改"]
    )
    for item in board["items"]:
        sheet.row(
            [
                item["team"]["name"],
                item["team"]["service_label"],
                item["attendance"],
                item["inspection"],
                item["satisfaction"],
                item["total"],
                item["deductions"],
                item["open_rectifications"],
            ]
        )
    sheet.row([])
    sheet.row(
        ["全中心满意率(%)", board["centre"]["satisfied_rate"], "目标", board["centre"]["target"]]
    )
    counts = book.sheet("满意度分布")
    counts.row(["来源", "1分", "2分", "3分", "4分", "5分"])
    labels = {"repairs": "报修评价", "meals": "用餐评价"}
    for source in sorted(distribution):
        service = source.removeprefix("survey:")
        label = labels.get(source) or f"问卷·{SERVICE_LABELS.get(service, service)}"
        counts.row([label, *(distribution[source][s] for s in range(1, 6))])
    return book.data()
