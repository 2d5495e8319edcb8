"""Meals for admins: the menus of a date range (withdrawn ones included) and editing a
menu while it is being ordered from — dish stock, slot capacity, the deadline, or
withdrawing it.

Stock and capacity are the booking engine's counts, so an edit goes through
`booking.redefine`: never below what is already taken (the places and portions of
orders in flight included), the Redis gate and the database changed together, and the
menu's own rows written in the same transaction (the record step). A withdrawn menu's
engine resource is closed: it refuses every new order in the same atomic step that
would take the place, while the orders placed stay as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import booking
from models import could_exist
from models.meals import Dish, Menu, PickupSlot
from server.clock import aware, wire
from server.errors import InvalidInput, NotFound, TooLate
from server.tx import Tx
from services.meals import shapes
from services.meals.menus import SHAPE_TTL_S, dish_counter, forget_shape, menu_shape, menu_view

MAX_RANGE_DAYS = 62
# A deadline moves only to a time this far ahead: further than any process keeps its
# copy of the menu (menus.SHAPE_TTL_S), so none accepts an order past the new one.
MIN_DEADLINE_LEAD = timedelta(minutes=1)
assert MIN_DEADLINE_LEAD.total_seconds() > SHAPE_TTL_S


@dataclass(frozen=True)
class StockIn:
    dish_id: int
    stock: int


@dataclass(frozen=True)
class CapacityIn:
    slot_id: int
    capacity: int


async def menus_between(*, first: date, last: date) -> shapes.MenuList:
    """Every menu from `first` to `last` (inclusive), withdrawn ones included, by day."""
    if last < first:
        raise InvalidInput({"to": "结束日期不能早于开始日期"})
    if (last - first).days >= MAX_RANGE_DAYS:
        raise InvalidInput({"to": f"日期范围不能超过{MAX_RANGE_DAYS}天"})
    rows = await Menu.filter(date__gte=first, date__lte=last, resource_id__gt=0).order_by(
        "date", "meal", "canteen", "id"
    )
    return shapes.MenuList(items=[await menu_view(menu_id=row.id) for row in rows])


async def update_menu(
    *,
    menu_id: int,
    order_deadline: datetime | None,
    stocks: list[StockIn],
    capacities: list[CapacityIn],
    withdrawn: bool | None,
    now: datetime,
) -> shapes.Menu:
    """Apply an admin's edit of a menu, all of it or nothing (API.md §3 PATCH).

    Field errors name the line of the body (`dishes.0.stock`, `slots.1.capacity`): a
    stock below the portions ordered or a capacity below the places taken is refused
    with what is taken, so the screen can say how far it may go.
    """
    if not could_exist(menu_id):
        raise NotFound("菜单不存在")
    forget_shape(menu_id)
    shape = await menu_shape(menu_id=menu_id)
    errors: dict[str, str] = {}
    for index, item in enumerate(stocks):
        if item.dish_id not in shape.dishes:
            errors[f"dishes.{index}.id"] = "该菜品不属于此菜单"
        elif sum(1 for other in stocks if other.dish_id == item.dish_id) > 1:
            errors[f"dishes.{index}.id"] = "菜品重复"
    for index, slot in enumerate(capacities):
        if slot.slot_id not in shape.slots:
            errors[f"slots.{index}.id"] = "该时段不属于此菜单"
        elif sum(1 for other in capacities if other.slot_id == slot.slot_id) > 1:
            errors[f"slots.{index}.id"] = "时段重复"
    deadline = aware(order_deadline, field="order_deadline") if order_deadline else None
    if deadline is not None:
        first_start = min(s.start for s in shape.slots.values())
        if deadline > first_start:
            errors["order_deadline"] = "截止时间不能晚于第一个取餐时段"
        elif deadline < now + MIN_DEADLINE_LEAD:
            errors["order_deadline"] = "截止时间至少在1分钟之后"
    if errors:
        raise InvalidInput(errors)

    async def record(tx: Tx) -> None:
        await _write_menu(
            tx,
            menu_id=menu_id,
            deadline=deadline,
            stocks=stocks,
            capacities=capacities,
            withdrawn=withdrawn,
            now=now,
        )

    try:
        await booking.redefine(
            resource_id=shape.resource_id,
            capacities={c.slot_id: c.capacity for c in capacities},
            limits={dish_counter(s.dish_id): s.stock for s in stocks},
            closed=withdrawn,
            record=record,
            now=now,
        )
    except booking.BelowTaken as below:
        raise InvalidInput(_below_fields(below, stocks=stocks, capacities=capacities)) from None
    finally:
        forget_shape(menu_id)
    return await menu_view(menu_id=menu_id)


async def _write_menu(
    tx: Tx,
    *,
    menu_id: int,
    deadline: datetime | None,
    stocks: list[StockIn],
    capacities: list[CapacityIn],
    withdrawn: bool | None,
    now: datetime,
) -> None:
    """The menu's rows, in the engine's transaction (under its lock on the menu's
    resource, so two edits of one menu never interleave)."""
    conn = tx.conn
    menu = await Menu.filter(id=menu_id).using_db(conn).first()
    if menu is None:
        raise NotFound("菜单不存在")
    if deadline is not None and deadline != menu.order_deadline:
        if menu.summary_sent_at is not None or now >= menu.order_deadline:
            raise TooLate(
                "订餐已截止，不能修改截止时间",
                details={"order_deadline": wire(menu.order_deadline)},
            )
        menu.order_deadline = deadline
    if withdrawn is not None:
        menu.withdrawn_at = (menu.withdrawn_at or now.astimezone(UTC)) if withdrawn else None
    await menu.save(using_db=conn, update_fields=["order_deadline", "withdrawn_at"])
    for item in stocks:
        await Dish.filter(id=item.dish_id, menu_id=menu_id).using_db(conn).update(stock=item.stock)
    for slot in capacities:
        await (
            PickupSlot.filter(id=slot.slot_id, menu_id=menu_id)
            .using_db(conn)
            .update(capacity=slot.capacity)
        )


def _below_fields(
    below: booking.BelowTaken, *, stocks: list[StockIn], capacities: list[CapacityIn]
) -> dict[str, str]:
    fields: dict[str, str] = {}
    for index, item in enumerate(stocks):
        used = below.counters.get(dish_counter(item.dish_id))
        if used is not None:
            fields[f"dishes.{index}.stock"] = f"已订{used}份，库存不能低于{used}"
    for index, slot in enumerate(capacities):
        taken = below.slots.get(slot.slot_id)
        if taken is not None:
            fields[f"slots.{index}.capacity"] = f"已有{taken}人预订，容量不能低于{taken}"
    return fields
