"""The hot path's Redis calls over one pipelined connection per process.

The booking gate's Lua steps and the principal cache's lookups (services/identity.py).

Every booking attempt is one Lua step (booking/lua.py), and at the lunch rush most
attempts end there (409 slot_full). Through redis-py a step spent more CPU around the
round trip than the rest of the request's own code: pool checkout and release, the
retry wrapper, a timeout context, command packing and reply handling in Python
(~25% of a rejection's samples in py-spy). Here the steps of all requests of the
process share one connection: the EVALSHAs made in one event-loop turn leave in one
write, Redis answers in order, a FIFO of futures pairs each reply with its caller, and hiredis
packs and parses in C. Pipelining on one connection is also what Redis serves
fastest; a Lua script runs alone on the server whichever connection sent it.

Faults behave as through redis-py (server/resources.py REDIS_FAULT_OPTIONS): a broken
connection fails the steps in flight with redis' ConnectionError, the step is retried
twice on a new connection with a short backoff (safe: a step whose connection broke
either never ran or ran and is reconciled by its idempotency key and the database),
then the error reaches the error handler as 503 unavailable. NOSCRIPT (a restarted
Redis, SCRIPT FLUSH) sends the script's source with EVAL, which loads it again.
"""

from __future__ import annotations

import asyncio
import collections
import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

import hiredis
from redis.exceptions import BusyLoadingError, NoScriptError, ResponseError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

CONNECT_TIMEOUT_S = 2.0
RETRIES = 2
BACKOFF_S = (0.02, 0.08)

_SHA: dict[str, str] = {}

# The booking gate's copies (booking/store.py state_key) are right only on the Redis
# they were built on. A replica promoted by Sentinel may miss the last places taken
# before its primary died (replication is asynchronous), and a Redis restarted from an
# older snapshot misses everything since; taking places from such a copy could sell a
# place twice. So every new connection first asks which server it reached (its run_id,
# new at every start and different on every server) and, if the copies were built on
# another, drops them all before any step runs on it: each is rebuilt from the
# database on its next use (store.hydrate), which counts every committed booking.
# The same holds for the Idempotency-Key leases and answers (server/idempotency.py):
# a Redis that may miss some of them says so by losing their epoch, dropped here too.
COPIES_PATTERN = "bk:{*}:s"
BUILT_ON_KEY = "bk:built_on"
IDEMPOTENCY_EPOCH_KEY = "idem:epoch"
FORGET_FOREIGN_COPIES = r"""
if redis.call('GET', KEYS[1]) == ARGV[1] then return -1 end
redis.call('DEL', KEYS[2])
local cursor, dropped = '0', 0
repeat
  local page = redis.call('SCAN', cursor, 'MATCH', ARGV[2], 'COUNT', 1000)
  cursor = page[1]
  for _, key in ipairs(page[2]) do redis.call('DEL', key); dropped = dropped + 1 end
until cursor == '0'
redis.call('SET', KEYS[1], ARGV[1])
return dropped
"""


def sha_of(source: str) -> str:
    found = _SHA.get(source)
    if found is None:
        found = _SHA[source] = hashlib.sha1(source.encode()).hexdigest()
    return found


def _error(text: str) -> Exception:
    """redis-py's exception for an error reply (a loading Redis is a connection fault,
    and so is a primary demoted to a replica: READONLY, reconnect to the new one)."""
    if text.startswith("NOSCRIPT"):
        return NoScriptError(text)
    if text.startswith("LOADING"):
        return BusyLoadingError(text)
    if text.startswith("READONLY"):
        return RedisConnectionError(text)
    return ResponseError(text)


class _Protocol(asyncio.Protocol):
    """One connection: commands leave once per event-loop turn, replies resolve futures in order."""

    def __init__(self) -> None:
        self.reader = hiredis.Reader(encoding="utf-8")
        self.waiting: collections.deque[asyncio.Future[Any]] = collections.deque()
        self.transport: asyncio.Transport | None = None
        self.lost: BaseException | None = None
        self.outgoing: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.reader.feed(data)
        while (reply := self.reader.gets()) is not False:
            future = self.waiting.popleft()
            if future.done():  # its caller was cancelled: the reply is dropped
                continue
            if isinstance(reply, hiredis.ReplyError):
                error = _error(str(reply))
                future.set_exception(error)
                if isinstance(error, RedisConnectionError) and self.transport is not None:
                    self.transport.close()  # a replica now: the next step reconnects
            else:
                future.set_result(reply)

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = RedisConnectionError("Redis closed the connection")
        while self.waiting:
            future = self.waiting.popleft()
            if not future.done():
                future.set_exception(self.lost)

    def send(self, command: tuple[Any, ...]) -> asyncio.Future[Any]:
        """Queue a command; the commands of one turn of the event loop go out in one
        write (one system call for all the requests that reached Redis together)."""
        if self.lost is not None or self.transport is None or self.transport.is_closing():
            raise RedisConnectionError("Redis connection is closed")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self.waiting.append(future)
        if not self.outgoing:
            loop.call_soon(self._flush)
        self.outgoing.append(hiredis.pack_command(command))
        return future

    def _flush(self) -> None:
        data, self.outgoing = b"".join(self.outgoing), []
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)
        # else: connection_lost fails the waiting futures


