"""A fake WeChat Pay API v3 server, spoken to over real HTTP by wechatpayv3.

Public-key mode, like a merchant onboarded in 2025: at start-up it generates its own
platform key pair (`public_key_id` PUB_KEY_ID_FAKE…), a merchant key pair and an APIv3
key. In fake mode the backend fetches those merchant credentials from
`GET /stub/merchant` (test keys only, never real ones), so the real signing and
verifying code of wechatpayv3 runs end to end.

WeChat Pay endpoints (merchant request signature checked, responses signed):

- `POST /v3/pay/transactions/jsapi`                      → `{"prepay_id"}`
- `GET  /v3/pay/transactions/out-trade-no/{no}?mchid=`    → the order (trade_state …)
- `POST /v3/pay/transactions/out-trade-no/{no}/close`     → 204 (400 ORDERPAID if paid)
- `POST /v3/refund/domestic/refunds`                      → the refund (PROCESSING); its
                                                            REFUND.SUCCESS notification is
                                                            queued, due at once. The same
                                                            out_refund_no again answers the
                                                            same refund (nothing paid twice);
                                                            refunds of one order beyond the
                                                            amount paid: 400 INVALID_REQUEST
- `GET  /v3/refund/domestic/refunds/{out_refund_no}`      → the refund (SUCCESS, CLOSED,
                                                            ABNORMAL), 404 RESOURCE_NOT_EXISTS

What the stand-in front end calls instead of `wx.requestPayment`:

- `POST /confirm {"prepay_id"}` → the order is paid and its TRANSACTION.SUCCESS
  notification (AES-256-GCM resource, signed by the platform key) is delivered to the
  order's notify_url at once; a non-2xx answer (or a dropped attempt) is retried on
  WeChat's schedule (15 s, 15 s, 30 s, 3 min, 10 min, …).

Retries follow the fake's own clock, so tests never wait: `POST /stub/clock
{"advance": s}` moves it, `POST /stub/deliver` sends whatever is due. Run standalone
(or started with `ticker=True`) a thread does the same every second with real time.

Stub-only endpoints: `GET /stub/merchant`, `GET /stub/notifications`,
`POST /stub/notification` (sign a notification of your choice without sending it: for
tests of stale, wrong-amount or replayed notifications), `POST /stub/drop {"count"}`
(lose the next deliveries), `POST /stub/clock`, `POST /stub/deliver`, `GET /stub/health`,
`GET /stub/refunds` (every refund the fake paid: the money side of a balance check),
`POST /stub/refund-outcome {"status": "CLOSED"|"ABNORMAL"|"SUCCESS", "count"}` (how the
next refunds end), and `POST /stub/answers {"path", "method", "action", "count"}`: the next
`count` calls to that path prefix are answered badly, with `action` one of
`delay:SECONDS` (processed, then answered late: the caller's timeout fires while WeChat Pay
did the work), `drop` (processed, then the connection is closed unanswered), `lose` (closed
unanswered and NOT processed: the request never arrived) or `error:STATUS` (not processed,
answered `SYSTEM_ERROR` with that status). `DELETE`-like reset: `{"clear": true}`.

Run alone (its own process, so a test can SIGSTOP or kill it):
`python -m miniapp_stub.fake_wechatpay --port 9200 [--no-ticker]`.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import re
import secrets
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlparse

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from miniapp_stub.fake_wechat import FAKE_APPID

FAKE_MCHID = "1900000109"
SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
# WeChat Pay's notification retry schedule (seconds after the previous attempt).
RETRY_SCHEDULE = [15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800]
_CN = timezone(timedelta(hours=8))
_AUTH = re.compile(r'(\w+)="([^"]*)"')

Deliver = Callable[[str, dict[str, str], bytes], int]


def _pem_private(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _pem_public(key: rsa.RSAPublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def _sign(key: rsa.RSAPrivateKey, message: str) -> str:
    return base64.b64encode(
        key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())
    ).decode()


def http_deliver(url: str, headers: dict[str, str], body: bytes) -> int:
    """POST a notification over real HTTP; any failure counts as not delivered."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except OSError:
        return 0


