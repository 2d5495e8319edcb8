"""Meals (餐饮预定): menus, orders through the booking engine, cancel, pickup codes.

Every count that must hold under concurrency (a slot's places, a dish's stock, a
user's live orders per menu) is taken by the booking engine in ONE atomic step:
one engine resource per menu (Policy.per_user_limit = the menu's limit, waitlist
on), one engine counter `dish:<id>` per dish with limit = stock, counted by qty.
This module never counts places itself; it validates, maps engine errors to the
contract's codes, and hands the engine its record steps: the order row (and its
status changes, and the promotion notice) are written inside the engine's own
transactions, so an order and its place commit together or not at all.

The canteen console (summary, redeem, QR, jobs) lives in services/meals_canteen.py.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

import booking
from models import could_exist
from models.meals import Dish, Menu, Order, PickupSlot
from server import resources
from server.clock import OUT_OF_RANGE, local, try_utc, wire
from server.errors import (
    Conflict,
    InvalidInput,
    InvalidState,
    NotFound,
    SoldOut,
    TooLate,
)
from server.logs import get_logger
from server.pagination import listing, page
from services.notifications import notify

log = get_logger("meals")

DOMAIN = "meals"
MEAL_NAMES = {"breakfast": "早餐", "lunch": "午餐", "dinner": "晚餐"}
LIVE = ("confirmed", "waitlisted")
PLACED = ("confirmed", "served", "no_show")  # orders that hold (or held) a place


@dataclass(frozen=True)
class DishIn:
    name: str
    price_fen: int
    stock: int


@dataclass(frozen=True)
class SlotIn:
    start: datetime
    end: datetime
    capacity: int


@dataclass(frozen=True)
class LineIn:
    dish_id: int
    qty: int


@dataclass(frozen=True)
class MenuShape:
    """The immutable part of a menu, cached per process: a menu is never edited after
    creation, so validating an order needs no database query (the lunch rush hits the
    same menu thousands of times a minute)."""

    id: int
    date: date
    meal: str
    canteen: str
    order_deadline: datetime
    per_user_limit: int
    resource_id: int
    dishes: dict[int, Dish]
    slots: dict[int, PickupSlot]


_shapes: dict[int, MenuShape] = {}
_SHAPES_MAX = 2000


def dish_counter(dish_id: int) -> str:
    return f"dish:{dish_id}"


# --- menus -------------------------------------------------------------------------


def _validate_menu(
    *, day: date, order_deadline: datetime, dishes: list[DishIn], slots: list[SlotIn]
) -> None:
    """Cross-field rules pydantic cannot express; all reported at once, nothing written.
    Times arrive aware (`_in_utc`)."""
    tz = resources.settings().tz
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
        if slot.start.astimezone(tz).date() != day:
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
        SlotIn(utc[f"slots.{i}.start"], utc[f"slots.{i}.end"], slot.capacity)
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
) -> dict[str, Any]:
    """Create a menu, its engine resource, one pickup slot per window, one counter per dish.

    The engine owns counting, so the menu is only usable once the engine knows its
    slots and counters; if that set-up fails, the menu rows are removed again rather
    than leaving a menu that would accept orders nobody counts.
    """
    order_deadline, slots = _in_utc(order_deadline, slots)
    _validate_menu(day=day, order_deadline=order_deadline, dishes=dishes, slots=slots)
    try:
        async with in_transaction():
            menu = await Menu.create(
                date=day,
                meal=meal,
                canteen=canteen.strip(),
                order_deadline=order_deadline,
                per_user_limit=per_user_limit,
            )
            dish_rows = [
                await Dish.create(
                    menu=menu, name=d.name.strip(), price_fen=d.price_fen, stock=d.stock, position=i
                )
                for i, d in enumerate(dishes)
            ]
    except IntegrityError:
        raise Conflict("该食堂当天的这一餐已有菜单") from None
    try:
        await _attach_engine(menu=menu, dishes=dish_rows, slots=slots)
    except BaseException:
        await Menu.filter(id=menu.id).delete()
        raise
    return await menu_view(menu_id=menu.id)


async def _attach_engine(*, menu: Menu, dishes: list[Dish], slots: list[SlotIn]) -> None:
    policy = booking.Policy(
        capacity=max((s.capacity for s in slots), default=1),
        per_user_limit=menu.per_user_limit,
        one_per_user_per_slot=False,  # per_user_limit (per menu) is the rule that matters
        waitlist=True,
    )
    name = f"{menu.date} {MEAL_NAMES.get(menu.meal, menu.meal)} {menu.canteen}"
    resource_id = await booking.create_resource(
        domain=DOMAIN, ref_id=menu.id, name=name, policy=policy
    )
    ordered = sorted(slots, key=lambda s: s.start)
    infos = await booking.add_slots(
        resource_id=resource_id,
        slots=[booking.SlotSpec(start=s.start, end=s.end, capacity=s.capacity) for s in ordered],
    )
    for dish in dishes:
        await booking.define_counter(
            resource_id=resource_id, name=dish_counter(dish.id), limit=dish.stock
        )
    async with in_transaction():
        for info in infos:
            await PickupSlot.create(
                id=info.id, menu=menu, start=info.start, end=info.end, capacity=info.capacity
            )
        await Menu.filter(id=menu.id).update(resource_id=resource_id)


async def menu_shape(*, menu_id: int) -> MenuShape:
    """The cached immutable part of a menu, or NotFound."""
    shape = _shapes.get(menu_id)
    if shape is not None:
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
    )
    if len(_shapes) >= _SHAPES_MAX:
        _shapes.clear()
    _shapes[menu_id] = shape
    return shape


async def menu_view(*, menu_id: int) -> dict[str, Any]:
    """The Menu object of API.md §3; live figures come from the engine."""
    shape = await menu_shape(menu_id=menu_id)
    remaining = await booking.counters_remaining(
        resource_id=shape.resource_id, names=[dish_counter(d) for d in shape.dishes]
    )
    places = {a.slot_id: a for a in await booking.availability(resource_id=shape.resource_id)}
    return {
        "id": shape.id,
        "date": shape.date.isoformat(),
        "meal": shape.meal,
        "canteen": shape.canteen,
        "order_deadline": wire(shape.order_deadline),
        "per_user_limit": shape.per_user_limit,
        "dishes": [
            {
                "id": d.id,
                "name": d.name,
                "price_fen": d.price_fen,
                "stock": d.stock,
                "remaining": max(0, remaining.get(dish_counter(d.id), 0)),
            }
            for d in shape.dishes.values()
        ],
        "slots": [_slot_view(s, places.get(s.id)) for s in shape.slots.values()],
    }


def _slot_view(slot: PickupSlot, place: booking.SlotAvailability | None) -> dict[str, Any]:
    booked = place.booked if place else 0
    return {
        "id": slot.id,
        "start": wire(slot.start),
        "end": wire(slot.end),
        "capacity": slot.capacity,
        "booked": booked,
        "available": place.available if place else max(0, slot.capacity - booked),
        "waitlist": place.waitlist if place else 0,
    }


async def list_menus(*, day: date) -> list[dict[str, Any]]:
    ids = await Menu.filter(date=day, resource_id__gt=0).order_by("meal", "canteen", "id")
    return [await menu_view(menu_id=m.id) for m in ids]


# --- orders ------------------------------------------------------------------------


def _validate_lines(shape: MenuShape, slot_id: int, lines: list[LineIn]) -> None:
    errors: dict[str, str] = {}
    if slot_id not in shape.slots:
        errors["slot_id"] = "该时段不属于此菜单"
    seen: set[int] = set()
    for index, line in enumerate(lines):
        if line.dish_id not in shape.dishes:
            errors[f"items.{index}.dish_id"] = "该菜品不属于此菜单"
        elif line.dish_id in seen:
            errors[f"items.{index}.dish_id"] = "菜品重复，请合并数量"
        seen.add(line.dish_id)
    if errors:
        raise InvalidInput(errors)


async def place_order(
    *,
    user_id: int,
    menu_id: int,
    slot_id: int,
    lines: list[LineIn],
    pickup: str,
    waitlist: bool,
    idempotency_key: str | None,
    now: datetime,
) -> dict[str, Any]:
    """Order dishes for a pickup slot: confirmed, or waitlisted when full and asked for.

    The engine takes the place, the dish stock and the user's limit in one atomic step
    and writes the order row in the same transaction as the reservation, so a place is
    never taken without an order to show for it (nor the reverse), whatever happens to
    the process or the client's connection.
    A full slot raises the engine's SlotFull as is: its details.alternatives (the
    nearest other slots of this menu with room, as slot_id/start/end/available) come
    from the same Lua step, so a rejection costs no extra round trip.
    Orders close AT the deadline (now >= order_deadline is too late): the prep summary
    goes to the kitchen at that instant and its counts must be final.
    """
    shape = await menu_shape(menu_id=menu_id)
    _validate_lines(shape, slot_id, lines)
    if now >= shape.order_deadline:
        raise TooLate(
            "已过订餐截止时间",
            details={"order_deadline": wire(shape.order_deadline)},
        )

    async def record(step: booking.Recording) -> Order:
        return await _record_order(step, shape=shape, lines=lines, pickup=pickup)

    try:
        reservation = await booking.reserve(
            resource_id=shape.resource_id,
            user_id=user_id,
            slot_ids=[slot_id],
            quantity=1,
            counters={dish_counter(line.dish_id): line.qty for line in lines},
            idempotency_key=idempotency_key,
            waitlist=waitlist,
            record=record,
            now=now,
        )
    except booking.CounterExhausted as exc:
        dish_id = int(exc.counter.split(":", 1)[1])
        dish = shape.dishes.get(dish_id)
        raise SoldOut(
            f"{dish.name}已售罄" if dish else None, details={"dish_id": dish_id}
        ) from None
    order: Order | None = reservation.record
    if order is None:  # an idempotent replay: the order committed with the reservation
        order = await Order.get_or_none(reservation_id=reservation.id).select_related("slot")
        if order is None:  # a reservation left by older code, given back by reconcile
            raise InvalidState(reservation.status, "该订单未能完成，请重新下单")
    return await order_view(order=order, position=reservation.position)


async def _record_order(
    step: booking.Recording, *, shape: MenuShape, lines: list[LineIn], pickup: str
) -> Order:
    """The order row, inside the engine's transaction (it commits with the place)."""
    reservation = step.reservation
    items: list[dict[str, Any]] = [
        {
            "dish_id": line.dish_id,
            "name": shape.dishes[line.dish_id].name,
            "qty": line.qty,
            "price_fen": shape.dishes[line.dish_id].price_fen,
        }
        for line in lines
    ]
    order = await Order.create(
        using_db=step.tx.conn,
        menu_id=shape.id,
        slot_id=reservation.slot_ids[0],
        user_id=reservation.user_id,
        reservation_id=reservation.id,
        items=items,
        total_fen=sum(i["qty"] * i["price_fen"] for i in items),
        pickup=pickup,
        status="waitlisted" if reservation.status == "waitlisted" else "confirmed",
        pickup_code=secrets.token_urlsafe(32),
    )
    order.slot = shape.slots[order.slot_id]  # type: ignore[attr-defined]
    return order


