"""Money: verified WeChat Pay notifications, order queries, closing unpaid orders, refunds.

Money moves only on a verified notification (signature against the platform public
key, timestamp within 5 minutes, resource decrypted with the APIv3 key) or a verified
order query, and only if amount, appid and mchid match the card. Each notification id
is processed once: under a row lock on its card, a notification already recorded is a
replay and changes nothing (the unique notification id is the backstop). Every status
change is a conditional update in the transaction that writes its notice.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError

from models.carwash import Card, CardType, PayNotification
from server import resources
from server.errors import Conflict, InvalidState, ServiceUnavailable
from server.logs import get_logger
from server.tx import Tx, transaction
from server.wechatpay import NotificationRejected, PayError
from services.carwash import shapes
from services.carwash.common import card_link, card_view, own_card, utc
from services.notifications import notify

log = get_logger("carwash.pay")

__all__ = ["NotificationRejected", "handle_notification"]


async def handle_notification(*, headers: dict[str, str], body: bytes, now: datetime) -> str:
    """Process one notification from WeChat Pay; returns its outcome.

    Raises NotificationRejected (the handler answers 401 FAIL, WeChat Pay retries) when
    it cannot be verified; nothing is written then.
    """
    try:
        data = resources.pay().verify_notification(headers=headers, body=body, now=now)
    except NotificationRejected as exc:
        log.warning("WeChat Pay notification rejected: %s", exc)
        raise
    notification_id = str(data.get("id") or "")[:64]
    event_type = str(data.get("event_type") or "")[:32]
    resource: dict[str, Any] = data["resource"]
    out_trade_no = str(resource.get("out_trade_no") or "")[:32]
    if not notification_id:
        raise NotificationRejected("no notification id")
    try:
        async with transaction() as tx:
            card = (
                await Card.filter(out_trade_no=out_trade_no)
                .using_db(tx.conn)
                .select_for_update()
                .first()
            )
            seen = (
                await PayNotification.filter(notification_id=notification_id)
                .using_db(tx.conn)
                .exists()
            )
            if seen:
                log.info("WeChat Pay notification %s replayed: ignored", notification_id)
                return "replay"
            outcome = await _apply(tx, card=card, event_type=event_type, resource=resource, now=now)
            await PayNotification.create(
                using_db=tx.conn,
                notification_id=notification_id,
                event_type=event_type,
                out_trade_no=out_trade_no,
                outcome=outcome,
                received_at=now,
            )
    except IntegrityError:  # the same id committed concurrently (no card row to lock)
        return "replay"
    log.info("WeChat Pay notification %s %s → %s", notification_id, event_type, outcome)
    return outcome


async def _apply(
    tx: Tx, *, card: Card | None, event_type: str, resource: dict[str, Any], now: datetime
) -> str:
    if card is None:
        log.warning("WeChat Pay notification for unknown order %r", resource.get("out_trade_no"))
        return "unknown_order"
    if event_type == "TRANSACTION.SUCCESS":
        return await apply_payment(tx, card=card, transaction=resource, now=now)
    if event_type.startswith("REFUND."):
        return await _apply_refund(tx, card=card, event_type=event_type, refund=resource, now=now)
    return "ignored"


def _mismatch(card: Card, transaction: dict[str, Any]) -> str | None:
    pay = resources.pay()
    amount = (transaction.get("amount") or {}).get("total")
    if transaction.get("trade_state") != "SUCCESS":
        return f"trade_state {transaction.get('trade_state')!r}"
    if transaction.get("mchid") != pay.mchid or transaction.get("appid") != pay.appid:
        return "mchid/appid"
    if amount != card.amount_fen:
        return f"amount {amount!r} != {card.amount_fen}"
    return None


async def apply_payment(tx: Tx, *, card: Card, transaction: dict[str, Any], now: datetime) -> str:
    """A verified SUCCESS transaction activates its card, once (conditional update)."""
    problem = _mismatch(card, transaction)
    if problem:
        log.warning("WeChat Pay payment of %s does not match: %s", card.out_trade_no, problem)
        return "mismatch"
    card_type = await CardType.get(id=card.type_id, using_db=tx.conn)
    activated = (
        await Card.filter(id=card.id, status__in=("pending_payment", "closed"))
        .using_db(tx.conn)
        .update(
            status="active",
            transaction_id=str(transaction.get("transaction_id") or "")[:64],
            purchased_at=now,
            expires_at=now + timedelta(days=card_type.valid_days),
        )
    )
    if not activated:
        return "duplicate"
    await notify(
        tx=tx,
        user_id=card.owner_id,
        kind="carwash_paid",
        title="洗车卡购买成功",
        body=f"{card_type.name}已生效，共{card.washes_total}次，有效期{card_type.valid_days}天。",
        link=card_link(card.id),
        now=now,
    )
    return "applied"


async def _apply_refund(
    tx: Tx, *, card: Card, event_type: str, refund: dict[str, Any], now: datetime
) -> str:
    pay = resources.pay()
    amount = (refund.get("amount") or {}).get("refund")
    if (
        refund.get("mchid") != pay.mchid
        or refund.get("out_refund_no") != card.out_refund_no
        or amount != card.refund_fen
    ):
        log.warning("WeChat Pay refund of %s does not match", card.out_trade_no)
        return "mismatch"
    succeeded = event_type == "REFUND.SUCCESS" and refund.get("refund_status") == "SUCCESS"
    changes: dict[str, Any] = (
        {"status": "refunded", "refunded_at": now}
        if succeeded
        else {"status": "active", "refund_fen": None, "out_refund_no": None}
    )
    moved = await Card.filter(id=card.id, status="refunding").using_db(tx.conn).update(**changes)
    if not moved:
        return "duplicate"
    yuan = f"{(card.refund_fen or 0) / 100:.2f}"
    await notify(
        tx=tx,
        user_id=card.owner_id,
        kind="carwash_refunded",
        title="洗车卡退款成功" if succeeded else "洗车卡退款未成功",
        body=f"退款{yuan}元已原路退回。" if succeeded else "退款未成功，洗车卡已恢复可用。",
        link=card_link(card.id),
        now=now,
    )
    return "applied"


async def query_and_apply(*, card: Card, now: datetime) -> str:
    """Ask WeChat Pay about a pending order (signed response) and apply a SUCCESS."""
    try:
        order = await resources.pay().query_order(out_trade_no=card.out_trade_no)
    except PayError as exc:
        log.warning("order query %s failed: %s", card.out_trade_no, exc)
        return "unavailable"
    if order.get("trade_state") != "SUCCESS":
        return str(order.get("trade_state") or "unknown").lower()
    async with transaction() as tx:
        locked = await Card.filter(id=card.id).using_db(tx.conn).select_for_update().first()
        assert locked is not None
        return await apply_payment(tx, card=locked, transaction=order, now=now)


async def close_unpaid(*, now: datetime, older_than: timedelta = timedelta(minutes=30)) -> int:
    """Purchases unpaid for 30 min: close the WeChat Pay order, then the card.

    A close refused because the order was paid meanwhile (ORDERPAID) queries the order
    and activates the card instead: a payment is never thrown away.
    """
    closed = 0
    stale = await Card.filter(
        status="pending_payment", created_at__lte=utc(now - older_than)
    ).limit(500)
    for card in stale:
        try:
            await resources.pay().close_order(out_trade_no=card.out_trade_no)
        except PayError as exc:
            if exc.code == "ORDERPAID":
                await query_and_apply(card=card, now=now)
                continue
            if exc.code != "ORDER_NOT_EXIST":
                log.warning("close order %s failed: %s", card.out_trade_no, exc)
                continue
        closed += await Card.filter(id=card.id, status="pending_payment").update(
            status="closed", closed_at=now
        )
    return closed


async def request_refund(*, user_id: int, card_id: int, now: datetime) -> shapes.CardView:
    """Refund the unused washes (price × left / total, rounded down).

    The card becomes `refunding` first (a conditional update that also pins washes_left,
    so a wash taken at the same instant makes one of the two fail as a whole), which
    blocks redemption until the verified refund notification settles it.
    """
    card = await own_card(user_id=user_id, card_id=card_id)
    refund_fen = card.amount_fen * card.washes_left // max(card.washes_total, 1)
    if card.status != "active" or card.washes_left <= 0 or refund_fen <= 0:
        raise InvalidState(card.status, "只有尚有剩余次数的有效洗车卡可以退款")
    out_refund_no = "RF" + secrets.token_hex(15)
    claimed = await Card.filter(id=card.id, status="active", washes_left=card.washes_left).update(
        status="refunding",
        refund_fen=refund_fen,
        out_refund_no=out_refund_no,
        refund_requested_at=now,
    )
    if not claimed:
        fresh = await Card.get(id=card.id)
        raise InvalidState(fresh.status, "洗车卡状态已变化，请刷新后重试")
    try:
        await resources.pay().refund(
            out_trade_no=card.out_trade_no,
            out_refund_no=out_refund_no,
            refund_fen=refund_fen,
            total_fen=card.amount_fen,
        )
    except PayError as exc:
        log.warning("refund %s failed: %s", out_refund_no, exc)
        await Card.filter(id=card.id, status="refunding", out_refund_no=out_refund_no).update(
            status="active", refund_fen=None, out_refund_no=None, refund_requested_at=None
        )
        if 400 <= exc.status < 500:
            # WeChat Pay refused this refund itself (the order was never paid through it,
            # nothing left to refund): retrying cannot help, so it is no outage.
            raise Conflict(
                "微信支付拒绝了该退款，请到洗车点人工办理", details={"reason": exc.code}
            ) from None
        raise ServiceUnavailable("微信支付暂时不可用，请稍后再试", retry_after=5) from None
    fresh = await Card.get(id=card.id).select_related("type")
    return card_view(fresh)
