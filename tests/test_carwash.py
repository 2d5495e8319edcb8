"""Car-wash cards over HTTP (API.md §8): buy → fake pay → verified notification → active
card → code → the attendant redeems → report; refunds; the notification's security."""

from __future__ import annotations

import asyncio
import base64
from datetime import UTC, datetime, timedelta

import openpyxl
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from models.carwash import Card, PayNotification, Wash
from models.notifications import Notice
from services.carwash import payments
from tests.support import assert_error, make_user
from tests.support.carwash import active_card, buy, card_type, fake_post, pay, signed

NOTIFY = "/api/v1/pay/wechat/notify"


def at(moment: datetime) -> dict[str, str]:
    return {"X-Test-Now": moment.isoformat()}


async def test_buy_pay_redeem_report(client, fake_pay):
    admin, buyer, attendant = (
        await make_user("admin"),
        await make_user(),
        await make_user("carwash"),
    )
    month = datetime.now(UTC).astimezone().strftime("%Y-%m")
    before = (
        await client.get(f"/api/v1/admin/carwash/report?month={month}", headers=admin.headers)
    ).json()
    kind = await card_type(client, admin, washes=10, price_fen=20000)
    listed = await client.get("/api/v1/carwash/card-types", headers=buyer.headers)
    assert kind["id"] in [t["id"] for t in listed.json()["items"]]

    purchase = await buy(client, buyer, kind["id"])
    assert purchase["card"]["status"] == "pending_payment"
    assert purchase["amount_fen"] == 20000
    params = purchase["pay_params"]
    assert params["package"].startswith("prepay_id=") and params["signType"] == "RSA"
    # paySign is the merchant's RSA signature over appid, timeStamp, nonceStr, package.
    merchant = await fake_pay_merchant(fake_pay)
    key = serialization.load_pem_private_key(merchant["private_key"].encode(), None).public_key()
    message = (
        "\n".join([merchant["appid"], params["timeStamp"], params["nonceStr"], params["package"]])
        + "\n"
    )
    key.verify(
        base64.b64decode(params["paySign"]), message.encode(), padding.PKCS1v15(), hashes.SHA256()
    )

    # Nothing the client says activates the card: it is pending until WeChat Pay notifies.
    status = await client.get(
        f"/api/v1/carwash/purchases/{purchase['out_trade_no']}", headers=buyer.headers
    )
    assert status.json()["status"] == "pending"
    assert (await pay(fake_pay, purchase))["delivered"] is True
    status = await client.get(
        f"/api/v1/carwash/purchases/{purchase['out_trade_no']}", headers=buyer.headers
    )
    assert status.json()["status"] == "paid"
    card = status.json()["card"]
    assert card["status"] == "active" and card["washes_left"] == 10 and card["expires_at"]
    assert await Notice.filter(user_id=buyer.user_id, kind="carwash_paid").count() == 1

    code = (
        await client.post(f"/api/v1/carwash/cards/{card['id']}/code", headers=buyer.headers)
    ).json()
    assert len(code["code"]) >= 22
    png = await client.get(f"/api/v1/carwash/cards/{card['id']}/code.png", headers=buyer.headers)
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    staff_try = await client.post(
        "/api/v1/carwash/redeem", json={"code": code["code"]}, headers=buyer.headers
    )
    assert_error(staff_try, 403, "forbidden")
    redeemed = await client.post(
        "/api/v1/carwash/redeem",
        json={"code": code["code"], "plate": "粤B12345"},
        headers=attendant.headers,
    )
    assert redeemed.status_code == 200, redeemed.text
    assert redeemed.json()["card"]["washes_left"] == 9
    again = await client.post(
        "/api/v1/carwash/redeem", json={"code": code["code"]}, headers=attendant.headers
    )
    assert_error(again, 404, "not_found")
    detail = (await client.get(f"/api/v1/carwash/cards/{card['id']}", headers=buyer.headers)).json()
    assert [r["plate"] for r in detail["redemptions"]] == ["粤B12345"]

    after = (
        await client.get(f"/api/v1/admin/carwash/report?month={month}", headers=admin.headers)
    ).json()
    assert after["cards_sold"] == before["cards_sold"] + 1
    assert after["revenue_fen"] == before["revenue_fen"] + 20000
    assert after["washes"] == before["washes"] + 1
    xlsx = await client.get(
        f"/api/v1/admin/carwash/report?month={month}&format=xlsx", headers=admin.headers
    )
    assert xlsx.status_code == 200 and "spreadsheetml" in xlsx.headers["content-type"]
    import io

    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert book["汇总"]["B5"].value == after["washes"]
    forbidden = await client.get(
        f"/api/v1/admin/carwash/report?month={month}", headers=buyer.headers
    )
    assert_error(forbidden, 403, "forbidden")


