"""The station's catalogue (services) and its days and counter slots.

A service books through one engine resource (per-user limit 1: one live appointment
per person and service); a day's slots of a service have the capacity of the counters
that handle it that day.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError

import booking
from models import could_exist
from models.duty import DutyDay, DutyService, DutySlot
from server import faults
from server.clock import day_bounds, tz, utc
from server.errors import Conflict, InvalidInput, NotFound
from server.tx import Tx, ids_in, transaction
from services.duty import shapes
from services.duty.common import DOMAIN

MAX_COUNTERS = 9


def service_view(row: DutyService) -> shapes.DutyService:
    return shapes.DutyService(
        id=row.id,
        name=row.name,
        description=row.description,
        documents=list(row.documents),
        minutes=row.minutes,
        fee_note=row.fee_note,
        mode=row.mode,  # type: ignore[arg-type]
        active=row.active,
    )


async def list_services(*, include_inactive: bool = False) -> list[shapes.DutyService]:
    query = DutyService.all() if include_inactive else DutyService.filter(active=True)
    return [service_view(row) for row in await query.order_by("id")]


async def service(*, service_id: int, active_only: bool = True) -> DutyService:
    row = await DutyService.get_or_none(id=service_id) if could_exist(service_id) else None
    if row is None or (active_only and not row.active):
        raise NotFound("业务不存在")
    return row


async def create_service(
    *,
    name: str,
    description: str,
    documents: list[str],
    minutes: int,
    fee_note: str,
    mode: str,
    active: bool,
) -> shapes.DutyService:
    try:
        async with transaction() as tx:
            row = await DutyService.create(
                using_db=tx.conn,
                name=name,
                description=description,
                documents=documents,
                minutes=minutes,
                fee_note=fee_note,
                mode=mode,
                active=active,
            )
            tx.created(row.id)
    except IntegrityError:
        raise Conflict("已有同名业务") from None
    return service_view(row)


async def service_created(*, user_id: int, ref: str, now: datetime) -> shapes.DutyService:
    """The service a committed `create_service` added, as it is now: the answer to a
    replay whose first answer was lost."""
    return service_view(await DutyService.get(id=int(ref)))


async def update_service(*, service_id: int, changes: dict[str, Any]) -> shapes.DutyService:
    """Edit any field; `active: false` withdraws it (live appointments stay as they are)."""
    row = await service(service_id=service_id, active_only=False)
    if "mode" in changes and changes["mode"] != row.mode and row.resource_id:
        raise InvalidInput({"mode": "已设置时段的业务不能更改办理方式"})
    for field, value in changes.items():
        setattr(row, field, value)
    try:
        await row.save(update_fields=list(changes) or None)
    except IntegrityError:
        raise Conflict("已有同名业务") from None
    return service_view(row)


def slot_view(row: DutySlot, place: booking.SlotAvailability | None) -> shapes.DutySlot:
    booked = place.booked if place else 0
    return shapes.DutySlot(
        id=row.id,
        service_id=row.service_id,
        start=row.start,
        end=row.end,
        capacity=row.capacity,
        booked=booked,
        available=place.available if place else max(0, row.capacity - booked),
    )


async def list_slots(*, service_id: int, day: date) -> list[shapes.DutySlot]:
    row = await service(service_id=service_id)
    start, end = day_bounds(day)
    slots = await DutySlot.filter(service_id=row.id, start__gte=start, start__lt=end).order_by(
        "start"
    )
    if not slots:
        return []
    places = {
        a.slot_id: a
        for a in await booking.availability(
            resource_id=row.resource_id, slot_ids=[s.id for s in slots]
        )
    }
    return [slot_view(s, places.get(s.id)) for s in slots]


async def _resource_of(tx: Tx, row: DutyService) -> int:
    """The service's engine resource, made in `tx` the first time it gets slots."""
    if row.resource_id:
        return row.resource_id
    resource_id = await booking.create_resource(
        tx=tx,
        domain=DOMAIN,
        ref_id=row.id,
        name=f"勤务站 {row.name}",
        policy=booking.Policy(capacity=1, per_user_limit=1, waitlist=False),
    )
    rows = DutyService.filter(id=row.id, resource_id=0).using_db(tx.conn)
    if not await rows.update(resource_id=resource_id):
        raise Conflict("该业务的时段正在被设置，请稍后重试")
    return resource_id