class LuaChannel:
    """EVALSHA over one pipelined connection, made from a redis-py client's settings
    (host/port or unix path, db, credentials), so it follows whatever Redis the
    process's client points at."""

    def __init__(
        self,
        connection_kwargs: dict[str, Any],
        *,
        locate: Callable[[], Awaitable[tuple[str, int]]] | None = None,
    ) -> None:
        """`locate`: where the primary is now (Sentinel), asked at every connect."""
        self._kwargs = connection_kwargs
        self._locate = locate
        self._protocol: _Protocol | None = None
        self._connecting: asyncio.Lock | None = None

    async def _connected(self) -> _Protocol:
        protocol = self._protocol
        if protocol is not None and protocol.lost is None:
            return protocol
        if self._connecting is None:
            self._connecting = asyncio.Lock()
        async with self._connecting:
            if self._protocol is None or self._protocol.lost is not None:
                self._protocol = await self._connect()
            return self._protocol

    async def _connect(self) -> _Protocol:
        loop = asyncio.get_running_loop()
        kw = self._kwargs
        try:
            if self._locate is not None:
                host, port = await asyncio.wait_for(self._locate(), CONNECT_TIMEOUT_S)
                opening = loop.create_connection(_Protocol, host, port)
            elif kw.get("path"):
                opening = loop.create_unix_connection(_Protocol, kw["path"])
            else:
                opening = loop.create_connection(
                    _Protocol, kw.get("host", "localhost"), kw.get("port", 6379)
                )
            _, protocol = await asyncio.wait_for(opening, CONNECT_TIMEOUT_S)
        except TimeoutError:
            raise RedisTimeoutError("Timeout connecting to Redis") from None
        except OSError as exc:
            raise RedisConnectionError(f"Error connecting to Redis: {exc}") from None
        setup: list[tuple[Any, ...]] = []
        if kw.get("password"):
            user = kw.get("username")
            setup.append(("AUTH", user, kw["password"]) if user else ("AUTH", kw["password"]))
        if kw.get("db"):
            setup.append(("SELECT", int(kw["db"])))
        for future in [protocol.send(command) for command in setup]:
            await future
        try:
            await self._check_server(protocol)
        except BaseException:
            if protocol.transport is not None:
                protocol.transport.close()
            raise
        return protocol

    async def _check_server(self, protocol: _Protocol) -> None:
        """A primary, and the copies on it built there (FORGET_FOREIGN_COPIES)."""
        role, info = protocol.send(("ROLE",)), protocol.send(("INFO", "server"))
        if (await role)[0] != "master":
            await info
            raise RedisConnectionError("Redis is not the primary (yet): reconnecting")
        run_id = next(
            line.split(":", 1)[1].strip()
            for line in str(await info).splitlines()
            if line.startswith("run_id:")
        )
        await protocol.send(
            (
                "EVAL",
                FORGET_FOREIGN_COPIES,
                2,
                BUILT_ON_KEY,
                IDEMPOTENCY_EPOCH_KEY,
                run_id,
                COPIES_PATTERN,
            )
        )

    async def evalsha(self, source: str, keys: list[str], args: list[Any]) -> Any:
        """Run a Lua script: EVALSHA, EVAL when Redis lost it; retried on a new
        connection when the connection breaks."""
        sha = sha_of(source)
        for attempt in range(RETRIES + 1):
            try:
                protocol = await self._connected()
                try:
                    return await protocol.send(("EVALSHA", sha, len(keys), *keys, *args))
                except NoScriptError:
                    return await protocol.send(("EVAL", source, len(keys), *keys, *args))
            except (RedisConnectionError, RedisTimeoutError):
                if attempt == RETRIES:
                    raise
                await asyncio.sleep(BACKOFF_S[attempt])
        raise AssertionError("unreachable")

    async def command(self, *command: Any) -> Any:
        """Any other command of the hot path (the principal cache's MGET), the same way."""
        for attempt in range(RETRIES + 1):
            try:
                return await (await self._connected()).send(command)
            except (RedisConnectionError, RedisTimeoutError):
                if attempt == RETRIES:
                    raise
                await asyncio.sleep(BACKOFF_S[attempt])
        raise AssertionError("unreachable")

    def close(self) -> None:
        protocol, self._protocol = self._protocol, None
        if protocol is not None and protocol.transport is not None:
            protocol.transport.close()