class FakePayState:
    """Keys, orders, refunds and the notification outbox of the fake."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.platform_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.merchant_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.public_key_id = "PUB_KEY_ID_FAKE" + secrets.token_hex(8).upper()
        self.merchant_serial = secrets.token_hex(20).upper()
        self.apiv3_key = secrets.token_urlsafe(24)[:32]
        self.orders: dict[str, dict[str, Any]] = {}  # out_trade_no → order
        self.prepay: dict[str, str] = {}  # prepay_id → out_trade_no
        self.refunds: dict[str, dict[str, Any]] = {}  # out_refund_no → refund
        self.outbox: list[dict[str, Any]] = []
        self.offset = 0.0  # the fake clock: time.time() + offset
        self.drop = 0  # lose this many next delivery attempts
        self.refund_outcomes: list[str] = []  # how the next refunds end (default SUCCESS)
        self.answers: list[dict[str, Any]] = []  # armed bad answers, see take_answer
        self.deliver: Deliver = http_deliver

    def now(self) -> float:
        return time.time() + self.offset

    def merchant(self) -> dict[str, str]:
        return {
            "mchid": FAKE_MCHID,
            "appid": FAKE_APPID,
            "private_key": _pem_private(self.merchant_key),
            "cert_serial_no": self.merchant_serial,
            "apiv3_key": self.apiv3_key,
            "public_key": _pem_public(self.platform_key.public_key()),
            "public_key_id": self.public_key_id,
        }

    # --- signing ---------------------------------------------------------------------

    def signed_headers(self, body: str, *, timestamp: int | None = None) -> dict[str, str]:
        """Wechatpay-* headers of a response or notification, signed by the platform key."""
        stamp = str(int(self.now()) if timestamp is None else timestamp)
        nonce = secrets.token_hex(16)
        return {
            "Wechatpay-Timestamp": stamp,
            "Wechatpay-Nonce": nonce,
            "Wechatpay-Signature": _sign(self.platform_key, f"{stamp}\n{nonce}\n{body}\n"),
            "Wechatpay-Serial": self.public_key_id,
            "Wechatpay-Signature-Type": SIGNATURE_TYPE,
        }

    def verify_merchant(self, method: str, path: str, authorization: str, body: str) -> bool:
        """The merchant's request signature (WECHATPAY2-SHA256-RSA2048 over the request)."""
        if not authorization.startswith(SIGNATURE_TYPE + " "):
            return False
        parts = dict(_AUTH.findall(authorization))
        if parts.get("mchid") != FAKE_MCHID or parts.get("serial_no") != self.merchant_serial:
            return False
        message = f"{method}\n{path}\n{parts.get('timestamp')}\n{parts.get('nonce_str')}\n{body}\n"
        try:
            self.merchant_key.public_key().verify(
                base64.b64decode(parts.get("signature", "")),
                message.encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except (InvalidSignature, ValueError):
            return False
        return True

    # --- notifications ---------------------------------------------------------------

    def notification(
        self,
        *,
        event_type: str,
        resource: dict[str, Any],
        notification_id: str | None = None,
        timestamp: int | None = None,
    ) -> dict[str, Any]:
        """A notification as WeChat Pay sends it: encrypted resource, signed body."""
        original = "transaction" if event_type.startswith("TRANSACTION") else "refund"
        nonce = secrets.token_hex(6)  # 12 characters, used as bytes by AES-GCM
        plaintext = json.dumps(resource, ensure_ascii=False).encode()
        ciphertext = AESGCM(self.apiv3_key.encode()).encrypt(
            nonce.encode(), plaintext, original.encode()
        )
        created = datetime.fromtimestamp(self.now(), _CN).isoformat(timespec="seconds")
        body = json.dumps(
            {
                "id": notification_id or str(uuid.uuid4()),
                "create_time": created,
                "resource_type": "encrypt-resource",
                "event_type": event_type,
                "summary": "支付成功" if original == "transaction" else "退款成功",
                "resource": {
                    "original_type": original,
                    "algorithm": "AEAD_AES_256_GCM",
                    "ciphertext": base64.b64encode(ciphertext).decode(),
                    "associated_data": original,
                    "nonce": nonce,
                },
            },
            ensure_ascii=False,
        )
        headers = {
            "Content-Type": "application/json",
            **self.signed_headers(body, timestamp=timestamp),
        }
        return {"headers": headers, "body": body}

    def queue(self, *, url: str, event_type: str, resource: dict[str, Any]) -> dict[str, Any]:
        entry = {
            "id": str(uuid.uuid4()),
            "url": url,
            "event_type": event_type,
            "resource": resource,
            "attempts": 0,
            "statuses": [],
            "delivered": False,
            "due": self.now(),
        }
        with self.lock:
            self.outbox.append(entry)
        return entry

    def attempt(self, entry: dict[str, Any]) -> bool:
        """One delivery attempt (fresh timestamp and signature, the same notification id)."""
        signed = self.notification(
            event_type=entry["event_type"], resource=entry["resource"], notification_id=entry["id"]
        )
        with self.lock:
            dropped = self.drop > 0
            if dropped:
                self.drop -= 1
        status = (
            0 if dropped else self.deliver(entry["url"], signed["headers"], signed["body"].encode())
        )
        with self.lock:
            entry["attempts"] += 1
            entry["statuses"].append(status)
            entry["last_headers"], entry["last_body"] = signed["headers"], signed["body"]
            if 200 <= status < 300:
                entry["delivered"] = True
            elif entry["attempts"] <= len(RETRY_SCHEDULE):
                entry["due"] = self.now() + RETRY_SCHEDULE[entry["attempts"] - 1]
            else:
                entry["due"] = None  # WeChat gives up
        return bool(entry["delivered"])

    def take_answer(self, method: str, path: str) -> str | None:
        """The bad answer armed for this call, if any (each arming counts down); the
        fake's own /stub controls always answer."""
        if path.startswith("/stub/"):
            return None
        with self.lock:
            for armed in self.answers:
                if method == armed["method"] and path.startswith(armed["path"]):
                    armed["count"] -= 1
                    if armed["count"] <= 0:
                        self.answers.remove(armed)
                    return str(armed["action"])
        return None

    def refunded_of(self, out_trade_no: str) -> int:
        """Fen refunded (or being refunded) on one order: what the cap counts."""
        return sum(
            r["amount"]["refund"]
            for r in self.refunds.values()
            if r["out_trade_no"] == out_trade_no and r["status"] != "CLOSED"
        )

    def deliver_due(self) -> int:
        """Send every notification whose (re)try is due on the fake clock."""
        with self.lock:
            due = [
                e
                for e in self.outbox
                if not e["delivered"] and e["due"] is not None and e["due"] <= self.now()
            ]
        return sum(1 for entry in due if self.attempt(entry))


class Handler(BaseHTTPRequestHandler):
    server: FakePayServer
    protocol_version = "HTTP/1.1"
    _bad_answer: str | None = None
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        """Silent."""

    @property
    def state(self) -> FakePayState:
        return self.server.state

    def _send(self, body: Any, status: int = 200, *, signed: bool = False) -> None:
        payload = "" if body is None else json.dumps(body, ensure_ascii=False)
        bad, self._bad_answer = self._bad_answer, None
        if bad == "drop":  # the work is done; the caller never hears of it
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if bad is not None and bad.startswith("delay:"):
            time.sleep(float(bad.split(":", 1)[1]))  # a late answer (its own thread)
        self.send_response(status)
        headers = self.state.signed_headers(payload) if signed else {}
        if payload:
            headers["Content-Type"] = "application/json; charset=utf-8"
        headers["Access-Control-Allow-Origin"] = "*"
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload.encode())))
        self.end_headers()
        self.wfile.write(payload.encode())

    def _error(self, status: int, code: str, message: str) -> None:
        self._send({"code": code, "message": message}, status)

    def _raw_body(self) -> str:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length).decode() if length else ""

    def _merchant_call(self, method: str) -> tuple[bool, str]:
        body = self._raw_body()
        ok = self.state.verify_merchant(
            method, self.path, self.headers.get("Authorization", ""), body
        )
        if not ok:
            self._error(401, "SIGN_ERROR", "签名错误")
        return ok, body

    def do_OPTIONS(self) -> None:  # the H5 stand-in calls /confirm from another origin
        self.send_response(204)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Methods", "POST, GET, OPTIONS")
        self.send_header("Access-Control-Allow-Headers", "Content-Type")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def handle_one_request(self) -> None:
        """Armed bad answers (`/stub/answers`) act around the real handling."""
        self._bad_answer = None
        super().handle_one_request()

    def _before(self, method: str) -> bool:
        """False when the call must not be processed (lost or failed on the way in)."""
        action = self.state.take_answer(method, urlparse(self.path).path)
        if action is None:
            return True
        if action == "lose":
            self._raw_body()
            self.close_connection = True
            self.wfile.flush()
            self.connection.shutdown(2)
            return False
        if action.startswith("error:"):
            self._raw_body()
            self._error(int(action.split(":", 1)[1]), "SYSTEM_ERROR", "系统错误")
            return False
        self._bad_answer = action  # delay:S or drop: acts on the answer, after the work
        return True

    def do_GET(self) -> None:
        if not self._before("GET"):
            return None
        url = urlparse(self.path)
        if url.path.startswith("/v3/refund/domestic/refunds/"):
            ok, _ = self._merchant_call("GET")
            if not ok:
                return None
            with self.state.lock:
                refund = self.state.refunds.get(url.path.rsplit("/", 1)[1])
                view = dict(refund) if refund else None
            if view is None:
                return self._error(404, "RESOURCE_NOT_EXISTS", "退款单不存在")
            return self._send(view, signed=True)
        if url.path == "/stub/refunds":
            with self.state.lock:
                items = [dict(r) for r in self.state.refunds.values()]
            return self._send({"items": items})
        if url.path.startswith("/v3/pay/transactions/out-trade-no/"):
            ok, _ = self._merchant_call("GET")
            if not ok:
                return None
            order = self.state.orders.get(url.path.rsplit("/", 1)[1])
            if order is None:
                return self._error(404, "ORDER_NOT_EXIST", "订单不存在")
            return self._send(_order_view(order), signed=True)
        if url.path == "/stub/merchant":
            return self._send(self.state.merchant())
        if url.path == "/stub/notifications":
            with self.state.lock:
                items = [dict(e) for e in self.state.outbox]
            return self._send({"items": items})
        if url.path == "/stub/health":
            return self._send({"status": "ok"})
        self._error(404, "NOT_FOUND", "not found")

    def do_POST(self) -> None:
        if not self._before("POST"):
            return None
        url = urlparse(self.path)
        if url.path == "/v3/pay/transactions/jsapi":
            return self._create_order()
        if url.path.startswith("/v3/pay/transactions/out-trade-no/") and url.path.endswith(
            "/close"
        ):
            return self._close_order(url.path.split("/")[-2])
        if url.path == "/v3/refund/domestic/refunds":
            return self._refund()
        stub = {
            "/confirm": self._confirm,
            "/stub/notification": self._sign_notification,
            "/stub/drop": self._drop,
            "/stub/clock": self._clock,
            "/stub/deliver": self._deliver,
            "/stub/refund-outcome": self._refund_outcome,
            "/stub/answers": self._answers,
        }.get(url.path)
        if stub is not None:
            return stub(json.loads(self._raw_body() or "{}"))
        self._error(404, "NOT_FOUND", "not found")

    # --- WeChat Pay ------------------------------------------------------------------

    def _create_order(self) -> None:
        ok, raw = self._merchant_call("POST")
        if not ok:
            return None
        body = json.loads(raw or "{}")
        if body.get("mchid") != FAKE_MCHID or body.get("appid") != FAKE_APPID:
            return self._error(400, "PARAM_ERROR", "appid 与 mchid 不匹配")
        total = (body.get("amount") or {}).get("total")
        if not isinstance(total, int) or total <= 0 or not body.get("notify_url"):
            return self._error(400, "PARAM_ERROR", "参数错误")
        no = str(body.get("out_trade_no", ""))
        with self.state.lock:
            order = self.state.orders.get(no)
            if order is None:
                order = self.state.orders[no] = {
                    "out_trade_no": no,
                    "appid": body["appid"],
                    "mchid": body["mchid"],
                    "amount": total,
                    "openid": (body.get("payer") or {}).get("openid", ""),
                    "notify_url": body["notify_url"],
                    "prepay_id": "wx" + secrets.token_hex(16),
                    "trade_state": "NOTPAY",
                    "transaction_id": None,
                    "success_time": None,
                }
                self.state.prepay[order["prepay_id"]] = no
        self._send({"prepay_id": order["prepay_id"]}, signed=True)

    def _close_order(self, no: str) -> None:
        ok, _ = self._merchant_call("POST")
        if not ok:
            return None
        with self.state.lock:
            order = self.state.orders.get(no)
            if order is None:
                return self._error(404, "ORDER_NOT_EXIST", "订单不存在")
            if order["trade_state"] == "SUCCESS":
                return self._error(400, "ORDERPAID", "订单已支付")
            order["trade_state"] = "CLOSED"
        self._send(None, 204, signed=True)

    def _refund(self) -> None:
        ok, raw = self._merchant_call("POST")
        if not ok:
            return None
        body = json.loads(raw or "{}")
        with self.state.lock:
            no = str(body.get("out_refund_no", ""))
            refund = self.state.refunds.get(no)
            if refund is not None:  # the same refund number: the same refund, paid once
                return self._send(refund, signed=True)
            order = self.state.orders.get(str(body.get("out_trade_no", "")))
            amount = body.get("amount") or {}
            if order is None or order["trade_state"] != "SUCCESS":
                return self._error(400, "INVALID_REQUEST", "订单未支付")
            if (
                amount.get("total") != order["amount"]
                or not 0 < amount.get("refund", 0) <= order["amount"]
            ):
                return self._error(400, "PARAM_ERROR", "退款金额错误")
            if self.state.refunded_of(order["out_trade_no"]) + amount["refund"] > order["amount"]:
                return self._error(400, "INVALID_REQUEST", "申请退款金额超过订单可退金额")
            outcome = self.state.refund_outcomes.pop(0) if self.state.refund_outcomes else "SUCCESS"
            refund = self.state.refunds[no] = {
                "refund_id": "50" + secrets.token_hex(14),
                "out_refund_no": no,
                "out_trade_no": order["out_trade_no"],
                "transaction_id": order["transaction_id"],
                "channel": "ORIGINAL",
                "user_received_account": "支付用户零钱",
                "create_time": _iso(self.state.now()),
                "amount": {
                    "refund": amount["refund"],
                    "total": order["amount"],
                    "payer_refund": amount["refund"],
                    "payer_total": order["amount"],
                    "currency": "CNY",
                },
                "status": "PROCESSING",
            }
            answer = dict(refund)
            # The books settle at once; the caller is told PROCESSING, as WeChat Pay does.
            refund["status"] = outcome
            if outcome == "SUCCESS":
                refund["success_time"] = _iso(self.state.now())
            resource = {
                "mchid": FAKE_MCHID,
                "out_trade_no": order["out_trade_no"],
                "transaction_id": order["transaction_id"],
                "out_refund_no": no,
                "refund_id": refund["refund_id"],
                "refund_status": outcome,
                "success_time": _iso(self.state.now()),
                "amount": refund["amount"],
                "user_received_account": "支付用户零钱",
            }
            url = body.get("notify_url") or order["notify_url"]
            self.state.queue(url=url, event_type=f"REFUND.{outcome}", resource=resource)
        self._send(answer, signed=True)

    # --- the stand-in's "payment" and stub controls ----------------------------------

    def _confirm(self, body: dict[str, Any]) -> None:
        with self.state.lock:
            no = self.state.prepay.get(str(body.get("prepay_id", "")))
            order = self.state.orders.get(no) if no else None
            if order is None:
                return self._error(404, "ORDER_NOT_EXIST", "预支付交易单不存在")
            if order["trade_state"] != "NOTPAY":
                return self._error(400, "ORDER_CLOSED", f"订单状态为 {order['trade_state']}")
            order["trade_state"] = "SUCCESS"
            order["transaction_id"] = "42" + secrets.token_hex(13)
            order["success_time"] = _iso(self.state.now())
            entry = self.state.queue(
                url=order["notify_url"],
                event_type="TRANSACTION.SUCCESS",
                resource=_order_view(order),
            )
        delivered = self.state.attempt(entry)
        self._send({"ok": True, "out_trade_no": no, "delivered": delivered})

    def _sign_notification(self, body: dict[str, Any]) -> None:
        """Tests: a validly signed notification of any content (nothing is sent)."""
        order = self.state.orders.get(str(body.get("out_trade_no", "")))
        resource = dict(_order_view(order)) if order else {}
        resource.update(body.get("resource") or {})
        signed = self.state.notification(
            event_type=body.get("event_type", "TRANSACTION.SUCCESS"),
            resource=resource,
            notification_id=body.get("id"),
            timestamp=body.get("timestamp"),
        )
        self._send(signed)

    def _drop(self, body: dict[str, Any]) -> None:
        with self.state.lock:
            self.state.drop = int(body.get("count", 1))
        self._send({"ok": True})

    def _refund_outcome(self, body: dict[str, Any]) -> None:
        status = str(body.get("status", "SUCCESS"))
        if status not in ("SUCCESS", "CLOSED", "ABNORMAL"):
            return self._error(400, "PARAM_ERROR", "status")
        with self.state.lock:
            self.state.refund_outcomes = [status] * int(body.get("count", 1))
        self._send({"ok": True})

    def _answers(self, body: dict[str, Any]) -> None:
        """Arm (or clear) bad answers for the next calls to one path prefix."""
        with self.state.lock:
            if body.get("clear"):
                self.state.answers.clear()
                return self._send({"ok": True})
        action = str(body.get("action", ""))
        kind = action.partition(":")[0]
        if kind not in ("delay", "drop", "lose", "error"):
            return self._error(400, "PARAM_ERROR", "action: delay:S | drop | lose | error:S")
        armed = {
            "path": str(body.get("path", "/")),
            "method": str(body.get("method", "POST")).upper(),
            "action": action,
            "count": int(body.get("count", 1)),
        }
        with self.state.lock:
            self.state.answers.append(armed)
        self._send({"ok": True})

    def _clock(self, body: dict[str, Any]) -> None:
        with self.state.lock:
            self.state.offset += float(body.get("advance", 0))
        self._send({"now": self.state.now()})

    def _deliver(self, body: dict[str, Any]) -> None:
        self._send({"delivered": self.state.deliver_due()})


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, _CN).isoformat(timespec="seconds")


