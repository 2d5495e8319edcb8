"""Demo data for meals: a working week of realistic lunch menus (idempotent)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from models.meals import Menu
from server import resources
from server.errors import Conflict
from services.meals import DishIn, SlotIn, create_menu

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
    return [f"meals: {created} lunch menus created, {kept} kept ({DEMO_CANTEEN})"]