async def fake_pay_merchant(fake_pay):
    return fake_pay.state.merchant()


async def test_others_cannot_see_or_use_my_card(client, fake_pay):
    admin, owner, other = await make_user("admin"), await make_user(), await make_user()
    card = await active_card(client, fake_pay, admin, owner)
    for path in (
        f"/api/v1/carwash/cards/{card['id']}",
        f"/api/v1/carwash/cards/{card['id']}/code.png",
    ):
        assert_error(await client.get(path, headers=other.headers), 404, "not_found")
    assert_error(
        await client.post(f"/api/v1/carwash/cards/{card['id']}/code", headers=other.headers),
        404,
        "not_found",
    )
    assert_error(
        await client.post(f"/api/v1/carwash/cards/{card['id']}/refund", headers=other.headers),
        404,
        "not_found",
    )
    assert_error(
        await client.post("/api/v1/carwash/cards/99999999999/code", headers=owner.headers),
        404,
        "not_found",
    )
    purchases = await client.get("/api/v1/carwash/purchases/CW" + "0" * 30, headers=owner.headers)
    assert_error(purchases, 404, "not_found")


async def test_per_user_limit(client, fake_pay):
    admin, buyer = await make_user("admin"), await make_user()
    kind = await card_type(client, admin, per_user_limit=1)
    results = await asyncio.gather(
        *[
            client.post(
                "/api/v1/carwash/purchases",
                json={"card_type_id": kind["id"]},
                headers=buyer.headers,
            )
            for _ in range(5)
        ]
    )
    assert sorted(r.status_code for r in results) == [201, 409, 409, 409, 409]
    assert_error(next(r for r in results if r.status_code == 409), 409, "limit_reached")
    assert await Card.filter(owner_id=buyer.user_id, type_id=kind["id"]).count() == 1


async def test_refund_blocks_redemption_until_verified_refund(client, fake_pay):
    admin, owner, attendant = (
        await make_user("admin"),
        await make_user(),
        await make_user("carwash"),
    )
    card = await active_card(client, fake_pay, admin, owner, washes=10, price_fen=19999)
    code = (
        await client.post(f"/api/v1/carwash/cards/{card['id']}/code", headers=owner.headers)
    ).json()
    assert (
        await client.post(
            "/api/v1/carwash/redeem", json={"code": code["code"]}, headers=attendant.headers
        )
    ).status_code == 200
    code = (
        await client.post(f"/api/v1/carwash/cards/{card['id']}/code", headers=owner.headers)
    ).json()

    refund = await client.post(f"/api/v1/carwash/cards/{card['id']}/refund", headers=owner.headers)
    assert refund.status_code == 202, refund.text
    assert refund.json()["status"] == "refunding"
    assert refund.json()["refund_fen"] == 19999 * 9 // 10
    blocked = await client.post(
        "/api/v1/carwash/redeem", json={"code": code["code"]}, headers=attendant.headers
    )
    assert assert_error(blocked, 409, "invalid_state")["details"]["state"] == "refunding"
    assert_error(
        await client.post(f"/api/v1/carwash/cards/{card['id']}/refund", headers=owner.headers),
        409,
        "invalid_state",
    )

    delivered = await fake_post(fake_pay, "/stub/deliver", {})
    assert delivered.json()["delivered"] >= 1
    final = (await client.get(f"/api/v1/carwash/cards/{card['id']}", headers=owner.headers)).json()
    assert final["status"] == "refunded" and final["washes_left"] == 9
    assert await Notice.filter(user_id=owner.user_id, kind="carwash_refunded").count() == 1


