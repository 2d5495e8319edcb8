"""`Idempotency-Key` for every POST that creates something (API.md §1).

The first request with a key runs; its response (status and body, errors of a request
that created something included) is kept in the database for 24 h under the caller and
the route (services/idempotency.py), and cached in Redis. A replay with the same body
gets that response back and creates nothing, also after Redis lost its keys or on
another host; the same key with another body is 409 idempotency_mismatch.

Exactly once through any crash: the key's record is inserted by the transaction that
creates the object (server.tx, the booking engine's group commit), so an object never
commits without its key nor a second time under it. A service that knows its answer
inside that transaction (a lunch order: `Keyed.answer_with`) has the record written
with it; otherwise the answer is written right after, and a process killed (or a
connection lost) in between leaves the record without an answer: a replay then tells
the answer again from what was created: the route's `recover` (the object named by
`tx.created`), or, for routes whose domain finds what a key created (the booking
engine's reservations), the handler run again with the key, in which any transaction
carrying the key rolls back (`KeyTaken`).

A refusal (a 4xx that created nothing: `slot_full`, `limit_reached`, `sold_out`) writes
nothing to the database, so a key costs a refusal nothing; its replay is evaluated
again (API.md §1: it created nothing).

Redis in front, one round trip before the handler (BEGIN) and one after (FINISH): the
cached answer, or a lease on the key that makes a replay arriving meanwhile wait for
the first request's answer instead of racing it. The record is read only when Redis
cannot vouch that there is none (EPOCH_KEY below: a lease left behind, or Redis may
have lost keys); otherwise a keyed request costs the database nothing more than the
bare one. Without Redis the database decides alone and the unique index still lets
only one commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import itertools
import json
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime
from typing import Any, TypeVar, overload

from redis.exceptions import RedisError
from sanic import HTTPResponse, Request

from server import faults, resources, wire
from server.errors import AppError, Conflict, IdempotencyMismatch, InvalidInput
from server.http import has_multipart_boundary, now, reply
from server.lua_channel import IDEMPOTENCY_EPOCH_KEY
from services import idempotency as records
from services.idempotency import Answer, Found, Keyed, KeyTaken

H = TypeVar("H", bound=Callable[..., Awaitable[HTTPResponse]])

log = logging.getLogger("qinejia.idempotency")

CACHE_S = int(records.KEEP.total_seconds())
WAIT_S = 15.0
# A lease outlives its request when the request may have committed without its answer
# cached (a crash, Redis unreachable at the end): it is the evidence that sends the
# next request with the key to the database, so it lasts as long as the record.
LEASE_S = CACHE_S


def _fingerprint(request: Request) -> str:
    """What makes two requests "the same body".

    A multipart body carries a random boundary chosen per request, so a client retrying
    the same upload sends different bytes: compare its parts (names, file names, types,
    contents) instead of the raw body.
    """
    digest = hashlib.sha256(request.path.encode() + b"\n")
    if not has_multipart_boundary(request):
        digest.update(request.body or b"")
        return digest.hexdigest()
    parts: list[list[str]] = []
    for name, values in sorted((request.form or {}).items()):
        parts += [["form", name, hashlib.sha256(str(v).encode()).hexdigest()] for v in values]
    for name, files in sorted((request.files or {}).items()):
        parts += [
            ["file", name, f.name or "", f.type or "", hashlib.sha256(f.body).hexdigest()]
            for f in files
        ]
    digest.update(json.dumps(parts).encode())
    return digest.hexdigest()


def _replayed(answer: Answer) -> HTTPResponse:
    return HTTPResponse(
        answer.body,
        status=answer.status,
        content_type=answer.content_type,
        headers={"Idempotent-Replay": "true"},
    )


def _cache_value(fingerprint: str, answer: Answer) -> str:
    record = {
        "fp": fingerprint,
        "status": answer.status,
        "body": answer.body,
        "content_type": answer.content_type,
    }
    return json.dumps(record, ensure_ascii=False)


def _answer_of(cached: str) -> tuple[str, Answer]:
    record = json.loads(cached)
    return record["fp"], Answer(record["status"], record["body"], record["content_type"])


# What Redis must hold for a key to be run without reading its record first: a record
# commits only under a lease this request took (BEGIN), and the lease leaves only with
# the answer cached (FINISH "cache"), or when this request knows it committed nothing
# (FINISH "free"); otherwise it stays, marked stale (FINISH "keep") or as the live
# request left it, for KEEP. So no answer and no lease means no record — unless Redis
# lost keys: a flush takes EPOCH_KEY with them, and a restart or a failover (a new
# run_id) makes server.lua_channel drop it, so EPOCH_KEY is set again (the request's
# time) and for KEEP after that every key is looked up. A request that could not reach
# Redis at all leaves a debt: the next BEGIN of this process moves the epoch to now.
EPOCH_KEY = IDEMPOTENCY_EPOCH_KEY

# A lease names the process that holds it (the token starts with the process's
# PROCESS_ID), and a live process keeps `idem-alive:<PROCESS_ID>` for ALIVE_S, renewed
# by every BEGIN and every ALIVE_EVERY_S (keep_alive). A lease whose process is gone
# (killed, its alive key lapsed) is no longer waited for: the next request with the key
# looks its record up and answers from what was committed, seconds after a crash
# instead of 409 "still processing" until the lease's STALE_AFTER. A live process whose
# alive key lapsed anyway (Redis slow) costs only a race the unique index settles.
ALIVE_PREFIX = "idem-alive:"
ALIVE_S = 5
ALIVE_EVERY_S = 1.5

# KEYS: cache, lease, epoch, this process's alive key. ARGV: now (s), stale after (s),
# keep (s), lease ttl (s), token, bump ("1": this process ran keyed requests Redis did
# not see), alive ttl (s). Reply: {"cached", answer} | {"held", lease} |
# {"run" | "lookup", our lease}. (The holder's alive key is named by the lease: fine
# on one Redis server or Sentinel, not on a Redis Cluster.)
BEGIN = r"""
redis.call('SET', KEYS[4], '1', 'EX', ARGV[7])
local cached = redis.call('GET', KEYS[1])
if cached then return {'cached', cached} end
local now = tonumber(ARGV[1])
local epoch = tonumber(redis.call('GET', KEYS[3]) or '')
if epoch == nil or (ARGV[6] == '1' and epoch < now) then
  epoch = now
  redis.call('SET', KEYS[3], ARGV[1])
