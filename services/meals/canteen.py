"""The canteen console of meals: prep summary, the till's list of a menu's orders,
redeeming pickup codes, the pickup QR, and the scheduled work at each menu's deadline
and after each pickup slot.

Same domain and models as menus.py and orders.py.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import booking
from models.identity import User
from models.meals import Menu, Order
from server.clock import today, utc
from server.errors import InvalidInput, InvalidState, NotFound, WrongCanteen, WrongDay
from server.logs import get_logger
from server.pagination import page
from server.qr import qr_png
from server.tx import Tx, move, transaction
from services import identity
from services.meals import shapes
from services.meals.menus import MEAL_NAMES, PLACED, menu_shape
from services.meals.orders import order_link, order_view, own_order
from services.notifications import notify
from services.text import mask_name

log = get_logger("meals")

# The deadline job only looks this far back, so a new deployment does not send
# summaries for every past menu at once.
SUMMARY_LOOKBACK = timedelta(hours=12)


async def summary(*, menu_id: int) -> shapes.Summary:
    """The kitchen's prep counts and the day's figures for one menu.

    `confirmed` counts orders still to be picked up; what the kitchen cooks is every
    order that holds a place (`ordered` = confirmed + served + no_show), per dish and
    per slot. Counted from the order rows (the truth), not from Redis.
    """
    shape = await menu_shape(menu_id=menu_id)
    rows = await Order.filter(menu_id=menu_id).values("status", "slot_id", "items")
    statuses = Counter(row["status"] for row in rows)
    dish_qty: Counter[int] = Counter()
    slot_booked: Counter[int] = Counter()
    slot_served: Counter[int] = Counter()
    for row in rows:
        if row["status"] not in PLACED:
            continue
        slot_booked[row["slot_id"]] += 1
        if row["status"] == "served":
            slot_served[row["slot_id"]] += 1
        for item in row["items"]:
            dish_qty[int(item["dish_id"])] += int(item["qty"])
    return shapes.Summary(
        menu_id=shape.id,
        date=shape.date,
        meal=shape.meal,
        confirmed=statuses["confirmed"],
        served=statuses["served"],
        waitlisted=statuses["waitlisted"],
        ordered=sum(statuses[s] for s in PLACED),
        no_show=statuses["no_show"],
        cancelled=statuses["cancelled"],
        dishes=[
            shapes.DishCount(dish_id=d.id, name=d.name, ordered=dish_qty[d.id], stock=d.stock)
            for d in shape.dishes.values()
        ],
        slots=[
            shapes.SlotCount(
                slot_id=s.id,
                start=s.start,
                end=s.end,
                capacity=s.capacity,
                booked=slot_booked[s.id],
                served=slot_served[s.id],
            )
            for s in shape.slots.values()
        ],
    )


async def menu_orders(
    *, menu_id: int, slot_id: int | None, statuses: list[str], limit: int, cursor: str | None
) -> shapes.TillPage:
    """A menu's orders for the till, in the order they were placed: the eater's name
    masked, their department, the dishes. After a slot ends its unserved orders become
    `no_show` (the no-show job, every minute), so `status=no_show` lists them."""
    shape = await menu_shape(menu_id=menu_id)
    if slot_id is not None and slot_id not in shape.slots:
        raise InvalidInput({"slot_id": "该时段不属于此菜单"})
    query = Order.filter(menu_id=menu_id)
    if slot_id is not None:
        query = query.filter(slot_id=slot_id)
    if statuses:
        query = query.filter(status__in=statuses)
    rows, next_cursor = await page(query, limit=limit, cursor=cursor, oldest_first=True)
    users = await User.filter(id__in=[o.user_id for o in rows]).select_related("staff")
    people = {u.id: u.staff for u in users}
    items = []
    for order in rows:
        slot = shape.slots[order.slot_id]
        staff = people.get(order.user_id)
        items.append(
            shapes.TillOrder(
                id=order.id,
                slot=shapes.SlotRef(id=slot.id, start=slot.start, end=slot.end),
                name_masked=mask_name(staff.name if staff else None),
                department=staff.department if staff else "",
                items=[shapes.Item.model_validate(line) for line in order.items],
                pickup=order.pickup,
                status=order.status,
                served_at=order.served_at,
            )
        )
    return shapes.TillPage(items=items, next_cursor=next_cursor)


async def redeem(*, code: str, canteen: str | None = None, now: datetime) -> shapes.Order:
    """Serve the order of a pickup code exactly once, even if two tills scan it at once.

    Only today's orders are served (service time zone), and only at their own canteen
    when the till names one: a code of tomorrow's lunch must not be eaten today and
    then refused tomorrow. These refusals change nothing, so the owner can still pick
    the order up on its day.

    The engine's finish locks the reservation and runs the conditional UPDATE
    (confirmed → served) in its transaction: exactly one of two concurrent scans wins,
    and the order is served if and only if its place is marked completed.
    """
    # A NUL byte cannot be in any code we issue, and PostgreSQL refuses it in a query.
    order = (
        None
        if "\x00" in code
        else await Order.get_or_none(pickup_code=code).select_related("slot", "menu")
    )
    if order is None:
        raise NotFound("取餐码无效")
    if order.status == "confirmed":
        day = order.menu.date
        if day != today(now):
            raise WrongDay(
                f"非今日订单（{day.month}月{day.day}日）",
                details={"date": day.isoformat(), "today": today(now).isoformat()},
            )
        if canteen is not None and order.menu.canteen != canteen:
            raise WrongCanteen(
                f"非本食堂订单（{order.menu.canteen}）",
                details={"canteen": order.menu.canteen},
            )

    async def record(step: booking.Recording) -> None:
        served = (
            await Order.filter(id=order.id, status="confirmed")
            .using_db(step.tx.conn)
            .update(status="served", served_at=now)
        )
        if not served:
            raise InvalidState("changed")

    try:
        await booking.finish(
            reservation_id=order.reservation_id, status="completed", record=record, now=now
        )
    except InvalidState:
        fresh = await Order.get(id=order.id)
        raise InvalidState(fresh.status, _REFUSALS.get(fresh.status, "该订单不能取餐")) from None
    order.status, order.served_at = "served", now
    return await order_view(order=order)


_REFUSALS = {
    "served": "该取餐码已使用",
    "cancelled": "该订单已取消",
    "waitlisted": "该订单仍在候补中",
    "no_show": "该订单已过取餐时段",
}


async def pickup_qr_png(*, user_id: int, order_id: int) -> bytes:
    """The QR image of a confirmed order's pickup code (404 otherwise: no code to show)."""
    order = await own_order(user_id=user_id, order_id=order_id)
    if order.status != "confirmed":
        raise NotFound("没有可用的取餐码")
    return qr_png(order.pickup_code)