async def test_forged_stale_mismatched_and_replayed_notifications_change_nothing(client, fake_pay):
    admin, buyer = await make_user("admin"), await make_user()
    kind = await card_type(client, admin, price_fen=5000)
    purchase = await buy(client, buyer, kind["id"])
    no = purchase["out_trade_no"]
    success = {"trade_state": "SUCCESS", "transaction_id": "4200000000forged"}

    async def card_status() -> str:
        return (await Card.get(out_trade_no=no)).status

    good = await signed(fake_pay, out_trade_no=no, resource=success)
    # forged: the body changed after signing
    forged_body = good["body"].replace(
        '"event_type": "TRANSACTION.SUCCESS"', '"event_type": "TRANSACTION.SUCCESS" '
    )
    forged = await client.post(NOTIFY, content=forged_body.encode(), headers=good["headers"])
    assert forged.status_code == 401 and forged.json() == {
        "code": "FAIL",
        "message": "签名验证失败",
    }
    # no signature-type header: the library's bare Exception is caught → 401
    headers = {k: v for k, v in good["headers"].items() if k != "Wechatpay-Signature-Type"}
    assert (
        await client.post(NOTIFY, content=good["body"].encode(), headers=headers)
    ).status_code == 401
    # not signed at all
    assert (await client.post(NOTIFY, json={"id": "x"})).status_code == 401
    # stale: validly signed six minutes ago
    stale = await signed(
        fake_pay,
        out_trade_no=no,
        resource=success,
        timestamp=int(datetime.now(UTC).timestamp()) - 360,
    )
    assert (
        await client.post(NOTIFY, content=stale["body"].encode(), headers=stale["headers"])
    ).status_code == 401
    # signed, but the amount (or the merchant) does not match the purchase
    for override in (
        {"amount": {"total": 1, "currency": "CNY"}},
        {"mchid": "1234567890"},
        {"appid": "wx_other"},
    ):
        wrong = await signed(fake_pay, out_trade_no=no, resource={**success, **override})
        answer = await client.post(NOTIFY, content=wrong["body"].encode(), headers=wrong["headers"])
        assert answer.status_code == 204
    assert await card_status() == "pending_payment"
    assert await PayNotification.filter(out_trade_no=no, outcome="applied").count() == 0

    # the genuine one activates; replaying it (same id) changes nothing
    assert (
        await client.post(NOTIFY, content=good["body"].encode(), headers=good["headers"])
    ).status_code == 204
    assert await card_status() == "active"
    expires = (await Card.get(out_trade_no=no)).expires_at
    replay = await client.post(NOTIFY, content=good["body"].encode(), headers=good["headers"])
    assert replay.status_code == 204
    assert (await Card.get(out_trade_no=no)).expires_at == expires
    assert await PayNotification.filter(out_trade_no=no, outcome="applied").count() == 1
    assert await Notice.filter(user_id=buyer.user_id, kind="carwash_paid").count() == 1


