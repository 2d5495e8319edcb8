"""WeChat Pay API v3 through wechatpayv3 (AsyncWeChatPay, public-key mode).

The one place that knows the library's quirks:
- its gateway is hard-coded (`_gate_way` on the core object): `_point_at` redirects it
  to the fake WeChat Pay of miniapp_stub/ in development and tests — nowhere else;
- `callback()` is synchronous, raises a bare `Exception` when the signature-type header
  is missing, and checks neither the timestamp nor replays: `verify_notification` wraps
  it, checks the timestamp, and leaves replays to the caller (the notification id is
  processed once under a row lock in services/carwash/payments.py);
- the sync and async `WeChatPayType` enums are different classes: the async one is used.

Services reach the gateway through `server.resources.pay()`; nothing here imports Sanic.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from wechatpayv3.async_ import AsyncWeChatPay
from wechatpayv3.async_.type import WeChatPayType

from server.config import PaySettings

log = logging.getLogger("wechatpay")

NOTIFY_MAX_SKEW_S = 300  # a notification older (or newer) than 5 minutes is refused


class PayError(Exception):
    """WeChat Pay answered with an error (or could not be reached: status 0)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"WeChat Pay {status} {code}: {message}")
        self.status = status
        self.code = code


class NotificationRejected(Exception):
    """A notification that must change nothing: bad signature, stale, undecryptable."""


@dataclass(frozen=True)
class Credentials:
    mchid: str
    appid: str
    private_key: str
    cert_serial_no: str
    apiv3_key: str
    public_key: str
    public_key_id: str


async def fake_credentials(api_base: str) -> Credentials:
    """The fake's generated test merchant (development and tests only)."""
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.get(api_base.rstrip("/") + "/stub/merchant")
        response.raise_for_status()
        return Credentials(**response.json())


def real_credentials(pay: PaySettings, appid: str) -> Credentials:
    assert pay.mchid and pay.private_key_file and pay.public_key_file
    return Credentials(
        mchid=pay.mchid,
        appid=appid,
        private_key=Path(pay.private_key_file).read_text(),
        cert_serial_no=pay.cert_serial_no or "",
        apiv3_key=pay.apiv3_key or "",
        public_key=Path(pay.public_key_file).read_text(),
        public_key_id=pay.public_key_id or "",
    )


class PayGateway:
    """The async face of wechatpayv3 used by services/carwash."""

    def __init__(
        self,
        credentials: Credentials,
        *,
        notify_url: str,
        api_base: str | None,
        read_timeout_s: float = 10.0,
    ) -> None:
        self.mchid = credentials.mchid
        self.appid = credentials.appid
        self.notify_url = notify_url
        self.api_base = api_base
        self._client = AsyncWeChatPay(
            wechatpay_type=WeChatPayType.MINIPROG,
            mchid=credentials.mchid,
            private_key=credentials.private_key,
            cert_serial_no=credentials.cert_serial_no,
            appid=credentials.appid,
            apiv3_key=credentials.apiv3_key,
            notify_url=notify_url,
            public_key=credentials.public_key,
            public_key_id=credentials.public_key_id,
            timeout=(5, read_timeout_s),
        )
        if api_base:
            self._point_at(api_base)

    def _point_at(self, api_base: str) -> None:
        """THE redirect to the fake: wechatpayv3 has no base-URL option (pinned 2.0.4)."""
        self._client._core._gate_way = api_base.rstrip("/")

    async def __aenter__(self) -> PayGateway:
        await self._client.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._client.__aexit__(None, None, None)

    async def _call(self, method: Any, **kwargs: Any) -> tuple[int, dict[str, Any]]:
        try:
            status, text = await method(**kwargs)
        except httpx.HTTPError as exc:
            raise PayError(0, type(exc).__name__, "微信支付暂时无法连接") from None
        except Exception as exc:  # noqa: BLE001 - wechatpayv3 raises bare Exception (bad signature)
            raise PayError(0, "SIGN_ERROR", str(exc)) from None
        body: dict[str, Any] = json.loads(text) if isinstance(text, str) and text else {}
        if not 200 <= status < 300:
            raise PayError(status, str(body.get("code", "")), str(body.get("message", "")))
        return status, body

    async def create_order(
        self, *, out_trade_no: str, description: str, amount_fen: int, openid: str, expire: datetime
    ) -> str:
        """A JSAPI (mini-program) order; returns the prepay id."""
        _, body = await self._call(
            self._client.pay,
            description=description,
            out_trade_no=out_trade_no,
            amount={"total": amount_fen, "currency": "CNY"},
            payer={"openid": openid},
            time_expire=expire.isoformat(timespec="seconds"),
            pay_type=WeChatPayType.MINIPROG,
        )
        return str(body["prepay_id"])

    def pay_params(self, prepay_id: str) -> dict[str, str]:
        """The arguments of `wx.requestPayment`, signed with the merchant key."""
        timestamp = str(int(time.time()))
        nonce = secrets.token_hex(16)
        package = f"prepay_id={prepay_id}"
        sign = self._client.sign([self.appid, timestamp, nonce, package])
        return {
            "timeStamp": timestamp,
            "nonceStr": nonce,
            "package": package,
            "signType": "RSA",
            "paySign": sign,
        }

    async def query_order(self, *, out_trade_no: str) -> dict[str, Any]:
        """The order as WeChat Pay holds it (the response signature is verified)."""
        _, body = await self._call(self._client.query, out_trade_no=out_trade_no)
        return body

    async def close_order(self, *, out_trade_no: str) -> None:
        await self._call(self._client.close, out_trade_no=out_trade_no)

    async def refund(
        self, *, out_trade_no: str, out_refund_no: str, refund_fen: int, total_fen: int
    ) -> dict[str, Any]:
        _, body = await self._call(
            self._client.refund,
            out_refund_no=out_refund_no,
            out_trade_no=out_trade_no,
            amount={"refund": refund_fen, "total": total_fen, "currency": "CNY"},
            reason="洗车卡退款",
        )
        return body

    async def query_refund(self, *, out_refund_no: str) -> dict[str, Any]:
        """The refund as WeChat Pay holds it (SUCCESS, CLOSED, PROCESSING, ABNORMAL); a
        refund it never received is PayError 404 RESOURCE_NOT_EXISTS."""
        _, body = await self._call(self._client.query_refund, out_refund_no=out_refund_no)
        return body

    def verify_notification(
        self, *, headers: dict[str, str], body: bytes, now: datetime
    ) -> dict[str, Any]:
        """The decrypted notification, or NotificationRejected.

        The signature covers the timestamp, so a verified timestamp may be trusted: one
        more than 5 minutes from now is a replay of an old capture (or a wrong clock).
        """
        lowered = {k.lower(): v for k, v in headers.items()}
        try:
            result = self._client.callback(lowered, body)
        except Exception as exc:  # noqa: BLE001 - bare Exception: missing signature type, bad JSON
            raise NotificationRejected(f"unverifiable: {exc}") from None
        if not result:
            raise NotificationRejected("bad signature or undecryptable resource")
        try:
            stamp = int(lowered.get("wechatpay-timestamp", ""))
        except ValueError:
            raise NotificationRejected("bad timestamp") from None
        if abs(now.timestamp() - stamp) > NOTIFY_MAX_SKEW_S:
            raise NotificationRejected(f"stale timestamp {stamp}")
        if not isinstance(result, dict) or not isinstance(result.get("resource"), dict):
            raise NotificationRejected("no resource")
        return result
