"""Reminders for approval steps waiting over two working days (API.md §12).

Run hourly by jobs/procurement.py (once per cluster by the scheduler lock); a unique
row per request, stage and service day makes it once a day even if two runners race or
the job runs every hour. Weekends do not count as waiting time and nobody is reminded
on a weekend or before the working day starts.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError

from models.procurement import PurchaseRequest, RequestStep, StepReminder
from server import clock
from server.tx import transaction
from services.procurement.requests import approvers, tell
from services.procurement.rules import STAGE_LABELS, STAGE_OF

WAITING_LIMIT = timedelta(days=2)  # of working time
REMIND_FROM = time(9, 0)  # local time on a working day
# Past this much calendar time, any span holds more than two working days.
SURELY_OVER = timedelta(days=14)


def working_time(start: datetime, end: datetime, tz: ZoneInfo) -> timedelta:
    """Time between start and end that falls on Monday–Friday in the service zone."""
    if end - start > SURELY_OVER:
        return SURELY_OVER
    total = timedelta()
    cursor = start.astimezone(tz)
    stop = end.astimezone(tz)
    while cursor < stop:
        midnight = datetime.combine(cursor.date() + timedelta(days=1), time(), tzinfo=tz)
        until = min(midnight, stop)
        if cursor.weekday() < 5:
            total += until - cursor
        cursor = until
    return total


async def remind(*, now: datetime, batch: int = 500) -> int:
    """Remind the approvers of every step waiting over two working days; how many steps."""
    tz = clock.tz()
    local = clock.local(now)
    if local.weekday() >= 5 or local.time() < REMIND_FROM:
        return 0
    # Two working days are at least two calendar days: a cheap first cut in SQL.
    candidates = await PurchaseRequest.filter(
        status__in=list(STAGE_OF), waiting_since__lte=now - WAITING_LIMIT
    ).order_by("id")
    sent = 0
    for request in candidates:
        if sent >= batch:
            break
        assert request.waiting_since is not None
        if working_time(request.waiting_since, now, tz) <= WAITING_LIMIT:
            continue
        if await _remind_one(request=request, day=local.date(), now=now):
            sent += 1
    return sent


async def _remind_one(*, request: PurchaseRequest, day: date, now: datetime) -> bool:
    """One reminder for the request's waiting stage on `day`; False if already sent."""
    stage = STAGE_OF[request.status]
    people = await approvers(stage=stage, department=request.department)
    try:
        async with transaction() as tx:
            if not await PurchaseRequest.exists(id=request.id, status=request.status):
                return False  # decided since it was read
            await StepReminder.create(request_id=request.id, stage=stage, day=day, at=now)
            await RequestStep.create(
                request_id=request.id,
                role=stage,
                action="remind",
                actor_id=None,
                comment=f"已等待{STAGE_LABELS[stage]}审批超过2个工作日，已提醒审批人",
                at=now,
            )
            await tell(
                tx,
                user_ids=people,
                request=request,
                kind="procurement_reminder",
                title="采购申请等待审批超过2个工作日",
                now=now,
                skip=[request.requester_id],
            )
    except IntegrityError:  # another runner reminded this stage today
        return False
    return True
