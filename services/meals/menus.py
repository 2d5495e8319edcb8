"""Meals (餐饮预定): menus — each one engine resource, one pickup slot per window, one
counter per dish — and their cached shape and live figures.

Every count that must hold under concurrency (a slot's places, a dish's stock, a
user's live orders per menu) is taken by the booking engine in ONE atomic step:
one engine resource per menu (Policy.per_user_limit = the menu's limit, waitlist
on), one engine counter `dish:<id>` per dish with limit = stock, counted by qty.
The meals domain never counts places itself: orders.py hands the engine its record
steps (the order row, its status changes, the promotion notice), written inside the
engine's own transactions, so an order and its place commit together or not at all.
The canteen console (summary, redeem, QR, jobs) is canteen.py.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime

from tortoise.exceptions import IntegrityError

import booking
from models import could_exist
from models.meals import Dish, Menu, PickupSlot
from server import faults
from server.clock import OUT_OF_RANGE, local, try_utc
from server.errors import (
    Conflict,
    InvalidInput,
    NotFound,
)
from server.tx import Tx, transaction
from services.meals import shapes
from services.meals.shapes import DishIn, SlotIn

DOMAIN = "meals"
MEAL_NAMES = {"breakfast": "早餐", "lunch": "午餐", "dinner": "晚餐"}
LIVE = ("confirmed", "waitlisted")
PLACED = ("confirmed", "served", "no_show")  # orders that hold (or held) a place


@dataclass(frozen=True)
class MenuShape:
    """A menu as ordering reads it, cached per process so that validating an order
    needs no database query (the lunch rush hits the same menu thousands of times a
    minute). An admin's edit (admin.py) drops this process's copy at once; other
    processes re-read theirs within SHAPE_TTL_S. What must hold at every instant —
    places, dish stock, a withdrawn menu refusing orders — is the booking engine's
    gate, never this copy; the deadline can only move to a time further away than
    SHAPE_TTL_S (admin.py), so no process applies an old deadline past a new one."""

    id: int
    date: date
    meal: str
    canteen: str
    order_deadline: datetime
    per_user_limit: int
    resource_id: int
    dishes: dict[int, Dish]
    slots: dict[int, PickupSlot]
    withdrawn: bool = False
    loaded_at: float = 0.0  # time.monotonic() of the read


_shapes: dict[int, MenuShape] = {}
_SHAPES_MAX = 2000
SHAPE_TTL_S = 5.0


def forget_shape(menu_id: int) -> None:
    """Drop this process's copy of a menu (after an edit)."""
    _shapes.pop(menu_id, None)


def dish_counter(dish_id: int) -> str:
    return f"dish:{dish_id}"


# --- menus -------------------------------------------------------------------------


def _validate_menu(
    *, day: date, order_deadline: datetime, dishes: list[DishIn], slots: list[SlotIn]
) -> None:
    """Cross-field rules pydantic cannot express; all reported at once, nothing written.
    Times arrive aware (`_in_utc`)."""
    errors: dict[str, str] = {}
    names: set[str] = set()
    for index, dish in enumerate(dishes):
        if dish.name.strip() in names:
            errors[f"dishes.{index}.name"] = "菜品重复"
        names.add(dish.name.strip())
    starts: set[datetime] = set()
    for index, slot in enumerate(slots):
        if slot.end <= slot.start:
            errors[f"slots.{index}.end"] = "结束时间应晚于开始时间"
        if local(slot.start).date() != day:
            errors[f"slots.{index}.start"] = "取餐时段应在菜单当天"
        if slot.start in starts:
            errors[f"slots.{index}.start"] = "取餐时段重复"
        starts.add(slot.start)
    if slots and order_deadline > min(s.start for s in slots):
        errors["order_deadline"] = "截止时间不能晚于第一个取餐时段"
    if errors:
        raise InvalidInput(errors)


def _in_utc(deadline: datetime, slots: list[SlotIn]) -> tuple[datetime, list[SlotIn]]:
    """Every time of a new menu in UTC (naive = service zone); the ones at the calendar's
    edge (year 1 or 9999 with an offset) are refused together, by field."""
    times = {"order_deadline": deadline}
    for index, slot in enumerate(slots):
        times[f"slots.{index}.start"], times[f"slots.{index}.end"] = slot.start, slot.end
    converted = {field: try_utc(value) for field, value in times.items()}
    errors = {field: OUT_OF_RANGE for field, value in converted.items() if value is None}
    if errors:
        raise InvalidInput(errors)
    utc = {field: value for field, value in converted.items() if value is not None}
    return utc["order_deadline"], [
        SlotIn(start=utc[f"slots.{i}.start"], end=utc[f"slots.{i}.end"], capacity=slot.capacity)
        for i, slot in enumerate(slots)
    ]