async def test_concurrent_notifications_activate_once(client, fake_pay):
    admin, buyer = await make_user("admin"), await make_user()
    kind = await card_type(client, admin)
    purchase = await buy(client, buyer, kind["id"])
    success = {"trade_state": "SUCCESS", "transaction_id": "4200000000concurrent"}
    same = await signed(fake_pay, out_trade_no=purchase["out_trade_no"], resource=success)
    others = [
        await signed(fake_pay, out_trade_no=purchase["out_trade_no"], resource=success)
        for _ in range(9)
    ]
    batch = [same] * 11 + others
    answers = await asyncio.gather(
        *[client.post(NOTIFY, content=n["body"].encode(), headers=n["headers"]) for n in batch]
    )
    assert [a.status_code for a in answers] == [204] * 20
    card = await Card.get(out_trade_no=purchase["out_trade_no"])
    assert card.status == "active" and card.washes_left == card.washes_total
    assert await PayNotification.filter(out_trade_no=card.out_trade_no).count() == 10  # one per id
    assert (
        await PayNotification.filter(out_trade_no=card.out_trade_no, outcome="applied").count() == 1
    )
    assert await Notice.filter(user_id=buyer.user_id, kind="carwash_paid").count() == 1


async def test_twenty_tills_scan_one_code(client, fake_pay):
    admin, owner = await make_user("admin"), await make_user()
    tills = [await make_user("carwash") for _ in range(20)]
    card = await active_card(client, fake_pay, admin, owner, washes=3)
    code = (
        await client.post(f"/api/v1/carwash/cards/{card['id']}/code", headers=owner.headers)
    ).json()["code"]
    answers = await asyncio.gather(
        *[
            client.post("/api/v1/carwash/redeem", json={"code": code}, headers=t.headers)
            for t in tills
        ]
    )
    assert sorted(a.status_code for a in answers) == [200] + [404] * 19
    assert (await Card.get(id=card["id"])).washes_left == 2
    assert await Wash.filter(card_id=card["id"]).count() == 1


async def test_last_wash_uses_up_and_never_below_zero(client, fake_pay):
    admin, owner, attendant = (
        await make_user("admin"),
        await make_user(),
        await make_user("carwash"),
    )
    card = await active_card(client, fake_pay, admin, owner, washes=1)
    code = (
        await client.post(f"/api/v1/carwash/cards/{card['id']}/code", headers=owner.headers)
    ).json()["code"]
    done = await client.post(
        "/api/v1/carwash/redeem", json={"code": code}, headers=attendant.headers
    )
    assert done.json()["card"]["status"] == "used_up" and done.json()["card"]["washes_left"] == 0
    refused = await client.post(f"/api/v1/carwash/cards/{card['id']}/code", headers=owner.headers)
    assert assert_error(refused, 409, "invalid_state")["details"]["state"] == "used_up"


async def test_expired_and_voided_codes(client, fake_pay):
    admin, owner, attendant = (
        await make_user("admin"),
        await make_user(),
        await make_user("carwash"),
    )
    card = await active_card(client, fake_pay, admin, owner)
    t0 = datetime.now(UTC)
    old = (
        await client.post(
            f"/api/v1/carwash/cards/{card['id']}/code", headers=owner.with_headers(**at(t0))
        )
    ).json()
    expired = await client.post(
        "/api/v1/carwash/redeem",
        json={"code": old["code"]},
        headers=attendant.with_headers(**at(t0 + timedelta(seconds=61))),
    )
    assert_error(expired, 404, "not_found")
    first = (
        await client.post(f"/api/v1/carwash/cards/{card['id']}/code", headers=owner.headers)
    ).json()
    second = (
        await client.post(f"/api/v1/carwash/cards/{card['id']}/code", headers=owner.headers)
    ).json()
    voided = await client.post(
        "/api/v1/carwash/redeem", json={"code": first["code"]}, headers=attendant.headers
    )
    assert_error(voided, 404, "not_found")
    ok = await client.post(
        "/api/v1/carwash/redeem", json={"code": second["code"]}, headers=attendant.headers
    )
    assert ok.status_code == 200
    assert (await Card.get(id=card["id"])).washes_left == card["washes_left"] - 1


