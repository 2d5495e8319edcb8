"""Partner gyms and their classes: created by admins, listed to members.

Each class series (a gym and a class name) is one booking-engine resource; every
session of it is one engine slot whose id is the session's id, so the engine counts
places and waitlists and a full session's alternatives are other times of the same
class. Weekly repetition is done here, once, when the admin publishes the timetable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError

import booking
from models.gym import Gym, GymSession
from server import faults
from server.clock import aware, day_bounds
from server.errors import Conflict, InvalidInput, NotFound
from server.tx import Tx, ids_in, transaction
from services.gym.common import (
    DOMAIN,
    active_gym,
    gym_view,
    known,
    session_view,
)
from services.gym.shapes import GymView, SessionList, SessionView

MAX_SESSION = timedelta(hours=12)


@dataclass(frozen=True)
class SessionIn:
    name: str
    coach: str
    start: datetime
    end: datetime
    capacity: int


async def create_gym(
    *, name: str, address: str, offer: str, open_hours: str, walk_in: bool, active: bool = True
) -> GymView:
    """A partner gym. `open_hours` is `HH:MM-HH:MM` (closing after opening, same day)."""
    opens, closes = parse_hours(open_hours)
    try:
        async with transaction() as tx:
            gym = await Gym.create(
                using_db=tx.conn,
                name=name,
                address=address,
                offer=offer,
                opens=opens,
                closes=closes,
                walk_in=walk_in,
                active=active,
            )
            tx.created(gym.id)
    except IntegrityError:
        raise Conflict("已有同名场馆") from None
    return gym_view(gym)


async def gym_created(*, user_id: int, ref: str, now: datetime) -> GymView:
    """The gym a committed `create_gym` added, as it is now: the answer to a replay
    whose first answer was lost."""
    return gym_view(await Gym.get(id=int(ref)))


async def all_gyms() -> list[GymView]:
    """Every gym, inactive ones included (the admin's list)."""
    return [gym_view(g) for g in await Gym.all().order_by("id")]


async def update_gym(
    *,
    gym_id: int,
    name: str | None = None,
    address: str | None = None,
    offer: str | None = None,
    open_hours: str | None = None,
    walk_in: bool | None = None,
    active: bool | None = None,
) -> GymView:
    """Edit a gym. An inactive gym is no longer listed to members, takes no new class
    booking, walk-in or desk-key sign-in; the bookings it has stay as they are (and
    count in its settlement)."""
    gym = await Gym.get_or_none(id=known(gym_id, "场馆"))
    if gym is None:
        raise NotFound("场馆不存在")
    changes: dict[str, Any] = {
        key: value
        for key, value in (
            ("name", name),
            ("address", address),
            ("offer", offer),
            ("walk_in", walk_in),
            ("active", active),
        )
        if value is not None
    }
    if open_hours is not None:
        changes["opens"], changes["closes"] = parse_hours(open_hours)
    try:
        await Gym.filter(id=gym.id).update(**changes)
    except IntegrityError:
        raise Conflict("已有同名场馆") from None
    return gym_view(await Gym.get(id=gym.id))


def parse_hours(open_hours: str) -> tuple[str, str]:
    problem = {"open_hours": "营业时间格式应为 HH:MM-HH:MM，且闭馆晚于开馆"}
    parts = open_hours.split("-")
    if len(parts) != 2:
        raise InvalidInput(problem)
    clocks: list[tuple[int, int]] = []
    for part in parts:
        hours, _, minutes = part.strip().partition(":")
        if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
            raise InvalidInput(problem)
        if not (0 <= int(hours) <= 23 and 0 <= int(minutes) <= 59):
            raise InvalidInput(problem)
        clocks.append((int(hours), int(minutes)))
    if clocks[1] <= clocks[0]:
        raise InvalidInput(problem)
    return tuple(f"{h:02d}:{m:02d}" for h, m in clocks)  # type: ignore[return-value]


async def list_gyms() -> list[GymView]:
    return [gym_view(g) for g in await Gym.filter(active=True).order_by("id")]


async def create_sessions(
    *, gym_id: int, sessions: list[SessionIn], weeks: int
) -> list[SessionView]:
    """Publish classes, each repeated weekly `weeks` times (1 = just the given date): the
    whole timetable, engine slots and session rows, in one transaction."""
    gym = await active_gym(gym_id)
    _validate_sessions(sessions)
    by_series: dict[str, list[booking.SlotSpec]] = {}
    for item in sessions:
        for week in range(weeks):
            shift = timedelta(weeks=week)
            spec = booking.SlotSpec(
                start=item.start + shift, end=item.end + shift, capacity=item.capacity
            )
            by_series.setdefault(item.name, []).append(spec)
    coaches = {item.name: item.coach for item in sessions}
    created: list[GymSession] = []
    async with transaction() as tx:
        for name, specs in by_series.items():
            created += await _publish(tx, gym=gym, name=name, coach=coaches[name], specs=specs)
        tx.created_all(s.id for s in created)
    created.sort(key=lambda s: (s.start, s.id))
    return [session_view(s, gym, None) for s in created]


async def sessions_created(*, user_id: int, ref: str, now: datetime) -> SessionList:
    """The sessions a committed `create_sessions` published, as it listed them: the
    answer to a replay whose first answer was lost."""
    rows = await GymSession.filter(id__in=ids_in(ref)).order_by("start", "id")
    gym = await Gym.get(id=rows[0].gym_id)
    return SessionList(items=[session_view(s, gym, None) for s in rows], next_cursor=None)


async def _publish(
    tx: Tx, *, gym: Gym, name: str, coach: str, specs: list[booking.SlotSpec]
) -> list[GymSession]:
    """One class series' new sessions: engine slots and their rows."""
    resource_id = await _series_resource(tx, gym=gym, name=name)
    try:
        infos = await booking.add_slots(tx=tx, resource_id=resource_id, slots=specs)
    except InvalidInput:
        raise Conflict(f"「{name}」在该时间已有课程") from None
    await faults.point("gym.sessions.after_engine")
    return [
        await GymSession.create(
            using_db=tx.conn,
            id=info.id,
            gym=gym,
            name=name,
            coach=coach,
            start=info.start,
            end=info.end,
            capacity=info.capacity,
            resource_id=resource_id,
        )
        for info in infos
    ]


def _validate_sessions(sessions: list[SessionIn]) -> None:
    errors: dict[str, str] = {}
    seen: set[tuple[str, datetime]] = set()
    for index, item in enumerate(sessions):
        start = aware(item.start, field=f"sessions.{index}.start")
        end = aware(item.end, field=f"sessions.{index}.end")
        if end <= start:
            errors[f"sessions.{index}.end"] = "结束时间应晚于开始时间"
        elif end - start > MAX_SESSION:
            errors[f"sessions.{index}.end"] = "单节课不超过12小时"
        if (item.name, start) in seen:
            errors[f"sessions.{index}.start"] = "同一课程开始时间重复"
        seen.add((item.name, start))
    if errors:
        raise InvalidInput(errors)


async def _series_resource(tx: Tx, *, gym: Gym, name: str) -> int:
    """The engine resource of a gym's class series, made with its first session."""
    existing = await GymSession.filter(gym_id=gym.id, name=name).using_db(tx.conn).first()
    if existing is not None:
        return existing.resource_id
    policy = booking.Policy(capacity=1, one_per_user_per_slot=True, waitlist=True)
    return await booking.create_resource(
        tx=tx, domain=DOMAIN, ref_id=gym.id, name=f"{gym.name} {name}", policy=policy
    )


async def list_sessions(*, gym_id: int, day: date) -> list[SessionView]:
    """A gym's classes of a local day with what is left of each (from the engine)."""
    gym = await active_gym(gym_id)
    start, end = day_bounds(day)
    rows = await GymSession.filter(gym_id=gym.id, start__gte=start, start__lt=end).order_by(
        "start", "id"
    )
    return await sessions_with_places(rows, gym)


async def sessions_with_places(rows: list[GymSession], gym: Gym) -> list[SessionView]:
    by_resource: dict[int, list[int]] = {}
    for row in rows:
        by_resource.setdefault(row.resource_id, []).append(row.id)
    places: dict[int, Any] = {}
    for resource_id, slot_ids in by_resource.items():
        for place in await booking.availability(resource_id=resource_id, slot_ids=slot_ids):
            places[place.slot_id] = place
    return [session_view(row, gym, places.get(row.id)) for row in rows]


async def session_of(session_id: int) -> GymSession:
    session = await GymSession.get_or_none(id=known(session_id, "课程"))
    if session is None:
        raise NotFound("课程不存在")
    return session