async def order_view(*, order: Order, position: int | None = None) -> dict[str, Any]:
    """The Order object of API.md §3 (pickup_code only while confirmed)."""
    if order.status == "waitlisted" and position is None:
        position = (await booking.get(reservation_id=order.reservation_id)).position
    slot: PickupSlot = order.slot
    return {
        "id": order.id,
        "menu_id": order.menu_id,  # type: ignore[attr-defined]
        "slot": {
            "id": slot.id,
            "start": wire(slot.start),
            "end": wire(slot.end),
        },
        "items": order.items,
        "total_fen": order.total_fen,
        "pickup": order.pickup,
        "status": order.status,
        "position": position if order.status == "waitlisted" else None,
        "pickup_code": order.pickup_code if order.status == "confirmed" else None,
        "created_at": wire(order.created_at),
        "served_at": wire(order.served_at),
    }


async def own_order(*, user_id: int, order_id: int) -> Order:
    """The caller's order, or NotFound (another user's order is not revealed)."""
    if not could_exist(order_id):
        raise NotFound("订单不存在")
    order = await Order.get_or_none(id=order_id, user_id=user_id).select_related("slot")
    if order is None:
        raise NotFound("订单不存在")
    return order


async def get_order(*, user_id: int, order_id: int) -> dict[str, Any]:
    return await order_view(order=await own_order(user_id=user_id, order_id=order_id))