end
local look = now - epoch < tonumber(ARGV[3])
local held = redis.call('GET', KEYS[2])
if held then
  local stamp = tonumber(string.match(held, '^[^:]*'))
  local owner = string.match(held, '^[^:]*:(%x%x%x%x%x%x%x%x%x%x%x%x)')
  local alive = owner == nil or redis.call('EXISTS', 'idem-alive:' .. owner) == 1
  if stamp and stamp >= now - tonumber(ARGV[2]) and alive then return {'held', held} end
  look = true
end
local mine = ARGV[1] .. ':' .. ARGV[5]
redis.call('SET', KEYS[2], mine, 'EX', ARGV[4])
if look then return {'lookup', mine} end
return {'run', mine}
"""

# KEYS: cache, lease. ARGV: our lease, mode, cached answer, cache ttl (s).
# "cache": the answer is kept: cache it and free the key; "free": nothing committed
# under the key; "keep": something may have committed without its answer cached —
# the lease stays, stale, so the next request looks the record up.
FINISH = r"""
if ARGV[2] == 'cache' then redis.call('SET', KEYS[1], ARGV[3], 'EX', ARGV[4]) end
if redis.call('GET', KEYS[2]) == ARGV[1] then
  if ARGV[2] == 'keep' then
    redis.call('SET', KEYS[2], '0:' .. ARGV[1], 'KEEPTTL')
  else
    redis.call('DEL', KEYS[2])
  end