async def create_menu(
    *,
    day: date,
    meal: str,
    canteen: str,
    order_deadline: datetime,
    per_user_limit: int,
    dishes: list[DishIn],
    slots: list[SlotIn],
) -> shapes.Menu:
    """Create a menu, its engine resource, one pickup slot per window, one counter per dish.

    The engine owns counting, so a menu is only usable with its slots and counters:
    all of it is one transaction, and a menu that would accept orders nobody counts
    can never exist, whatever stops the process when.
    """
    order_deadline, slots = _in_utc(order_deadline, slots)
    _validate_menu(day=day, order_deadline=order_deadline, dishes=dishes, slots=slots)
    try:
        async with transaction() as tx:
            menu = await Menu.create(
                using_db=tx.conn,
                date=day,
                meal=meal,
                canteen=canteen.strip(),
                order_deadline=order_deadline,
                per_user_limit=per_user_limit,
            )
            dish_rows = [
                await Dish.create(
                    using_db=tx.conn,
                    menu=menu,
                    name=d.name.strip(),
                    price_fen=d.price_fen,
                    stock=d.stock,
                    position=i,
                )
                for i, d in enumerate(dishes)
            ]
            tx.created(menu.id)
            await faults.point("meals.menu.after_rows")
            await _attach_engine(tx, menu=menu, dishes=dish_rows, slots=slots)
    except IntegrityError:
        raise Conflict("该食堂当天的这一餐已有菜单") from None
    return await menu_view(menu_id=menu.id)


async def _attach_engine(tx: Tx, *, menu: Menu, dishes: list[Dish], slots: list[SlotIn]) -> None:
    policy = booking.Policy(
        capacity=max((s.capacity for s in slots), default=1),
        per_user_limit=menu.per_user_limit,
        one_per_user_per_slot=False,  # per_user_limit (per menu) is the rule that matters
        waitlist=True,
    )
    name = f"{menu.date} {MEAL_NAMES.get(menu.meal, menu.meal)} {menu.canteen}"
    resource_id = await booking.create_resource(
        tx=tx, domain=DOMAIN, ref_id=menu.id, name=name, policy=policy
    )
    ordered = sorted(slots, key=lambda s: s.start)
    infos = await booking.add_slots(
        tx=tx,
        resource_id=resource_id,
        slots=[booking.SlotSpec(start=s.start, end=s.end, capacity=s.capacity) for s in ordered],
    )
    for dish in dishes:
        await booking.define_counter(
            tx=tx, resource_id=resource_id, name=dish_counter(dish.id), limit=dish.stock
        )
    await faults.point("meals.menu.after_engine")
    for info in infos:
        await PickupSlot.create(
            using_db=tx.conn,
            id=info.id,
            menu=menu,
            start=info.start,
            end=info.end,
            capacity=info.capacity,
        )
    await Menu.filter(id=menu.id).using_db(tx.conn).update(resource_id=resource_id)


async def menu_shape(*, menu_id: int) -> MenuShape:
    """The cached shape of a menu, or NotFound."""
    shape = _shapes.get(menu_id)
    if shape is not None and time.monotonic() - shape.loaded_at < SHAPE_TTL_S:
        return shape
    if not could_exist(menu_id):
        raise NotFound("菜单不存在")
    menu = await Menu.get_or_none(id=menu_id)
    if menu is None or not menu.resource_id:
        raise NotFound("菜单不存在")
    dishes = await Dish.filter(menu_id=menu_id).order_by("position", "id")
    slots = await PickupSlot.filter(menu_id=menu_id).order_by("start", "id")
    shape = MenuShape(
        id=menu.id,
        date=menu.date,
        meal=menu.meal,
        canteen=menu.canteen,
        order_deadline=menu.order_deadline,
        per_user_limit=menu.per_user_limit,
        resource_id=menu.resource_id,
        dishes={d.id: d for d in dishes},
        slots={s.id: s for s in slots},
        withdrawn=menu.withdrawn_at is not None,
        loaded_at=time.monotonic(),
    )
    if len(_shapes) >= _SHAPES_MAX:
        _shapes.clear()
    _shapes[menu_id] = shape
    return shape


async def menu_created(*, user_id: int, ref: str, now: datetime) -> shapes.Menu:
    """The menu a committed `create_menu` created, with its stock and places as they are
    now: the answer to a replay whose first answer was lost."""
    return await menu_view(menu_id=int(ref))


async def menu_view(*, menu_id: int) -> shapes.Menu:
    """The Menu object of API.md §3; live figures come from the engine."""
    shape = await menu_shape(menu_id=menu_id)
    remaining = await booking.counters_remaining(
        resource_id=shape.resource_id, names=[dish_counter(d) for d in shape.dishes]
    )
    places = {a.slot_id: a for a in await booking.availability(resource_id=shape.resource_id)}
    return shapes.Menu(
        id=shape.id,
        date=shape.date,
        meal=shape.meal,
        canteen=shape.canteen,
        order_deadline=shape.order_deadline,
        per_user_limit=shape.per_user_limit,
        dishes=[
            shapes.Dish(
                id=d.id,
                name=d.name,
                price_fen=d.price_fen,
                stock=d.stock,
                remaining=max(0, remaining.get(dish_counter(d.id), 0)),
            )
            for d in shape.dishes.values()
        ],
        slots=[_slot_view(s, places.get(s.id)) for s in shape.slots.values()],
        withdrawn=shape.withdrawn,
    )


def _slot_view(slot: PickupSlot, place: booking.SlotAvailability | None) -> shapes.Slot:
    booked = place.booked if place else 0
    return shapes.Slot(
        id=slot.id,
        start=slot.start,
        end=slot.end,
        capacity=slot.capacity,
        booked=booked,
        available=place.available if place else max(0, slot.capacity - booked),
        waitlist=place.waitlist if place else 0,
    )


async def list_menus(*, day: date) -> shapes.MenuList:
    """The menus staff can order from that day (withdrawn ones are not offered)."""
    ids = await Menu.filter(date=day, resource_id__gt=0, withdrawn_at__isnull=True).order_by(
        "meal", "canteen", "id"
    )
    return shapes.MenuList(items=[await menu_view(menu_id=m.id) for m in ids], next_cursor=None)