async def list_orders(
    *, user_id: int, day: date | None, limit: int, cursor: str | None
) -> dict[str, Any]:
    """My orders, newest first; `day` filters by the menu date."""
    query = Order.filter(user_id=user_id)
    if day is not None:
        query = query.filter(menu__date=day)
    rows, next_cursor = await page(query.select_related("slot"), limit=limit, cursor=cursor)
    return listing([await order_view(order=o) for o in rows], next_cursor)


async def cancel_order(*, user_id: int, order_id: int, now: datetime) -> dict[str, Any]:
    """Cancel before the deadline; the engine frees the place and promotes the waitlist.

    The order's status changes inside the engine's cancel transaction, by a conditional
    update (a till redeeming the code at the same instant wins or loses as a whole), so
    the order and its place are never out of step.
    """
    order = await own_order(user_id=user_id, order_id=order_id)
    shape = await menu_shape(menu_id=order.menu_id)  # type: ignore[attr-defined]
    if now >= shape.order_deadline:
        raise TooLate("已过订餐截止时间，不能取消")
    if order.status not in LIVE:
        raise InvalidState(order.status, "订单当前状态不能取消")

    async def record(step: booking.Recording) -> None:
        claimed = (
            await Order.filter(id=order.id, status__in=LIVE)
            .using_db(step.tx.conn)
            .update(status="cancelled")
        )
        if not claimed:
            raise InvalidState("changed")

    try:
        await booking.cancel(reservation_id=order.reservation_id, record=record, now=now)
    except InvalidState:
        fresh = await Order.get(id=order.id)
        raise InvalidState(fresh.status, "订单当前状态不能取消") from None
    order.status = "cancelled"
    return await order_view(order=order)


