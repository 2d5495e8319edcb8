"""Money: verified WeChat Pay notifications, order queries, closing unpaid orders, refunds.

Money moves only on a verified notification (signature against the platform public
key, timestamp within 5 minutes, resource decrypted with the APIv3 key) or a verified
order or refund query, and only if amount, appid and mchid match the card. Each
notification id is processed once: under a row lock on its card, a notification already
recorded is a replay and changes nothing (the unique notification id is the backstop).
Every status change is a conditional update in the transaction that writes its notice.

Refunds are a state machine that only WeChat Pay's verified word moves. The card becomes
`refunding` and its Refund row is written (`requested`) in one transaction BEFORE WeChat
Pay is asked, so a crash in between leaves a refund the reconcile job finds; a timeout or
an unreadable answer leaves both as they are (WeChat Pay may well have paid), and only a
verified SUCCESS/ABNORMAL (refunded) or CLOSED (active again) settles them. The refund
number stays on its row for good, so a late notification is still recognised and applied
once. The total of refunds not closed never exceeds what was paid: we check it ourselves,
under the card's row lock, before WeChat Pay is asked.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError

from models.carwash import REFUND_OPEN, REFUND_PAID, Card, CardType, PayNotification, Refund
from server import faults, resources
from server.errors import Conflict, InvalidState
from server.logs import get_logger
from server.tx import Tx, transaction
from server.wechatpay import NotificationRejected, PayError
from services.carwash import shapes
from services.carwash.common import card_link, card_view, own_card, utc
from services.notifications import notify

log = get_logger("carwash.pay")

__all__ = ["NotificationRejected", "handle_notification"]

REFUND_FINAL = ("SUCCESS", "CLOSED", "ABNORMAL")  # WeChat Pay's settled refund statuses
QUERY_REFUNDS_AFTER = timedelta(minutes=2)  # an open refund older than this is asked about
QUERY_UNPAID_AFTER = timedelta(minutes=2)  # so is an unpaid purchase


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
    """A verified refund notification, matched by its refund number whatever the card's
    state now (a number is never cleared), applied at most once."""
    pay = resources.pay()
    row = (
        await Refund.filter(out_refund_no=str(refund.get("out_refund_no") or "")[:64])
        .using_db(tx.conn)
        .first()
    )
    status = str(refund.get("refund_status") or "")
    if (
        row is None
        or row.card_id != card.id
        or refund.get("mchid") != pay.mchid
        or (refund.get("amount") or {}).get("refund") != row.amount_fen
        or event_type != f"REFUND.{status}"
    ):
        log.warning("WeChat Pay refund of %s does not match", card.out_trade_no)
        return "mismatch"
    return await settle_refund(tx, card=card, row=row, status=status, now=now)


async def settle_refund(tx: Tx, *, card: Card, row: Refund, status: str, now: datetime) -> str:
    """Apply WeChat Pay's verified refund status to the refund and its card, once.

    SUCCESS and ABNORMAL mean the money left the merchant (ABNORMAL: the user's account
    refused it and WeChat Pay holds it for the station to pay out by hand), so the card
    is refunded for good; CLOSED means nothing was paid, so the card is usable again.
    Anything else (PROCESSING) changes nothing.
    """
    if status not in REFUND_FINAL:
        if status == "PROCESSING":
            await (
                Refund.filter(id=row.id, status="requested")
                .using_db(tx.conn)
                .update(status="processing", sent_at=now)
            )
        return "pending"
    moved = (
        await Refund.filter(id=row.id, status__in=REFUND_OPEN)
        .using_db(tx.conn)
        .update(status=status.lower(), settled_at=now)
    )
    if not moved:
        return "duplicate"
    pending = Card.filter(id=card.id, status="refunding", out_refund_no=row.out_refund_no)
    if status == "CLOSED":
        await pending.using_db(tx.conn).update(
            status="active", refund_fen=None, out_refund_no=None, refund_requested_at=None
        )
    else:
        await pending.using_db(tx.conn).update(status="refunded", refunded_at=now)
    yuan = f"{row.amount_fen / 100:.2f}"
    title, body = {
        "SUCCESS": ("洗车卡退款成功", f"退款{yuan}元已原路退回。"),
        "ABNORMAL": ("洗车卡退款异常", f"退款{yuan}元未能退回原账户，请到洗车点办理。"),
        "CLOSED": ("洗车卡退款未成功", "退款未成功，洗车卡已恢复可用。"),
    }[status]
    await notify(
        tx=tx,
        user_id=card.owner_id,
        kind="carwash_refunded",
        title=title,
        body=body,
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

    The card becomes `refunding` and its refund is recorded first (a conditional update
    that also pins washes_left, so a wash taken at the same instant makes one of the two
    fail as a whole), which blocks redemption until WeChat Pay's verified word settles
    it. Only a refusal by WeChat Pay itself (nothing was created there) undoes it; an
    answer that never came leaves it `refunding` for the notification or the job.
    """
    card = await own_card(user_id=user_id, card_id=card_id)
    refund_fen = card.amount_fen * card.washes_left // max(card.washes_total, 1)
    if card.status != "active" or card.washes_left <= 0 or refund_fen <= 0:
        raise InvalidState(card.status, "只有尚有剩余次数的有效洗车卡可以退款")
    async with transaction() as tx:
        locked = await Card.filter(id=card.id).using_db(tx.conn).select_for_update().first()
        if locked is None or locked.status != "active" or locked.washes_left != card.washes_left:
            raise InvalidState(
                locked.status if locked else card.status, "洗车卡状态已变化，请刷新后重试"
            )
        already = (
            await Refund.filter(card_id=card.id)
            .exclude(status__in=("closed", "refused"))
            .using_db(tx.conn)
            .values_list("amount_fen", flat=True)
        )
        if sum(int(str(a)) for a in already) + refund_fen > card.amount_fen:
            raise Conflict("退款金额超过实付金额", details={"paid_fen": card.amount_fen})
        row = await Refund.create(
            using_db=tx.conn,
            card_id=card.id,
            out_refund_no="RF" + secrets.token_hex(15),
            amount_fen=refund_fen,
            status="requested",
            requested_at=now,
        )
        claimed = await (
            Card.filter(id=card.id, status="active", washes_left=card.washes_left)
            .using_db(tx.conn)
            .update(
                status="refunding",
                refund_fen=refund_fen,
                out_refund_no=row.out_refund_no,
                refund_requested_at=now,
            )
        )
        if not claimed:  # a wash at the same instant (SQLite has no row lock): undo both
            raise InvalidState(locked.status, "洗车卡状态已变化，请刷新后重试")
    await faults.point("carwash.refund.after_mark")
    outcome = await send_refund(card=card, row=row, now=now)
    if outcome.startswith("refused:"):
        # WeChat Pay refused this refund itself (the order was never paid through it,
        # nothing left to refund): retrying cannot help, so it is no outage.
        raise Conflict(
            "微信支付拒绝了该退款，请到洗车点人工办理",
            details={"reason": outcome.partition(":")[2]},
        )
    fresh = await Card.get(id=card.id).select_related("type")
    return card_view(fresh)


