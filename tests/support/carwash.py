"""Helpers for the car-wash tests: card types, purchases, paying through the fake."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.support import Actor


async def card_type(client: Any, admin: Actor, **overrides: Any) -> dict[str, Any]:
    body = {
        "name": f"测试洗车卡{uuid.uuid4().hex[:6]}",
        "washes": 10,
        "price_fen": 20000,
        "valid_days": 180,
        "per_user_limit": 1,
        **overrides,
    }
    response = await client.post(
        "/api/v1/admin/carwash/card-types", json=body, headers=admin.headers
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def buy(client: Any, buyer: Actor, type_id: int) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/carwash/purchases", json={"card_type_id": type_id}, headers=buyer.headers
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def fake_post(fake_pay: Any, path: str, body: dict[str, Any]) -> httpx.Response:
    """Real HTTP to the fake WeChat Pay (its delivery thread calls back into the app)."""
    async with httpx.AsyncClient(timeout=60) as http:
        return await http.post(fake_pay.url + path, json=body)


async def pay(fake_pay: Any, purchase: dict[str, Any]) -> dict[str, Any]:
    """What the stand-in does for wx.requestPayment: confirm the prepay id at the fake."""
    prepay_id = purchase["pay_params"]["package"].split("=", 1)[1]
    response = await fake_post(fake_pay, "/confirm", {"prepay_id": prepay_id})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def active_card(
    client: Any, fake_pay: Any, admin: Actor, buyer: Actor, **kw: Any
) -> dict[str, Any]:
    kind = await card_type(client, admin, **kw)
    purchase = await buy(client, buyer, kind["id"])
    assert (await pay(fake_pay, purchase))["delivered"] is True
    response = await client.get(
        f"/api/v1/carwash/cards/{purchase['card']['id']}", headers=buyer.headers
    )
    assert response.json()["status"] == "active", response.text
    return response.json()  # type: ignore[no-any-return]


async def signed(fake_pay: Any, **body: Any) -> dict[str, Any]:
    """A notification validly signed and encrypted by the fake, not sent."""
    response = await fake_post(fake_pay, "/stub/notification", body)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


REFUNDS = "/v3/refund/domestic/refunds"


async def refund(client: Any, owner: Actor, card_id: int) -> Any:
    return await client.post(f"/api/v1/carwash/cards/{card_id}/refund", headers=owner.headers)


async def card_of(client: Any, owner: Actor, card_id: int) -> dict[str, Any]:
    response = await client.get(f"/api/v1/carwash/cards/{card_id}", headers=owner.headers)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def answer_badly(fake_pay: Any, action: str, *, path: str = REFUNDS, count: int = 1) -> None:
    """The next `count` calls to `path` at the fake are answered late, dropped, lost or
    failed (see miniapp_stub/fake_wechatpay.py `/stub/answers`)."""
    response = await fake_post(
        fake_pay, "/stub/answers", {"path": path, "action": action, "count": count}
    )
    assert response.status_code == 200, response.text


async def paid_by_fake(fake_pay: Any, out_trade_no: str) -> list[dict[str, Any]]:
    """The refunds the fake WeChat Pay paid on one order (money out of the merchant)."""
    async with httpx.AsyncClient(timeout=60) as http:
        items = (await http.get(fake_pay.url + "/stub/refunds")).json()["items"]
    return [
        r
        for r in items
        if r["out_trade_no"] == out_trade_no and r["status"] in ("SUCCESS", "ABNORMAL")
    ]