async def record_promotion(step: booking.Recording) -> None:
    """A waitlisted order got a place (the one promotion path): confirm it and tell its
    owner, in the promotion's transaction. No waitlisted order → the promotion is
    refused (the place goes back; a reservation without its order is repaired)."""
    conn = step.tx.conn
    order = (
        await Order.filter(reservation_id=step.reservation.id, status="waitlisted")
        .using_db(conn)
        .first()
    )
    if order is None:
        raise InvalidState("missing", "候补订单不存在")
    await Order.filter(id=order.id).using_db(conn).update(status="confirmed")
    shape = await menu_shape(menu_id=order.menu_id)  # type: ignore[attr-defined]
    start = local(shape.slots[order.slot_id].start)  # type: ignore[attr-defined]
    await notify(
        tx=step.tx,
        user_id=step.reservation.user_id,
        kind="meal_promoted",
        title="候补订餐成功",
        body=f"您的候补订单已确认，请于{start:%m月%d日 %H:%M}后凭取餐码取餐。",
        link=order_link(order.id),
        template_data={"slot_time": start.strftime("%Y-%m-%d %H:%M")},
        now=step.now,
    )


def order_link(order_id: int) -> str:
    """The mini-program page of an order (notice links)."""
    return f"/pages/meals/order?id={order_id}"


async def orders_of(reservation_ids: list[int]) -> set[int]:
    """Which of these reservations have their order row (the engine's orphan repair)."""
    found: list[Any] = await Order.filter(reservation_id__in=reservation_ids).values_list(
        "reservation_id", flat=True
    )
    return {int(r) for r in found}


booking.on_promoted(DOMAIN, record_promotion)
booking.on_orphans(DOMAIN, orders_of)