async def send_refund(*, card: Card, row: Refund, now: datetime) -> str:
    """Ask WeChat Pay for a recorded refund (again, under the same number, when the job
    cannot tell whether it arrived: WeChat Pay answers the same refund, pays once).

    Returns "sent", "unknown" (no readable answer: the refund stays open) or
    "refused:<code>" (WeChat Pay said no: nothing exists there, the card is active again).
    """
    try:
        answer = await resources.pay().refund(
            out_trade_no=card.out_trade_no,
            out_refund_no=row.out_refund_no,
            refund_fen=row.amount_fen,
            total_fen=card.amount_fen,
        )
    except PayError as exc:
        log.warning("refund %s: %s", row.out_refund_no, exc)
        if 400 <= exc.status < 500 and exc.status != 429:
            async with transaction() as tx:
                refused = (
                    await Refund.filter(id=row.id, status="requested")
                    .using_db(tx.conn)
                    .update(status="refused", settled_at=now)
                )
                if refused:
                    await (
                        Card.filter(id=card.id, status="refunding", out_refund_no=row.out_refund_no)
                        .using_db(tx.conn)
                        .update(
                            status="active",
                            refund_fen=None,
                            out_refund_no=None,
                            refund_requested_at=None,
                        )
                    )
            return f"refused:{exc.code}"
        return "unknown"
    await _apply_refund_answer(card_id=card.id, row_id=row.id, answer=answer, now=now)
    return "sent"