end
return 1
"""

_debt: dict[str, bool] = {"unseen": False}  # a keyed request ran while Redis was away
_tokens = itertools.count(1)
PROCESS_ID = secrets.token_hex(6)  # 12 hex digits: BEGIN reads it back from a lease


async def _begin(cache_key: str, lease_key: str, at: datetime) -> tuple[str, str] | None:
    """One round trip before the handler: the cached answer, or the lease (and whether
    the record must be looked up), or who holds it. None: Redis unreachable."""
    bump = _debt["unseen"]
    try:
        kind, value = await resources.lua_channel().evalsha(
            BEGIN,
            [cache_key, lease_key, EPOCH_KEY, ALIVE_PREFIX + PROCESS_ID],
            [
                repr(at.timestamp()),
                int(records.STALE_AFTER.total_seconds()),
                CACHE_S,
                LEASE_S,
                f"{PROCESS_ID}{next(_tokens):x}",
                "1" if bump else "0",
                ALIVE_S,
            ],
        )
    except (RedisError, OSError):
        _debt["unseen"] = True
        return None
    if bump:
        _debt["unseen"] = False
    return str(kind), str(value)


async def _finish(
    cache_key: str, lease_key: str, lease: str | None, mode: str, cached: str = ""
) -> None:
    """One round trip after: cache the answer and free the key, or mark it (FINISH)."""
    try:
        await resources.lua_channel().evalsha(
            FINISH, [cache_key, lease_key], [lease or "", mode, cached, CACHE_S]
        )
    except (RedisError, OSError):
        log.warning("idempotency key not finished in Redis (unreachable); its lease goes stale")


async def keep_alive() -> None:
    """Keep this process's alive key while it runs (a task of each web worker), so the
    leases of its long requests are waited for and a killed process's are not."""
    while True:
        # Redis away: nothing to vouch to; BEGIN renews the key once it is back.
        with contextlib.suppress(RedisError, OSError):
            await resources.lua_channel().command(
                "SET", ALIVE_PREFIX + PROCESS_ID, "1", "EX", str(ALIVE_S)
            )
        await asyncio.sleep(ALIVE_EVERY_S)


async def _cached(cache_key: str) -> str | None:
    try:
        raw = await resources.lua_channel().command("GET", cache_key)
    except (RedisError, OSError):
        return None
    return str(raw) if raw else None


Recover = Callable[..., Awaitable[Any]]
Status = int | Callable[[Any], int]


@overload
def idempotent(handler: H) -> H: ...


@overload
def idempotent(
    *, recover: Recover | None = None, status: Status = 201, rerun: bool = False
) -> Callable[[H], H]: ...


def idempotent(
    handler: H | None = None,
    *,
    recover: Recover | None = None,
    status: Status = 201,
    rerun: bool = False,
) -> H | Callable[[H], H]:
    """Wrap a creating POST handler (inside `@guard`, which sets the principal).

    `recover(user_id=, ref=, now=)` returns the route's result for the object its
    transaction named with `tx.created(ref)`, answered with `status` (or the status
    `status(result)` gives, for a route with two success statuses): how a replay
    answers when the first request committed and died before its answer was kept.
    Without it the handler runs again with the key: right for routes whose domain
    finds what the key created (the booking engine's reservations); elsewhere its
    creating transaction rolls back and the replay answers 409 conflict, never a
    second object. `rerun=True`: the domain finds everything the key created, over
    several transactions (a weekly series: each week under a key derived from it),
    so the run again completes what the first one left and writes no key record.
    """
    if handler is None:
        return lambda h: _wrap(h, recover, status, rerun)
    return _wrap(handler, None, status, False)


