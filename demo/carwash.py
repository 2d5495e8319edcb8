"""Demo data: card types, a week of wash-bay slots, and an active card for S0001."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from models.carwash import Card, CardType, WashDay
from server import resources
from services.carwash.bay import create_slots
from services.carwash.cards import new_trade_no

CARD_TYPES = [
    # name, washes, price_fen, valid_days, per_user_limit, active
    ("10次洗车卡", 10, 20000, 180, 2, True),
    ("20次洗车卡", 20, 36000, 365, 1, True),
    ("单次精洗券", 1, 3000, 30, 5, True),
    ("5次体验卡（已停售）", 5, 9000, 90, 1, False),
]


async def seed(*, now: datetime) -> list[str]:
    from demo import demo_account

    lines: list[str] = []
    created = 0
    for name, washes, price, days, limit, active in CARD_TYPES:
        _, made = await CardType.get_or_create(
            name=name,
            defaults={
                "washes": washes,
                "price_fen": price,
                "valid_days": days,
                "per_user_limit": limit,
                "active": active,
            },
        )
        created += int(made)
    lines.append(f"carwash: {len(CARD_TYPES)} card types ({created} new)")
    today = now.astimezone(resources.settings().tz).date()
    days_made = 0
    for offset in range(7):
        day = today + timedelta(days=offset)
        if day.weekday() >= 5 or await WashDay.filter(date=day, resource_id__gt=0).exists():
            continue
        await create_slots(
            day=day, open_from=time(8, 0), open_to=time(18, 0), slot_minutes=30, bays=4
        )
        days_made += 1
    lines.append(f"carwash: wash-bay slots 08:00-18:00, 4 bays, {days_made} new workdays")
    owner = await demo_account("S0001")
    if not await Card.filter(owner_id=owner.id, status="active").exists():
        card_type = await CardType.get(name="10次洗车卡")
        await Card.create(
            owner_id=owner.id,
            type_id=card_type.id,
            washes_total=10,
            washes_left=8,
            status="active",
            amount_fen=card_type.price_fen,
            out_trade_no=new_trade_no(),
            transaction_id="DEMO-NOT-PAID-THROUGH-WECHAT",
            purchased_at=now - timedelta(days=20),
            expires_at=now + timedelta(days=160),
        )
        lines.append("carwash: an active 10次洗车卡 (8 left) for S0001 李晓梅")
    return lines
