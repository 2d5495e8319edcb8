"""A fake WeChat API server, spoken to over real HTTP by wechatpy.

Serves the endpoints the backend uses, with WeChat's own request and response
shapes, so the real client code path runs in development and in tests:

- `GET  /cgi-bin/token`                     → an access token
- `GET  /sns/jscode2session`                → stable openid/unionid/session_key per code;
                                               code `invalid` → errcode 40029, `busy` → -1
- `POST /cgi-bin/message/subscribe/send`    → records the message (errcode 0)

and stub-only endpoints for tests:

- `GET    /stub/messages[?touser=]`         → what send received, oldest first
- `DELETE /stub/messages`                   → forget them
- `POST   /stub/failures` `{"touser", "errcode", "count"}` → the next `count` sends to
  that openid answer `errcode` (43101 = user refused, -1 = system busy, ...)
- `DELETE /stub/failures[?touser=]`        → drop injected failures not yet used
- `GET    /stub/health`

Like the real API, a subscribe message without `touser`, `template_id` or `data`
answers errcode 47003 (argument invalid) and is not recorded.

Run alone: `python -m miniapp_stub.fake_wechat --port 9100`.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

FAKE_APPID = "wx_fake_qinejia"
FAKE_SECRET = "fake-secret-for-the-stub-only"


class FakeWeChatState:
    """What the fake has received and the failures it was asked to inject."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages: list[dict[str, Any]] = []
        self.failures: dict[str, list[int]] = {}
        self.tokens_issued = 0
        self.arrived = threading.Condition(self.lock)

    def wait_for_messages(self, touser: str, count: int, timeout: float) -> bool:
        """Block (in a thread) until `count` messages reached `touser`; False on timeout.

        Lets a test of the running consumer wait for the arrival itself instead of
        sleeping for a guessed duration; the timeout only guards against a hang.
        """
        with self.arrived:
            return self.arrived.wait_for(
                lambda: sum(1 for m in self.messages if m["touser"] == touser) >= count, timeout
            )

    def next_failure(self, touser: str) -> int | None:
        with self.lock:
            queue = self.failures.get(touser)
            if queue:
                return queue.pop(0)
        return None


def _digest(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def identity_for_code(code: str) -> dict[str, str]:
    """The same code always maps to the same openid (API.md §2, offline WeChat)."""
    return {
        "openid": "o" + _digest("openid", code)[:27],
        "unionid": "u" + _digest("unionid", code)[:27],
        "session_key": _digest("session_key", code)[:24],
    }


class Handler(BaseHTTPRequestHandler):
    server: FakeWeChatServer
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; without TCP_NODELAY, Nagle plus the
    # client's delayed ACK add ~40 ms to every keep-alive request, which real WeChat
    # does not, and which would swamp any latency measured against the fake.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the stub's access log would print session keys of fake users."""

    def _send(self, body: Any, status: int = 200) -> None:
        payload = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _json_body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        return json.loads(raw.decode() or "null")

    def do_GET(self) -> None:
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        state = self.server.state
        if url.path == "/cgi-bin/token":
            if query.get("appid") != FAKE_APPID or query.get("secret") != FAKE_SECRET:
                return self._send({"errcode": 40013, "errmsg": "invalid appid"})
            with state.lock:
                state.tokens_issued += 1
            return self._send(
                {
                    "access_token": "fake-access-token-" + _digest(str(time.time()))[:16],
                    "expires_in": 7200,
                }
            )
        if url.path == "/sns/jscode2session":
            code = query.get("js_code", "")
            if not code or code == "invalid":
                return self._send({"errcode": 40029, "errmsg": "invalid code"})
            if code == "busy":
                return self._send({"errcode": -1, "errmsg": "system error"})
            return self._send(identity_for_code(code))
        if url.path == "/stub/messages":
            with state.lock:
                items = [
                    m for m in state.messages if m["touser"] == query.get("touser", m["touser"])
                ]
            return self._send({"items": items})
        if url.path == "/stub/health":
            return self._send({"status": "ok"})
        self._send({"errcode": 404, "errmsg": "not found"}, status=404)

    def do_POST(self) -> None:
        url = urlparse(self.path)
        state = self.server.state
        if url.path == "/cgi-bin/message/subscribe/send":
            message = self._json_body() or {}
            touser = str(message.get("touser", ""))
            if not touser or not message.get("template_id") or not message.get("data"):
                return self._send({"errcode": 47003, "errmsg": "argument invalid!"})
            failure = state.next_failure(touser)
            if failure is not None:
                return self._send({"errcode": failure, "errmsg": "injected failure"})
            with state.lock:
                message["received_at"] = time.time()
                state.messages.append(message)
                state.arrived.notify_all()
            return self._send({"errcode": 0, "errmsg": "ok", "msgid": len(state.messages)})
        if url.path == "/stub/failures":
            spec = self._json_body() or {}
            with state.lock:
                queue = state.failures.setdefault(str(spec["touser"]), [])
                queue.extend([int(spec["errcode"])] * int(spec.get("count", 1)))
            return self._send({"ok": True})
        self._send({"errcode": 404, "errmsg": "not found"}, status=404)

    def do_DELETE(self) -> None:
        url = urlparse(self.path)
        if url.path == "/stub/failures":
            touser = parse_qs(url.query).get("touser", [None])[0]
            with self.server.state.lock:
                if touser is None:
                    self.server.state.failures.clear()
                else:
                    self.server.state.failures.pop(touser, None)
            return self._send({"ok": True})
        if url.path == "/stub/messages":
            with self.server.state.lock:
                self.server.state.messages.clear()
                self.server.state.failures.clear()
            return self._send({"ok": True})
        self._send({"errcode": 404, "errmsg": "not found"}, status=404)


class FakeWeChatServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__((host, port), Handler)
        self.state = FakeWeChatState()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


def start_in_thread(host: str = "127.0.0.1", port: int = 0) -> FakeWeChatServer:
    """Start the fake on a free loopback port in a daemon thread and return it."""
    server = FakeWeChatServer(host, port)
    threading.Thread(target=server.serve_forever, name="fake-wechat", daemon=True).start()
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description="Fake WeChat API for 勤e家 development")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9100)
    args = parser.parse_args()
    server = FakeWeChatServer(args.host, args.port)
    print(f"fake WeChat listening on {server.url}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


if __name__ == "__main__":
    main()