async def create_slots(
    *, day: date, open_from: time, open_to: time, slot_minutes: int, counters: dict[int, int]
) -> list[shapes.DutySlot]:
    """A day's opening hours and, for each appointment service named, its counter slots
    (capacity = the counters that handle it), in one transaction. 409 conflict for a
    service that already has slots that day, or for other hours than the day already has."""
    opens = datetime.combine(day, open_from, tzinfo=tz())
    closes = datetime.combine(day, open_to, tzinfo=tz())
    day_bounds(day)  # 400 outside the calendar a client may use
    if closes <= opens:
        raise InvalidInput({"open_to": "结束时间应晚于开始时间"})
    if closes - opens < timedelta(minutes=slot_minutes):
        raise InvalidInput({"slot_minutes": "开放时间不足一个时段"})
    services: list[tuple[DutyService, int]] = []
    for service_id, count in counters.items():
        if not 1 <= count <= MAX_COUNTERS:
            raise InvalidInput({f"counters.{service_id}": f"窗口数应为1到{MAX_COUNTERS}"})
        row = await DutyService.get_or_none(id=service_id) if could_exist(service_id) else None
        if row is None:
            raise InvalidInput({f"counters.{service_id}": "业务不存在"})
        if row.mode != "appointment":
            raise InvalidInput({f"counters.{service_id}": "只有预约类业务设置时段"})
        services.append((row, count))
    if not services:
        raise InvalidInput({"counters": "至少为一项预约业务设置窗口数"})
    grid = []
    cursor = opens
    while cursor + timedelta(minutes=slot_minutes) <= closes:
        grid.append((cursor, cursor + timedelta(minutes=slot_minutes)))
        cursor += timedelta(minutes=slot_minutes)
    try:
        async with transaction() as tx:
            made = await _open_day(
                tx, day=day, opens=opens, closes=closes, services=services, grid=grid
            )
            tx.created_all(slot.id for slot in made)
    except IntegrityError:  # the same day or slots made at the same moment
        raise Conflict("该日已设置，请刷新后再试") from None
    return made


async def slots_created(*, user_id: int, ref: str, now: datetime) -> shapes.DutySlotList:
    """The slots a committed `create_slots` made, in the order it listed them, with
    their places as they are now: the answer to a replay whose first answer was lost."""
    rows = await DutySlot.filter(id__in=ids_in(ref)).order_by("id")
    places: dict[int, booking.SlotAvailability] = {}
    for service_id in dict.fromkeys(row.service_id for row in rows):
        resource_id = (await DutyService.get(id=service_id)).resource_id
        slot_ids = [row.id for row in rows if row.service_id == service_id]
        for place in await booking.availability(resource_id=resource_id, slot_ids=slot_ids):
            places[place.slot_id] = place
    return shapes.DutySlotList(items=[slot_view(row, places.get(row.id)) for row in rows])


async def _open_day(
    tx: Tx,
    *,
    day: date,
    opens: datetime,
    closes: datetime,
    services: list[tuple[DutyService, int]],
    grid: list[tuple[datetime, datetime]],
) -> list[shapes.DutySlot]:
    station_day = await DutyDay.get_or_none(date=day, using_db=tx.conn)
    if station_day is None:
        station_day = await DutyDay.create(
            using_db=tx.conn, date=day, open_from=utc(opens), open_to=utc(closes)
        )
    elif station_day.open_from is None:
        await (
            DutyDay.filter(id=station_day.id)
            .using_db(tx.conn)
            .update(open_from=utc(opens), open_to=utc(closes))
        )
    elif (station_day.open_from, station_day.open_to) != (opens, closes):
        raise Conflict("该日已设置其他开放时间")
    start, end = day_bounds(day)
    made: list[shapes.DutySlot] = []
    for row, count in services:
        taken = DutySlot.filter(service_id=row.id, start__gte=start, start__lt=end)
        if await taken.using_db(tx.conn).exists():
            raise Conflict(f"{row.name} 该日已设置时段")
        resource_id = await _resource_of(tx, row)
        specs = [booking.SlotSpec(start=a, end=b, capacity=count) for a, b in grid]
        infos = await booking.add_slots(tx=tx, resource_id=resource_id, slots=specs)
        await faults.point("duty.slots.after_engine")
        for info in infos:
            slot = await DutySlot.create(
                using_db=tx.conn,
                id=info.id,
                service_id=row.id,
                day_id=station_day.id,
                start=info.start,
                end=info.end,
                capacity=info.capacity,
            )
            made.append(slot_view(slot, None))
    return made
