"""What every part of the gym domain shares: time helpers, lookups, the monthly quota
counter and the wire views of API.md §10.

The quota is the one count the booking engine cannot keep (its per-user limit is per
resource, and a member's classes span many resources): a GymQuota row per member and
month, taken by `take_quota` with a conditional UPDATE (`used < quota`) inside the
transaction of the action that spends it. Two concurrent actions of one member queue on
that row (PostgreSQL re-checks the condition after the first commits; SQLite has one
writer), so no interleaving spends more than the quota.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F

from models import could_exist
from models.gym import Gym, GymBooking, GymQuota, GymSession
from server import resources
from server.clock import local, tz
from server.errors import LimitReached, NotFound
from services.gym.shapes import BookingView, GymRef, GymView, Quota, SessionView
from services.text import mask_name

DOMAIN = "gym"
FREE_CANCEL = timedelta(hours=2)  # a cancel earlier than this before start gives the visit back
PROMOTION_CUTOFF = timedelta(hours=1)  # no waitlist promotion closer to the start than this
VOUCHER_LEAD = timedelta(minutes=30)  # a class voucher is shown from this long before start
VOUCHER_TTL = timedelta(seconds=60)
LIVE = ("confirmed", "waitlisted")


__all__ = ["local", "mask_name"]  # shared helpers, re-exported for this package


def utc(dt: datetime) -> datetime:
    """SQLite compares stored datetimes as UTC text: filter with UTC values."""
    return dt.astimezone(UTC)


def month_of(dt: datetime) -> str:
    """The quota month (YYYY-MM) a visit on this instant counts against, locally."""
    return local(dt).strftime("%Y-%m")


def at_local(day: date, clock: str) -> datetime:
    """`HH:MM` on `day` in the service time zone."""
    hours, minutes = (int(part) for part in clock.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=tz())


def known(value: int, what: str) -> int:
    """Ids beyond the INT range name nothing (and must not reach PostgreSQL)."""
    if not could_exist(value):
        raise NotFound(f"{what}不存在")
    return value


async def active_gym(gym_id: int) -> Gym:
    gym = await Gym.get_or_none(id=known(gym_id, "场馆"), active=True)
    if gym is None:
        raise NotFound("场馆不存在")
    return gym


# --- the monthly quota -------------------------------------------------------------


def quota_limit() -> int:
    return resources.settings().gym_monthly_quota


async def ensure_quota_row(*, user_id: int, month: str) -> GymQuota:
    """The member's counter row for the month, made once (concurrent makers agree)."""
    await GymQuota.bulk_create(
        [GymQuota(user_id=user_id, month=month, used=0)], ignore_conflicts=True
    )
    return await GymQuota.get(user_id=user_id, month=month)


async def take_quota(conn: BaseDBAsyncClient, *, user_id: int, month: str) -> None:
    """Spend one visit of the month inside the caller's transaction, or LimitReached.

    The row must exist (ensure_quota_row before the transaction). The conditional
    UPDATE is the gate: it counts under any concurrency without a read-then-write gap.
    """
    limit = quota_limit()
    taken = (
        await GymQuota.filter(user_id=user_id, month=month, used__lt=limit)
        .using_db(conn)
        .update(used=F("used") + 1)
    )
    if not taken:
        raise LimitReached("本月健身次数已用完", details={"quota": limit, "month": month})


async def give_back_quota(conn: BaseDBAsyncClient, *, user_id: int, month: str) -> None:
    """Return one visit (a timely cancel, a waitlist that never got a place)."""
    await (
        GymQuota.filter(user_id=user_id, month=month, used__gt=0)
        .using_db(conn)
        .update(used=F("used") - 1)
    )


async def quota_view(*, user_id: int, now: datetime) -> Quota:
    month = month_of(now)
    row = await GymQuota.get_or_none(user_id=user_id, month=month)
    used = row.used if row else 0
    limit = quota_limit()
    return Quota(month=month, quota=limit, used=used, left=max(0, limit - used))


# --- wire views --------------------------------------------------------------------


def gym_view(gym: Gym) -> GymView:
    return GymView(
        id=gym.id,
        name=gym.name,
        address=gym.address,
        offer=gym.offer,
        open_hours=f"{gym.opens}-{gym.closes}",
        walk_in=gym.walk_in,
        active=gym.active,
    )


def session_view(session: GymSession, gym: Gym, place: Any | None) -> SessionView:
    """Session of API.md §10; `place` is the engine's SlotAvailability (None: unknown)."""
    booked = place.booked if place is not None else 0
    return SessionView(
        id=session.id,
        gym=GymRef(id=gym.id, name=gym.name),
        name=session.name,
        coach=session.coach,
        start=session.start,
        end=session.end,
        capacity=session.capacity,
        booked=booked,
        available=place.available if place is not None else max(0, session.capacity - booked),
        waitlist=place.waitlist if place is not None else 0,
    )


def booking_view(
    row: GymBooking,
    *,
    gym: Gym,
    session: SessionView | None,
    position: int | None = None,
) -> BookingView:
    """GymBooking of API.md §10 (+ month, valid_until, created_at)."""
    return BookingView(
        id=row.id,
        session=session,
        gym=GymRef(id=gym.id, name=gym.name),
        kind=row.kind,
        status=row.status,
        position=position if row.status == "waitlisted" else None,
        checked_in_at=row.checked_in_at,
        valid_until=row.valid_until,
        month=row.month,
        created_at=row.created_at,
    )
