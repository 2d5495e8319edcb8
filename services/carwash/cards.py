"""Card types, purchases (WeChat Pay orders) and the owner's cards.

A purchase writes the card (`pending_payment`) first and only then asks WeChat Pay for a
prepay id: the order number is ours and unique, so a card never exists at WeChat Pay
without its row here. Activation happens only in services/carwash/payments.py, on a
verified notification or a verified order query — never on what the client says.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from models import could_exist
from models.carwash import Card, CardType, Wash
from models.identity import User
from server import resources
from server.errors import InvalidState, LimitReached, NotFound, ServiceUnavailable
from server.logs import get_logger
from server.tx import Tx, transaction
from server.wechatpay import PayError
from services.carwash import shapes
from services.carwash.common import LIVE_CARDS, card_detail, card_view, own_card, utc

log = get_logger("carwash")

UNPAID_CLOSE_AFTER = timedelta(minutes=30)
QUERY_AFTER = timedelta(seconds=10)  # a pending purchase older than this asks WeChat Pay


def card_type_view(card_type: CardType) -> shapes.CardType:
    return shapes.CardType(
        id=card_type.id,
        name=card_type.name,
        washes=card_type.washes,
        price_fen=card_type.price_fen,
        valid_days=card_type.valid_days,
        per_user_limit=card_type.per_user_limit,
        active=card_type.active,
    )


async def create_card_type(
    *,
    name: str,
    washes: int,
    price_fen: int,
    valid_days: int,
    per_user_limit: int,
    active: bool,
) -> shapes.CardType:
    async with transaction() as tx:
        card_type = await CardType.create(
            using_db=tx.conn,
            name=name.strip(),
            washes=washes,
            price_fen=price_fen,
            valid_days=valid_days,
            per_user_limit=per_user_limit,
            active=active,
        )
        tx.created(card_type.id)
    return card_type_view(card_type)


async def card_type_created(*, user_id: int, ref: str, now: datetime) -> shapes.CardType:
    """The card type a committed `create_card_type` created, as it is now (an admin may
    have edited it since): the answer to a replay whose first answer was lost."""
    return card_type_view(await CardType.get(id=int(ref)))


async def list_card_types() -> list[shapes.CardType]:
    return [
        card_type_view(t) for t in await CardType.filter(active=True).order_by("price_fen", "id")
    ]


def new_trade_no() -> str:
    """32 characters, random (≥ 128 bits): WeChat Pay's out_trade_no limit."""
    return "CW" + secrets.token_hex(15)


async def purchase(*, user_id: int, card_type_id: int, now: datetime) -> shapes.Purchase:
    """A card waiting for payment and the signed `wx.requestPayment` arguments.

    The per-user limit counts live cards (pending, active, refunding) under a lock on
    the buyer's row, so concurrent taps cannot exceed it.
    """
    if not could_exist(card_type_id):
        raise NotFound("洗车卡类型不存在")
    card_type = await CardType.get_or_none(id=card_type_id, active=True)
    if card_type is None:
        raise NotFound("洗车卡类型不存在")
    async with transaction() as tx:
        user = await User.filter(id=user_id).using_db(tx.conn).select_for_update().first()
        assert user is not None
        live = (
            await Card.filter(owner_id=user_id, type_id=card_type.id, status__in=LIVE_CARDS)
            .using_db(tx.conn)
            .count()
        )
        if live >= card_type.per_user_limit:
            raise LimitReached(
                f"每人最多持有{card_type.per_user_limit}张{card_type.name}",
                details={"per_user_limit": card_type.per_user_limit},
            )
        card = await Card.create(
            using_db=tx.conn,
            owner_id=user_id,
            type_id=card_type.id,
            washes_total=card_type.washes,
            washes_left=card_type.washes,
            status="pending_payment",
            amount_fen=card_type.price_fen,
            out_trade_no=new_trade_no(),
        )
        tx.created(card.id)
    pay = resources.pay()
    try:
        prepay_id = await pay.create_order(
            out_trade_no=card.out_trade_no,
            description=f"勤e家-{card_type.name}",
            amount_fen=card.amount_fen,
            openid=user.openid,
            expire=now + UNPAID_CLOSE_AFTER,
        )
    except PayError as exc:
        log.warning("create order %s failed: %s", card.out_trade_no, exc)
        await Card.filter(id=card.id, status="pending_payment").update(
            status="closed", closed_at=now
        )
        raise ServiceUnavailable("微信支付暂时不可用，请稍后再试", retry_after=5) from None
    await Card.filter(id=card.id).update(prepay_id=prepay_id)
    card.type = card_type
    return shapes.Purchase(
        card=card_view(card),
        out_trade_no=card.out_trade_no,
        amount_fen=card.amount_fen,
        pay_params=shapes.PayParams(**pay.pay_params(prepay_id)),
    )