async def mark_no_shows(*, now: datetime) -> int:
    """Confirmed orders of pickup slots that have ended become no_show (place kept)."""
    now = utc(now)
    orders = await Order.filter(status="confirmed", slot__end__lte=now).limit(5000)
    marked = 0
    for order in orders:
        try:
            await booking.finish(
                reservation_id=order.reservation_id,
                status="no_show",
                record=_moves(order.id, "confirmed", "no_show"),
                now=now,
            )
        except InvalidState:
            continue  # redeemed at the last second
        marked += 1
    return marked


def _moves(order_id: int, expected: str, to: str) -> booking.Record:
    """A record step: the order moves from `expected` to `to`, or the action is refused."""

    async def record(step: booking.Recording) -> None:
        await move(step.tx, Order.filter(id=order_id, status=expected), status=to)

    return record


async def close_menus(*, now: datetime) -> int:
    """At each menu's deadline: expire its waitlist and send the prep summary, once.

    After the deadline nobody can cancel, so no waitlisted order can be promoted any
    more: they are cancelled (and their owners told) rather than left hanging. The
    summary goes to every user with role canteen; `summary_sent_at` is claimed by a
    conditional update so a second scheduler or a rerun never sends it twice.
    """
    now = utc(now)
    due = await Menu.filter(
        order_deadline__lte=now,
        order_deadline__gt=now - SUMMARY_LOOKBACK,
        summary_sent_at__isnull=True,
        resource_id__gt=0,
    )
    sent = 0
    for menu in due:
        # Each expiry is its own engine action (a rerun finds only what is left); the
        # summary and its claim commit together, so a crash resends nothing and loses
        # nothing: the next run finds the menu unclaimed and sends it then.
        await _expire_waitlist(menu=menu, now=now)
        async with transaction() as tx:
            claimed = (
                await Menu.filter(id=menu.id, summary_sent_at__isnull=True)
                .using_db(tx.conn)
                .update(summary_sent_at=now)
            )
            if claimed:
                await _send_summary(tx, menu=menu, now=now)
                sent += 1
    return sent


async def _expire_waitlist(*, menu: Menu, now: datetime) -> None:
    for order in await Order.filter(menu_id=menu.id, status="waitlisted"):

        async def record(step: booking.Recording, order: Order = order) -> None:
            await _moves(order.id, "waitlisted", "cancelled")(step)
            await notify(
                tx=step.tx,
                user_id=order.user_id,
                kind="meal_cancelled",
                title="候补未成功",
                body=f"{menu.date:%m月%d日}{MEAL_NAMES.get(menu.meal, '')}订餐已截止，您的候补订单未能确认，已自动取消。",
                link=order_link(order.id),
                now=now,
            )

        try:
            await booking.cancel(
                reservation_id=order.reservation_id, status="expired", record=record, now=now
            )
        except InvalidState:
            continue  # promoted or cancelled meanwhile


async def _send_summary(tx: Tx, *, menu: Menu, now: datetime) -> None:
    figures = await summary(menu_id=menu.id)
    dishes = "，".join(f"{d.name}{d.ordered}份" for d in figures.dishes)
    body = f"共{figures.ordered}份订单。{dishes}。"
    for user_id in await identity.staff_with_role(role="canteen"):
        await notify(
            tx=tx,
            user_id=user_id,
            kind="meal_prep_summary",
            title=f"{menu.date:%m月%d日}{MEAL_NAMES.get(menu.meal, '')}备餐汇总（{menu.canteen}）",
            body=body,
            link=f"/pages/canteen/summary?menu_id={menu.id}",
            now=now,
        )
