"""Refunds that cannot pay twice or stick: only WeChat Pay's verified word settles one.

The fake WeChat Pay answers badly on request (`/stub/answers`): `drop` does the refund
and closes the connection unanswered (what a timeout looks like from here), `lose` never
lets it arrive, `error:500` fails it. The card must stay `refunding` with its refund
number until a verified notification or refund query says SUCCESS, CLOSED or ABNORMAL;
the reconcile job asks about every open refund; money out at the fake = money recorded.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models.carwash import Card, Refund
from models.notifications import Notice
from server import resources
from server.wechatpay import PayError
from services.carwash import payments
from tests.support import assert_error, make_user
from tests.support.carwash import (
    active_card,
    answer_badly,
    buy,
    card_of,
    card_type,
    fake_post,
    paid_by_fake,
    refund,
)

LATER = timedelta(minutes=3)  # past the job's "a few minutes"


async def _card(client, fake_pay, **kw):
    admin, owner = await make_user("admin"), await make_user()
    card = await active_card(client, fake_pay, admin, owner, washes=10, price_fen=20000, **kw)
    row = await Card.get(id=card["id"])
    return owner, card, row.out_trade_no


async def _balanced(fake_pay, card_id: int, out_trade_no: str) -> int:
    """Refunds paid by the fake on this order = refunds we recorded as paid; the fen."""
    paid = sum(r["amount"]["refund"] for r in await paid_by_fake(fake_pay, out_trade_no))
    assert paid == await payments.paid_out(card_ids=[card_id])
    return paid


async def test_an_unanswered_refund_stays_refunding_and_pays_once(client, fake_pay):
    owner, card, trade_no = await _card(client, fake_pay)
    await answer_badly(fake_pay, "drop")  # WeChat Pay pays, the answer never comes

    first = await refund(client, owner, card["id"])

    assert first.status_code == 202, first.text
    assert first.json()["status"] == "refunding"
    row = await Refund.get(card_id=card["id"])
    assert row.status == "requested"
    assert (await Card.get(id=card["id"])).out_refund_no == row.out_refund_no
    assert_error(await refund(client, owner, card["id"]), 409, "invalid_state")

    delivered = await fake_post(fake_pay, "/stub/deliver", {})
    assert delivered.json()["delivered"] >= 1
    assert (await card_of(client, owner, card["id"]))["status"] == "refunded"
    assert_error(await refund(client, owner, card["id"]), 409, "invalid_state")
    await payments.reconcile_refunds(now=datetime.now(UTC) + LATER)  # nothing left to do
    assert await Refund.filter(card_id=card["id"]).count() == 1
    assert await Notice.filter(user_id=owner.user_id, kind="carwash_refunded").count() == 1
    assert await _balanced(fake_pay, card["id"], trade_no) == 20000


async def test_a_refund_that_never_arrived_is_sent_by_the_job_and_settled_by_query(
    client, fake_pay
):
    owner, card, trade_no = await _card(client, fake_pay)
    await answer_badly(fake_pay, "lose")

    assert (await refund(client, owner, card["id"])).json()["status"] == "refunding"
    assert await paid_by_fake(fake_pay, trade_no) == []

    # Too early: the job leaves a fresh refund to its own call.
    await payments.reconcile_refunds(now=datetime.now(UTC))
    assert await paid_by_fake(fake_pay, trade_no) == []
    await payments.reconcile_refunds(now=datetime.now(UTC) + LATER)  # 404 → sent now
    assert (await Refund.get(card_id=card["id"])).status == "processing"
    await fake_post(fake_pay, "/stub/drop", {"count": 1})  # and its notification is lost
    await fake_post(fake_pay, "/stub/deliver", {})
    assert (await card_of(client, owner, card["id"]))["status"] == "refunding"

    await payments.reconcile_refunds(now=datetime.now(UTC) + LATER)  # query: SUCCESS

    assert (await card_of(client, owner, card["id"]))["status"] == "refunded"
    assert await _balanced(fake_pay, card["id"], trade_no) == 20000
    # The notification's retry arrives late: recognised by its number, applied once.
    await fake_post(fake_pay, "/stub/clock", {"advance": 20})
    await fake_post(fake_pay, "/stub/deliver", {})
    assert await Notice.filter(user_id=owner.user_id, kind="carwash_refunded").count() == 1


async def test_a_failed_call_is_no_refusal_the_card_stays_refunding(client, fake_pay):
    owner, card, trade_no = await _card(client, fake_pay)
    await answer_badly(fake_pay, "error:500")

    assert (await refund(client, owner, card["id"])).json()["status"] == "refunding"
    await payments.reconcile_refunds(now=datetime.now(UTC) + LATER)
    await fake_post(fake_pay, "/stub/deliver", {})

    assert (await card_of(client, owner, card["id"]))["status"] == "refunded"
    assert await _balanced(fake_pay, card["id"], trade_no) == 20000


async def test_closed_gives_the_card_back_and_a_new_refund_pays_once(client, fake_pay):
    owner, card, trade_no = await _card(client, fake_pay)
    await fake_post(fake_pay, "/stub/refund-outcome", {"status": "CLOSED"})

    await refund(client, owner, card["id"])
    await fake_post(fake_pay, "/stub/deliver", {})

    back = await card_of(client, owner, card["id"])
    assert back["status"] == "active" and back["washes_left"] == 10
    assert back["refund_fen"] is None
    assert (await Refund.get(card_id=card["id"])).status == "closed"
    second = await refund(client, owner, card["id"])
    assert second.status_code == 202, second.text
    await fake_post(fake_pay, "/stub/deliver", {})
    assert (await card_of(client, owner, card["id"]))["status"] == "refunded"
    assert await _balanced(fake_pay, card["id"], trade_no) == 20000


async def test_abnormal_is_money_out_the_card_is_refunded_and_the_owner_told(client, fake_pay):
    owner, card, trade_no = await _card(client, fake_pay)
    await fake_post(fake_pay, "/stub/refund-outcome", {"status": "ABNORMAL"})

    await refund(client, owner, card["id"])
    await fake_post(fake_pay, "/stub/deliver", {})

    assert (await card_of(client, owner, card["id"]))["status"] == "refunded"
    notice = await Notice.get(user_id=owner.user_id, kind="carwash_refunded")
    assert "异常" in notice.title
    assert await _balanced(fake_pay, card["id"], trade_no) == 20000


async def test_we_refuse_a_refund_beyond_what_was_paid_before_asking_wechat_pay(client, fake_pay):
    owner, card, trade_no = await _card(client, fake_pay)
    # Money already out on this order (paid by hand at the station, recorded here).
    await Refund.create(
        card_id=card["id"],
        out_refund_no="RFmanual" + trade_no[-20:],
        amount_fen=15000,
        status="success",
        requested_at=datetime.now(UTC),
    )

    refused = await refund(client, owner, card["id"])

    assert_error(refused, 409, "conflict")
    assert (await card_of(client, owner, card["id"]))["status"] == "active"
    assert await paid_by_fake(fake_pay, trade_no) == []


async def test_the_fake_caps_refunds_at_the_amount_paid_and_pays_a_number_once(client, fake_pay):
    _, _, trade_no = await _card(client, fake_pay)
    pay = resources.pay()
    first = await pay.refund(
        out_trade_no=trade_no,
        out_refund_no="RFcap1" + trade_no[-20:],
        refund_fen=15000,
        total_fen=20000,
    )
    again = await pay.refund(
        out_trade_no=trade_no,
        out_refund_no="RFcap1" + trade_no[-20:],
        refund_fen=15000,
        total_fen=20000,
    )
    assert again["refund_id"] == first["refund_id"]
    try:
        await pay.refund(
            out_trade_no=trade_no,
            out_refund_no="RFcap2" + trade_no[-20:],
            refund_fen=6000,
            total_fen=20000,
        )
    except PayError as exc:
        assert (exc.status, exc.code) == (400, "INVALID_REQUEST")
    else:
        raise AssertionError("a refund beyond the amount paid was accepted")
    queried = await pay.query_refund(out_refund_no="RFcap1" + trade_no[-20:])
    assert queried["status"] == "SUCCESS"
    assert len(await paid_by_fake(fake_pay, trade_no)) == 1


async def test_an_unpaid_purchase_whose_notification_was_lost_is_found_by_the_job(client, fake_pay):
    admin, buyer = await make_user("admin"), await make_user()
    kind = await card_type(client, admin)
    purchase = await buy(client, buyer, kind["id"])
    await fake_post(fake_pay, "/stub/drop", {"count": 1})
    prepay_id = purchase["pay_params"]["package"].split("=", 1)[1]
    assert (await fake_post(fake_pay, "/confirm", {"prepay_id": prepay_id})).json()[
        "delivered"
    ] is False

    await payments.reconcile_unpaid(now=datetime.now(UTC) + LATER)

    assert (await card_of(client, buyer, purchase["card"]["id"]))["status"] == "active"