async def purchased(*, user_id: int, ref: str, now: datetime) -> shapes.Purchase:
    """The purchase a committed `purchase` created (named by its transaction): the
    answer to a replay whose first answer was lost with its process.

    The WeChat Pay order is asked for again when the first process died before
    keeping its prepay id: WeChat Pay answers the same order for the same
    out_trade_no, so the buyer pays the one card. The signed payment arguments are
    made anew (their timestamp and nonce are per signature); the order is the same.
    A card no longer waiting for payment has nothing left to pay: 409 invalid_state.
    """
    card = await Card.get(id=int(ref), owner_id=user_id).select_related("type", "owner")
    if card.status != "pending_payment":
        raise InvalidState(card.status, "该洗车卡已不在待支付状态")
    pay = resources.pay()
    prepay_id = card.prepay_id
    if not prepay_id:
        try:
            prepay_id = await pay.create_order(
                out_trade_no=card.out_trade_no,
                description=f"勤e家-{card.type.name}",
                amount_fen=card.amount_fen,
                openid=card.owner.openid,
                expire=card.created_at + UNPAID_CLOSE_AFTER,
            )
        except PayError:
            raise ServiceUnavailable("微信支付暂时不可用，请稍后再试", retry_after=5) from None
        await Card.filter(id=card.id).update(prepay_id=prepay_id)
    return shapes.Purchase(
        card=card_view(card),
        out_trade_no=card.out_trade_no,
        amount_fen=card.amount_fen,
        pay_params=shapes.PayParams(**pay.pay_params(prepay_id)),
    )


def purchase_status(card: Card) -> str:
    if card.status == "pending_payment":
        return "pending"
    return "closed" if card.status == "closed" else "paid"


async def get_purchase(*, user_id: int, out_trade_no: str, now: datetime) -> shapes.PurchaseStatus:
    """The buyer's purchase; a pending one older than 10 s asks WeChat Pay (order query)
    and applies a verified SUCCESS, so a lost notification never strands a payment."""
    from services.carwash import payments

    card = await Card.get_or_none(out_trade_no=out_trade_no, owner_id=user_id).select_related(
        "type"
    )
    if card is None:
        raise NotFound("订单不存在")
    if card.status == "pending_payment" and now - card.created_at >= QUERY_AFTER:
        await payments.query_and_apply(card=card, now=now)
        card = await Card.get(id=card.id).select_related("type")
    return shapes.PurchaseStatus(status=purchase_status(card), card=card_view(card))


async def list_cards(*, user_id: int) -> list[shapes.CardView]:
    cards = (
        await Card.filter(owner_id=user_id)
        .exclude(status="closed")
        .order_by("-id")
        .select_related("type")
    )
    return [card_view(c) for c in cards]


async def get_card(*, user_id: int, card_id: int) -> shapes.CardDetail:
    card = await own_card(user_id=user_id, card_id=card_id)
    washes = await Wash.filter(card_id=card.id).order_by("-id").limit(20)
    return card_detail(card, washes)


# --- scheduled -----------------------------------------------------------------------


async def expire_cards(*, now: datetime) -> int:
    """Active cards past expires_at become expired (each by a conditional update)."""
    from services.carwash.common import card_link
    from services.notifications import notify, notify_claimed

    async def claim(tx: Tx, card: Card) -> int:
        return (
            await Card.filter(id=card.id, status="active")
            .using_db(tx.conn)
            .update(status="expired")
        )

    async def notice(tx: Tx, card: Card) -> None:
        await notify(
            tx=tx,
            user_id=card.owner_id,
            kind="carwash_expired",
            title="洗车卡已过期",
            body=f"您的洗车卡已过期，剩余{card.washes_left}次未使用。",
            link=card_link(card.id),
            now=now,
        )

    due = await Card.filter(status="active", expires_at__lte=utc(now)).limit(1000)
    return await notify_claimed(due, claim=claim, notice=notice)


async def remind_expiring(*, now: datetime) -> int:
    """Owners of active cards expiring within 7 days are told once."""
    from services.carwash.common import card_link, local
    from services.notifications import notify, notify_claimed

    soon = await Card.filter(
        status="active",
        washes_left__gt=0,
        reminded_at__isnull=True,
        expires_at__lte=utc(now + timedelta(days=7)),
        expires_at__gt=utc(now),
    ).limit(1000)

    async def claim(tx: Tx, card: Card) -> int:
        return (
            await Card.filter(id=card.id, reminded_at__isnull=True)
            .using_db(tx.conn)
            .update(reminded_at=now)
        )

    async def notice(tx: Tx, card: Card) -> None:
        assert card.expires_at is not None
        await notify(
            tx=tx,
            user_id=card.owner_id,
            kind="carwash_expiring",
            title="洗车卡即将过期",
            body=f"您的洗车卡将于{local(card.expires_at):%m月%d日}过期，还剩{card.washes_left}次。",
            link=card_link(card.id),
            template_data={"expires_at": local(card.expires_at).strftime("%Y-%m-%d %H:%M")},
            now=now,
        )

    return await notify_claimed(soon, claim=claim, notice=notice)
