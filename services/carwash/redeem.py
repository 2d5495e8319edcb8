"""Redemption at the station: single-use codes and exactly-once washes.

A code is 256 random bits, valid 60 s, kept in Redis as `code → card:expires`; the
card's current code is remembered so a new one voids the old (one Lua step). A scan
takes the code with GETDEL, so of twenty tills scanning one code exactly one gets the
card; that one decrements `washes_left` (conditionally, never below 0) and writes the
ledger row in ONE transaction — or, when the owner holds a booking for the current
slot, inside the booking engine's finish step, so the booking becomes `washed` with it.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from tortoise.expressions import F

import booking
from models.carwash import Card, Wash, WashBooking
from server import resources
from server.errors import InvalidState, NotFound
from server.qr import qr_png
from server.tx import Tx, transaction
from services.carwash import shapes
from services.carwash.common import card_link, card_view, own_card, utc
from services.notifications import notify

CODE_TTL = timedelta(seconds=60)
_PREFIX = "carwash:code:"
_CURRENT = "carwash:card-code:"
# KEYS[1] = the card's current-code key, KEYS[2] = the new code key.
# ARGV = new code, value, ttl ms, code key prefix. The old code dies with the new one.
_ISSUE = """
local old = redis.call('GET', KEYS[1])
if old then redis.call('DEL', ARGV[4] .. old) end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
return 1
"""
# Redis keeps codes a little longer than their life; expiry is judged on `now`.
_REDIS_TTL_MS = 120_000


async def issue_code(*, user_id: int, card_id: int, now: datetime) -> shapes.Code:
    """A fresh single-use code for the owner's usable card (the previous one is void)."""
    card = await own_card(user_id=user_id, card_id=card_id)
    _usable(card, now=now)
    code = secrets.token_urlsafe(32)
    expires_at = now + CODE_TTL
    await resources.script(_ISSUE)(
        keys=[f"{_CURRENT}{card.id}", f"{_PREFIX}{code}"],
        args=[code, f"{card.id}:{expires_at.timestamp()}", _REDIS_TTL_MS, _PREFIX],
    )
    return shapes.Code(code=code, expires_at=expires_at)


async def code_png(*, user_id: int, card_id: int) -> bytes:
    """The card's current code as a QR image (404 when there is none)."""
    card = await own_card(user_id=user_id, card_id=card_id)
    code = await resources.redis().get(f"{_CURRENT}{card.id}")
    if not code:
        raise NotFound("请先生成核销码")
    return qr_png(str(code))


def _usable(card: Card, *, now: datetime | None = None) -> None:
    """Refuse a card that cannot take a wash; past expires_at counts as expired even
    before the expiry job has run."""
    if now is not None and card.status == "active" and card.expires_at and card.expires_at <= now:
        raise InvalidState("expired", _STATE_MESSAGES["expired"])
    if card.status != "active" or card.washes_left <= 0:
        state = "used_up" if card.status == "active" else card.status
        raise InvalidState(state, _STATE_MESSAGES.get(state, "洗车卡当前不可用"))


_STATE_MESSAGES = {
    "used_up": "洗车卡次数已用完",
    "expired": "洗车卡已过期",
    "refunding": "洗车卡退款中，暂不能使用",
    "refunded": "洗车卡已退款",
    "pending_payment": "洗车卡尚未支付",
    "closed": "洗车卡订单已关闭",
}


async def redeem(
    *, attendant_id: int, code: str, plate: str | None, now: datetime
) -> shapes.Redeemed:
    """Take one wash for a scanned code: exactly once, however many tills scan it."""
    taken = await resources.redis().getdel(f"{_PREFIX}{code}") if code else None
    if not taken:
        raise NotFound("核销码无效或已使用")
    card_part, _, expiry = str(taken).partition(":")
    if now.timestamp() >= float(expiry):
        raise NotFound("核销码已过期，请让车主刷新")
    card_id = int(card_part)
    await resources.redis().delete(f"{_CURRENT}{card_id}")
    card = await Card.get(id=card_id).select_related("type")
    _usable(card, now=now)
    held = await _current_booking(card=card, now=now)

    async def take(tx: Tx) -> Wash:
        return await _take_wash(
            tx, card=card, attendant_id=attendant_id, plate=plate, booking_row=held, now=now
        )

    if held is not None:

        async def record(step: booking.Recording) -> Wash:
            return await take(step.tx)

        result = await booking.finish(
            reservation_id=held.reservation_id, status="completed", record=record, now=now
        )
        wash: Wash = result.record
    else:
        async with transaction() as tx:
            wash = await take(tx)
    fresh = await Card.get(id=card.id).select_related("type")
    return shapes.Redeemed(card=card_view(fresh), washed_at=wash.washed_at)


async def _current_booking(*, card: Card, now: datetime) -> WashBooking | None:
    """The owner's confirmed booking whose slot is on now (from 15 min before its start)."""
    return (
        await WashBooking.filter(
            user_id=card.owner_id,
            status="confirmed",
            slot__start__lte=utc(now + timedelta(minutes=15)),
            slot__end__gt=utc(now),
        )
        .order_by("id")
        .first()
    )


async def _take_wash(
    tx: Tx,
    *,
    card: Card,
    attendant_id: int,
    plate: str | None,
    booking_row: WashBooking | None,
    now: datetime,
) -> Wash:
    """The decrement and its ledger row, in `tx`. A refused decrement raises (nothing
    commits: the engine's finish step is undone with it)."""
    taken = (
        await Card.filter(id=card.id, status="active", washes_left__gt=0)
        .using_db(tx.conn)
        .update(washes_left=F("washes_left") - 1)
    )
    if not taken:
        fresh = await Card.filter(id=card.id).using_db(tx.conn).get()
        _usable(fresh)
        raise InvalidState(fresh.status, "洗车卡当前不可用")
    fresh = await Card.filter(id=card.id).using_db(tx.conn).get()
    if fresh.washes_left == 0:
        await Card.filter(id=card.id, status="active").using_db(tx.conn).update(status="used_up")
    if booking_row is not None:
        await (
            WashBooking.filter(id=booking_row.id, status="confirmed")
            .using_db(tx.conn)
            .update(status="washed")
        )
    wash = await Wash.create(
        using_db=tx.conn,
        card_id=card.id,
        attendant_id=attendant_id,
        plate=plate or (booking_row.plate if booking_row else None),
        booking_id=booking_row.id if booking_row else None,
        washes_left=fresh.washes_left,
        washed_at=now,
    )
    await notify(
        tx=tx,
        user_id=card.owner_id,
        kind="carwash_washed",
        title="洗车卡已核销",
        body=f"本次洗车已扣1次，剩余{fresh.washes_left}次。",
        link=card_link(card.id),
        now=now,
    )
    return wash
