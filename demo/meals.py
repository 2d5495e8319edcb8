"""Demo data for meals: a working week of realistic lunch menus (idempotent)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from models.identity import Staff
from models.meals import Menu, Order
from server import resources
from server.errors import Conflict
from services.meals import DishIn, LineIn, SlotIn, create_menu, menu_shape, place_order

DEMO_CANTEEN = "行政中心第一食堂"
# (name, price_fen, stock): a rotating lunch line-up, mains first, then staples.
DEMO_DISHES = [
    [("红烧肉", 1200, 300), ("清蒸鲈鱼", 1500, 200), ("番茄炒蛋", 600, 500), ("米饭", 50, 1800)],
    [("宫保鸡丁", 1000, 400), ("麻婆豆腐", 600, 400), ("清炒时蔬", 500, 500), ("米饭", 50, 1800)],
    [
        ("糖醋里脊", 1200, 300),
        ("鱼香肉丝", 900, 400),
        ("西红柿鸡蛋汤", 300, 600),
        ("米饭", 50, 1800),
    ],
    [("红烧排骨", 1500, 250), ("回锅肉", 1000, 350), ("蒜蓉西兰花", 600, 500), ("馒头", 50, 1000)],
    [("水煮鱼", 1600, 250), ("土豆烧牛肉", 1400, 300), ("番茄炒蛋", 600, 500), ("米饭", 50, 1800)],
]
DEMO_SLOTS = 6  # 15-minute staggered pickup windows from 11:30 (错峰就餐)
DEMO_SLOT_CAPACITY = 300


async def seed(*, now: datetime) -> list[str]:
    """A working week of lunch menus from today (idempotent: existing menus are kept)."""
    tz = resources.settings().tz
    day = now.astimezone(tz).date()
    created = kept = 0
    workdays: list[date] = []
    while len(workdays) < len(DEMO_DISHES):
        if day.weekday() < 5:
            workdays.append(day)
        day += timedelta(days=1)
    for index, workday in enumerate(workdays):
        if await Menu.exists(date=workday, meal="lunch", canteen=DEMO_CANTEEN):
            kept += 1
            continue
        first = datetime.combine(workday, time(11, 30), tzinfo=tz)
        try:
            await create_menu(
                day=workday,
                meal="lunch",
                canteen=DEMO_CANTEEN,
                order_deadline=datetime.combine(workday, time(10, 0), tzinfo=tz),
                per_user_limit=1,
                dishes=[DishIn(name=n, price_fen=p, stock=s) for n, p, s in DEMO_DISHES[index]],
                slots=[
                    SlotIn(
                        start=first + timedelta(minutes=15 * i),
                        end=first + timedelta(minutes=15 * (i + 1)),
                        capacity=DEMO_SLOT_CAPACITY,
                    )
                    for i in range(DEMO_SLOTS)
                ],
            )
        except Conflict:  # a concurrent seed made it
            kept += 1
            continue
        created += 1
    lines = [f"meals: {created} lunch menus created, {kept} kept ({DEMO_CANTEEN})"]
    return lines + await _demo_orders(now=now)


# Demo eaters of the next open menu (the canteen till's list): employee no, slot, dishes.
DEMO_ORDERS = [
    ("S0001", 0, [(0, 1), (3, 1)]),
    ("S0003", 0, [(2, 1), (3, 2)]),
    ("S0004", 2, [(1, 1)]),
]


async def _demo_orders(*, now: datetime) -> list[str]:
    """Orders of demo staff on the first menu still taking orders (none twice)."""
    from demo import demo_account

    menu = (
        await Menu.filter(canteen=DEMO_CANTEEN, order_deadline__gt=now.astimezone(UTC))
        .order_by("date")
        .first()
    )
    if menu is None:
        return []
    shape = await menu_shape(menu_id=menu.id)
    dishes, slots = list(shape.dishes), list(shape.slots)
    placed = 0
    for employee_no, slot, lines in DEMO_ORDERS:
        if not await Staff.exists(employee_no=employee_no):
            continue  # the directory was not seeded (a domain's demo run on its own)
        user = await demo_account(employee_no)
        if await Order.exists(menu_id=menu.id, user_id=user.id):
            continue
        await place_order(
            user_id=user.id,
            menu_id=menu.id,
            slot_id=slots[slot],
            lines=[LineIn(dish_id=dishes[d], qty=qty) for d, qty in lines],
            pickup="dine_in",
            waitlist=False,
            idempotency_key=f"demo-{employee_no}-{menu.id}",
            now=now,
        )
        placed += 1
    return [f"meals: {placed} demo orders on the {menu.date} menu (the till's list)"]