async def test_notification_retries_follow_the_fake_clock(client, fake_pay):
    admin, buyer = await make_user("admin"), await make_user()
    kind = await card_type(client, admin)
    purchase = await buy(client, buyer, kind["id"])
    await fake_post(fake_pay, "/stub/drop", {"count": 1})
    assert (await pay(fake_pay, purchase))["delivered"] is False
    card_id = purchase["card"]["id"]
    assert (await Card.get(id=card_id)).status == "pending_payment"
    await fake_post(fake_pay, "/stub/clock", {"advance": 10})
    await fake_post(fake_pay, "/stub/deliver", {})
    assert (await Card.get(id=card_id)).status == "pending_payment"  # retry due at 15 s
    await fake_post(fake_pay, "/stub/clock", {"advance": 6})
    await fake_post(fake_pay, "/stub/deliver", {})
    assert (await Card.get(id=card_id)).status == "active"
    await fake_post(fake_pay, "/stub/clock", {"advance": -16})


async def test_lost_notification_is_repaired_by_the_order_query(client, fake_pay):
    admin, buyer = await make_user("admin"), await make_user()
    kind = await card_type(client, admin)
    purchase = await buy(client, buyer, kind["id"])
    await fake_post(fake_pay, "/stub/drop", {"count": 1})
    await pay(fake_pay, purchase)
    url = f"/api/v1/carwash/purchases/{purchase['out_trade_no']}"
    soon = await client.get(
        url, headers=buyer.with_headers(**at(datetime.now(UTC) + timedelta(seconds=2)))
    )
    assert soon.json()["status"] == "pending"  # under 10 s: no query yet
    later = await client.get(
        url, headers=buyer.with_headers(**at(datetime.now(UTC) + timedelta(seconds=11)))
    )
    assert later.json()["status"] == "paid" and later.json()["card"]["status"] == "active"


async def test_unpaid_purchase_closed_after_30_minutes(client, fake_pay):
    admin, buyer = await make_user("admin"), await make_user()
    kind = await card_type(client, admin)
    purchase = await buy(client, buyer, kind["id"])
    assert await payments.close_unpaid(now=datetime.now(UTC) + timedelta(minutes=29)) == 0
    assert await payments.close_unpaid(now=datetime.now(UTC) + timedelta(minutes=31)) >= 1
    status = await client.get(
        f"/api/v1/carwash/purchases/{purchase['out_trade_no']}", headers=buyer.headers
    )
    assert status.json()["status"] == "closed"
    prepay_id = purchase["pay_params"]["package"].split("=", 1)[1]
    late = await fake_post(fake_pay, "/confirm", {"prepay_id": prepay_id})
    assert late.status_code == 400  # WeChat Pay refuses to pay a closed order


async def test_dev_wechat_names_the_fakes(client, fake_pay, fake_wechat):
    answer = await client.get("/api/v1/dev/wechat")
    assert answer.json() == {"api_base": fake_wechat.url, "pay_base": fake_pay.url}


async def test_a_card_past_its_expiry_takes_no_wash_before_the_job_runs(client, fake_pay):
    admin, owner, attendant = (
        await make_user("admin"),
        await make_user(),
        await make_user("carwash"),
    )
    card = await active_card(client, fake_pay, admin, owner, valid_days=1)
    expires = datetime.fromisoformat(card["expires_at"])
    shown = owner.with_headers(**at(expires - timedelta(seconds=30)))  # still valid then
    code = (await client.post(f"/api/v1/carwash/cards/{card['id']}/code", headers=shown)).json()
    late = at(expires + timedelta(seconds=1))  # the code's 60 s are not over yet
    refused = await client.post(
        "/api/v1/carwash/redeem",
        json={"code": code["code"]},
        headers=attendant.with_headers(**late),
    )
    assert assert_error(refused, 409, "invalid_state")["details"]["state"] == "expired"
    assert (await Card.get(id=card["id"])).washes_left == card["washes_left"]