async def _apply_refund_answer(
    *, card_id: int, row_id: int, answer: dict[str, Any], now: datetime
) -> str:
    """A signed refund answer (of the refund call or the refund query), if it is ours."""
    async with transaction() as tx:
        card = await Card.filter(id=card_id).using_db(tx.conn).select_for_update().first()
        row = await Refund.filter(id=row_id).using_db(tx.conn).first()
        assert card is not None and row is not None
        if (
            answer.get("out_refund_no") != row.out_refund_no
            or answer.get("out_trade_no") != card.out_trade_no
            or (answer.get("amount") or {}).get("refund") != row.amount_fen
        ):
            log.warning("WeChat Pay refund answer for %s does not match", row.out_refund_no)
            return "mismatch"
        if answer.get("refund_id") and not row.refund_id:
            await (
                Refund.filter(id=row.id)
                .using_db(tx.conn)
                .update(refund_id=str(answer["refund_id"])[:64])
            )
        return await settle_refund(
            tx, card=card, row=row, status=str(answer.get("status") or ""), now=now
        )


async def reconcile_refunds(*, now: datetime, older_than: timedelta = QUERY_REFUNDS_AFTER) -> int:
    """Every refund still open after a few minutes: ask WeChat Pay (refund query) and
    apply its verified status; one it never received (a crash before the call, a lost
    request) is sent now under its own number. Returns the refunds settled or sent."""
    done = 0
    open_refunds = await Refund.filter(
        status__in=REFUND_OPEN, requested_at__lte=utc(now - older_than)
    ).limit(500)
    for row in open_refunds:
        card = await Card.get(id=row.card_id)
        try:
            answer = await resources.pay().query_refund(out_refund_no=row.out_refund_no)
        except PayError as exc:
            if exc.status == 404 and exc.code == "RESOURCE_NOT_EXISTS":
                done += (await send_refund(card=card, row=row, now=now)) != "unknown"
            else:
                log.warning("refund query %s failed: %s", row.out_refund_no, exc)
            continue
        outcome = await _apply_refund_answer(card_id=card.id, row_id=row.id, answer=answer, now=now)
        done += outcome == "applied"
    return done


async def reconcile_unpaid(*, now: datetime, older_than: timedelta = QUERY_UNPAID_AFTER) -> int:
    """Purchases still unpaid after a few minutes: ask WeChat Pay (order query), so a
    payment whose notification was lost activates its card even if nobody looks."""
    applied = 0
    pending = await Card.filter(
        status="pending_payment", created_at__lte=utc(now - older_than)
    ).limit(500)
    for card in pending:
        applied += (await query_and_apply(card=card, now=now)) == "applied"
    return applied


async def paid_out(*, card_ids: list[int] | None = None) -> int:
    """Fen that left the merchant account in refunds we recorded (balance checks)."""
    query = Refund.filter(status__in=REFUND_PAID)
    if card_ids is not None:
        query = query.filter(card_id__in=card_ids)
    return sum(int(str(a)) for a in await query.values_list("amount_fen", flat=True))
