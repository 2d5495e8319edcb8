"""Meals: orders through the booking engine — place, read, cancel — and the promotion
step of the waitlist. The order row and every change of its status are record steps run
inside the engine's own transactions (one action, one transaction).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from tortoise import timezone

import booking
from models import could_exist
from models.meals import Order, PickupSlot
from server.clock import local, wire
from server.errors import (
    InvalidInput,
    InvalidState,
    NotFound,
    SoldOut,
    TooLate,
)
from server.logs import get_logger
from server.pagination import page
from services import idempotency
from services.meals import shapes
from services.meals.menus import (
    LIVE,
    MenuShape,
    dish_counter,
    menu_shape,
)
from services.meals.shapes import LineIn
from services.notifications import notify

log = get_logger("meals")


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
) -> shapes.Order:
    """Order dishes for a pickup slot: confirmed, or waitlisted when full and asked for.

    The engine takes the place, the dish stock and the user's limit in one atomic step
    and writes the order row in the same transaction as the reservation, so a place is
    never taken without an order to show for it (nor the reverse), whatever happens to
    the process or the client's connection.
    A full slot raises the engine's SlotFull as is: its details.alternatives (the
    nearest other slots of this menu with room, as slot_id/start/end/available) come
    from the same Lua step, so a rejection costs no extra round trip.
    Orders close AT the deadline (now >= order_deadline is too late): the prep summary
    goes to the kitchen at that instant and its counts must be final. A withdrawn menu
    refuses with 409 invalid_state (`details.state` "withdrawn"), decided by the
    engine's gate even when this process still holds the menu from before.
    """
    shape = await menu_shape(menu_id=menu_id)
    _validate_lines(shape, slot_id, lines)
    if shape.withdrawn:
        raise _withdrawn()
    if now >= shape.order_deadline:
        raise TooLate(
            "已过订餐截止时间",
            details={"order_deadline": wire(shape.order_deadline)},
        )

    keyed = idempotency.current()

    async def record(step: booking.Recording) -> Placed:
        order = await _record_order(step, shape=shape, lines=lines, pickup=pickup)
        if keyed is not None and order.status == "confirmed":
            # The answer is known here: it commits with the order (no write after).
            keyed.answer_with(await order_view(order=order))
        return order

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
    except booking.ResourceClosed:  # withdrawn after this process read the menu
        raise _withdrawn() from None
    placed: Placed | None = reservation.record
    if placed is not None:
        view = keyed.result if keyed is not None else None
        if isinstance(view, shapes.Order) and view.id == placed.id:
            return view  # the view its answer committed with
        return await order_view(order=placed, position=reservation.position)
    # An idempotent replay: the order committed with the reservation.
    order = await Order.get_or_none(reservation_id=reservation.id).select_related("slot")
    if order is None:  # a reservation without its order: reconcile gives it back
        raise InvalidState(reservation.status, "该订单未能完成，请重新下单")
    return await order_view(order=order, position=reservation.position)


async def ordered(*, user_id: int, ref: str, now: datetime) -> shapes.Order:
    """The order a committed `place_order` created (its transaction named the engine's
    reservation): the answer to a replay whose first answer was lost with its process,
    whatever the time of the replay (the deadline has nothing to say about it)."""
    order = await Order.get(reservation_id=int(ref), user_id=user_id).select_related("slot")
    return await order_view(order=order)


def _withdrawn() -> InvalidState:
    return InvalidState("withdrawn", "该菜单已撤回，不能下单")


@dataclass(frozen=True)
class Placed:
    """An order row as its record step wrote it (what `order_view` reads of an Order)."""

    id: int
    menu_id: int
    slot_id: int
    slot: PickupSlot
    reservation_id: int
    items: list[dict[str, Any]]
    total_fen: int
    pickup: str
    status: str
    pickup_code: str
    created_at: datetime
    served_at: datetime | None = None


async def _record_order(
    step: booking.Recording, *, shape: MenuShape, lines: list[LineIn], pickup: str
) -> Placed:
    """The order row, inside the engine's transaction (it commits with the place): queued
    for the transaction's multi-row insert, no model instance built."""
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
    slot_id = reservation.slot_ids[0]
    at = timezone.now()
    row: dict[str, Any] = {
        "menu_id": shape.id,
        "slot_id": slot_id,
        "user_id": reservation.user_id,
        "reservation_id": reservation.id,
        "items": items,
        "total_fen": sum(i["qty"] * i["price_fen"] for i in items),
        "pickup": pickup,
        "status": "waitlisted" if reservation.status == "waitlisted" else "confirmed",
        "pickup_code": secrets.token_urlsafe(32),
        "served_at": None,
        "created_at": at,
        "updated_at": at,
    }
    order_id = await step.tx.insert(Order, row)
    return Placed(
        id=order_id,
        menu_id=shape.id,
        slot_id=slot_id,
        slot=shape.slots[slot_id],
        reservation_id=reservation.id,
        items=items,
        total_fen=row["total_fen"],
        pickup=pickup,
        status=row["status"],
        pickup_code=row["pickup_code"],
        created_at=at,
    )


async def order_view(*, order: Order | Placed, position: int | None = None) -> shapes.Order:
    """The Order object of API.md §3 (pickup_code only while confirmed)."""
    if order.status == "waitlisted" and position is None:
        position = (await booking.get(reservation_id=order.reservation_id)).position
    slot: PickupSlot = order.slot
    menu = await menu_shape(menu_id=order.menu_id)  # cached: no query on the hot path
    return shapes.Order(
        id=order.id,
        menu_id=order.menu_id,
        date=menu.date,
        meal=menu.meal,
        canteen=menu.canteen,
        slot=shapes.SlotRef(id=slot.id, start=slot.start, end=slot.end),
        items=[shapes.Item.model_validate(item) for item in order.items],
        total_fen=order.total_fen,
        pickup=order.pickup,
        status=order.status,
        position=position if order.status == "waitlisted" else None,
        pickup_code=order.pickup_code if order.status == "confirmed" else None,
        created_at=order.created_at,
        served_at=order.served_at,
    )


async def own_order(*, user_id: int, order_id: int) -> Order:
    """The caller's order, or NotFound (another user's order is not revealed)."""
    if not could_exist(order_id):
        raise NotFound("订单不存在")
    order = await Order.get_or_none(id=order_id, user_id=user_id).select_related("slot")
    if order is None:
        raise NotFound("订单不存在")
    return order


async def get_order(*, user_id: int, order_id: int) -> shapes.Order:
    return await order_view(order=await own_order(user_id=user_id, order_id=order_id))


async def list_orders(
    *, user_id: int, day: date | None, limit: int, cursor: str | None
) -> shapes.OrderPage:
    """My orders, newest first; `day` filters by the menu date."""
    query = Order.filter(user_id=user_id)
    if day is not None:
        query = query.filter(menu__date=day)
    rows, next_cursor = await page(query.select_related("slot"), limit=limit, cursor=cursor)
    return shapes.OrderPage(
        items=[await order_view(order=o) for o in rows], next_cursor=next_cursor
    )


async def cancel_order(*, user_id: int, order_id: int, now: datetime) -> shapes.Order:
    """Cancel before the deadline; the engine frees the place and promotes the waitlist.

    The order's status changes inside the engine's cancel transaction, by a conditional
    update (a till redeeming the code at the same instant wins or loses as a whole), so
    the order and its place are never out of step.
    """
    order = await own_order(user_id=user_id, order_id=order_id)
    shape = await menu_shape(menu_id=order.menu_id)
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
    shape = await menu_shape(menu_id=order.menu_id)
    start = local(shape.slots[order.slot_id].start)
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