def _order_view(order: dict[str, Any]) -> dict[str, Any]:
    """The transaction as the order query and the payment notification show it."""
    view: dict[str, Any] = {
        "appid": order["appid"],
        "mchid": order["mchid"],
        "out_trade_no": order["out_trade_no"],
        "trade_state": order["trade_state"],
        "trade_state_desc": {"SUCCESS": "支付成功", "NOTPAY": "未支付", "CLOSED": "已关闭"}.get(
            order["trade_state"], ""
        ),
        "trade_type": "JSAPI",
        "amount": {"total": order["amount"], "currency": "CNY"},
        "payer": {"openid": order["openid"]},
    }
    if order["trade_state"] == "SUCCESS":
        view["transaction_id"] = order["transaction_id"]
        view["success_time"] = order["success_time"]
        view["bank_type"] = "OTHERS"
        view["amount"].update(payer_total=order["amount"], payer_currency="CNY")
    return view


class FakePayServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Silent: a dropped or lost answer (or a caller that gave up) is expected here."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__((host, port), Handler)
        self.state = FakePayState()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


def _tick(server: FakePayServer) -> None:
    while True:
        time.sleep(1)
        with contextlib.suppress(Exception):
            server.state.deliver_due()


def start_in_thread(
    host: str = "127.0.0.1", port: int = 0, *, ticker: bool = False
) -> FakePayServer:
    """Start the fake on a free loopback port in a daemon thread. `ticker` retries
    due notifications every second of real time (development); tests drive the clock."""
    server = FakePayServer(host, port)
    threading.Thread(target=server.serve_forever, name="fake-wechatpay", daemon=True).start()
    if ticker:
        threading.Thread(
            target=_tick, args=(server,), name="fake-wechatpay-retry", daemon=True
        ).start()
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description="Fake WeChat Pay v3 for 勤e家 development")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9200)
    parser.add_argument(
        "--no-ticker", action="store_true", help="deliver only on POST /stub/deliver (tests)"
    )
    args = parser.parse_args()
    server = FakePayServer(args.host, args.port)
    if not args.no_ticker:
        threading.Thread(target=_tick, args=(server,), daemon=True).start()
    print(f"fake WeChat Pay listening on {server.url}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


if __name__ == "__main__":
    main()