def _wrap(handler: H, recover: Recover | None, recover_status: Status, rerun: bool) -> H:
    @functools.wraps(handler)
    async def wrapper(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
        key = request.headers.get("idempotency-key")
        if key is None:
            return await handler(request, *args, **kwargs)
        if not 1 <= len(key) <= 64:
            raise InvalidInput({"Idempotency-Key": "长度应为1到64个字符"})
        user_id = request.ctx.principal.user_id
        route = request.route.name if request.route else request.path
        digest = hashlib.sha256(key.encode()).hexdigest()[:32]
        fingerprint = _fingerprint(request)
        at = now(request)
        keyed = Keyed(
            user_id, route, digest, fingerprint, at, encode=_encoder(request, recover_status)
        )
        run = _Run(request, handler, args, kwargs, keyed)
        response = await run.start()
        if response is not None:
            return response
        mode, cached = "keep", ""
        try:
            response, kept = await _run(request, handler, args, kwargs, keyed)
            if kept is not None:
                mode, cached = "cache", _cache_value(fingerprint, kept)
            elif not keyed.written and run.nothing_committed:
                mode = "free"
        except KeyTaken:
            # A concurrent request with this key committed first (the lease was lost
            # or Redis was away): this one rolled back; answer as that one did.
            response = await _answer_of_winner(request, handler, args, kwargs, keyed)
        except AppError as refused:
            if refused.status < 500 and not keyed.written and run.nothing_committed:
                mode = "free"  # a refusal that created nothing: the key is free again
            raise
        finally:
            await asyncio.shield(_finish(run.cache_key, run.lease_key, run.lease, mode, cached))
        return response

    class _Run:
        """Where a keyed request stands before its handler runs."""

        def __init__(
            self, request: Request, handler: H, args: Any, kwargs: Any, keyed: Keyed
        ) -> None:
            self.request, self.handler, self.args, self.kwargs = request, handler, args, kwargs
            self.keyed = keyed
            name = f"{keyed.user_id}:{keyed.route}:{keyed.key_digest}"
            self.cache_key, self.lease_key = f"idem:{name}", f"idem-run:{name}"
            self.lease: str | None = None
            # No record of this key committed (Redis vouched, or the database said so),
            # so a request that commits nothing may free the key.
            self.nothing_committed = False

        async def start(self) -> HTTPResponse | None:
            """The answer to replay, or None with the key leased to this request."""
            keyed = self.keyed
            loop = asyncio.get_running_loop()
            deadline = loop.time() + WAIT_S
            pause = 0.01
            while True:
                step = await _begin(self.cache_key, self.lease_key, keyed.at)
                if step is None:  # Redis unreachable: the database decides alone
                    return await self._looked_up()
                kind, value = step
                if kind == "cached":
                    fingerprint, answer = _answer_of(value)
                    if fingerprint != keyed.fingerprint:
                        raise IdempotencyMismatch()
                    return _replayed(answer)
                if kind == "run":
                    self.lease, self.nothing_committed = value, True
                    return None
                if kind == "lookup":
                    self.lease = value
                    return await self._looked_up()
                # Held by a live request: its answer, once kept, or wait for it.
                found = await self._find()
                if found is not None and found.answer is not None:
                    return _replayed(found.answer)
                if loop.time() > deadline:
                    raise Conflict("同一请求仍在处理中，请稍后再试")
                await asyncio.sleep(pause)
                pause = min(pause * 2, 0.2)

        async def _find(self) -> Found | None:
            keyed = self.keyed
            found = await records.find(
                user_id=keyed.user_id, route=keyed.route, key_digest=keyed.key_digest
            )
            if found is not None and found.fingerprint != keyed.fingerprint:
                raise IdempotencyMismatch()
            return found

        async def _looked_up(self) -> HTTPResponse | None:
            """Redis cannot vouch for the key: its record decides (this request holds
            the key, or Redis is away)."""
            answer: Answer | None
            try:
                found = await self._find()
                if found is None:
                    self.nothing_committed = True
                    return None
                if found.answer is not None:
                    response = _replayed(found.answer)
                    mode, answer = "cache", found.answer
                else:
                    # Committed, answer lost with its request: tell it again.
                    response, answer = await _recovered(
                        self.request, self.handler, self.args, self.kwargs, self.keyed, found
                    )
                    mode = "cache" if answer is not None else "keep"
            except BaseException:
                await asyncio.shield(_finish(self.cache_key, self.lease_key, self.lease, "keep"))
                raise
            cached = _cache_value(self.keyed.fingerprint, answer) if answer is not None else ""
            await asyncio.shield(_finish(self.cache_key, self.lease_key, self.lease, mode, cached))
            return response

    async def _recovered(
        request: Request, handler: H, args: Any, kwargs: Any, keyed: Keyed, found: Found
    ) -> tuple[HTTPResponse, Answer | None]:
        if recover is not None and found.ref is not None:
            result = await recover(user_id=keyed.user_id, ref=found.ref, now=keyed.at)
            code = recover_status(result) if callable(recover_status) else recover_status
            response = reply(result, status=code)
        else:
            again = replace(keyed, written=rerun, result=None, kept=None)
            try:
                response = await _run_only(request, handler, args, kwargs, again)
            except KeyTaken:
                raise Conflict("该请求已处理，请刷新查看结果") from None
        if response.status < 300:
            return response, await _keep(keyed, response)
        return response, None

    async def _answer_of_winner(
        request: Request, handler: H, args: Any, kwargs: Any, keyed: Keyed
    ) -> HTTPResponse:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT_S
        while True:
            found = await records.find(
                user_id=keyed.user_id, route=keyed.route, key_digest=keyed.key_digest
            )
            if found is not None and found.answer is not None:
                return _replayed(found.answer)
            if found is not None and loop.time() > deadline:
                response, _ = await _recovered(request, handler, args, kwargs, keyed, found)
                return response
            if loop.time() > deadline:
                raise Conflict("同一请求仍在处理中，请稍后再试")
            await asyncio.sleep(0.05)

    wrapper.__dict__["__idempotent__"] = True  # doc() lists its errors
    wrapper.__dict__["__recover__"] = recover  # a test holds every keyed route to one
    return wrapper  # type: ignore[return-value]


def _encoder(request: Request, status: Status) -> Callable[[Any], Answer] | None:
    """How this route answers a result with its success status, as `reply` writes it:
    for a service that has its answer written with the object (Keyed.answer_with)."""
    documented = wire.documented(request.route.handler if request.route else None)

    def encode(result: Any) -> Answer:
        code = status(result) if callable(status) else status
        return Answer(
            code, wire.serialize(documented[code], result), "application/json; charset=utf-8"
        )

    if callable(status):
        return encode
    return encode if status in documented else None


async def _run_only(
    request: Request, handler: H, args: Any, kwargs: Any, keyed: Keyed
) -> HTTPResponse:
    response, _ = await _run(request, handler, args, kwargs, keyed)
    return response


async def _run(
    request: Request, handler: H, args: Any, kwargs: Any, keyed: Keyed
) -> tuple[HTTPResponse, Answer | None]:
    """Run the handler with the key in context; keep the answer of what it created.

    A 4xx of a request that committed nothing is not kept (nothing was created; a
    replay is evaluated again); a 5xx or 429 is never kept (not an answer: retry).
    Returns the response and the answer kept for it (None: none kept)."""
    from server.error_handler import render

    token = records.CURRENT.set(keyed)
    try:
        response = await handler(request, *args, **kwargs)
        await faults.point("idempotency.before_answer")
    except AppError as error:
        if keyed.written and error.status < 500 and error.status != 429:
            await _keep(keyed, render(error))
        raise
    finally:
        records.CURRENT.reset(token)
    kept = None
    if response.status < 400 or (keyed.written and response.status < 500):
        kept = await _keep(keyed, response)
    return response, kept


async def _keep(keyed: Keyed, response: HTTPResponse) -> Answer | None:
    """Store the response as the key's answer unless it committed with the object
    already; the answer kept (to cache), None when another one was kept first."""
    answer = Answer(
        status=response.status,
        body=(response.body or b"").decode(),
        content_type=response.content_type or "application/json; charset=utf-8",
    )
    if keyed.committed_answer() == answer:
        return answer
    # Shielded: a client hanging up must not cancel the write of an answer whose
    # object is already committed.
    if await asyncio.shield(records.store(keyed=keyed, answer=answer, now=keyed.at)):
        return answer
    return None
