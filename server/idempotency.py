"""`Idempotency-Key` for every POST that creates something (API.md §1).

The first request with a key runs; its response (status and body, errors of a request
that created something included) is kept in the database for 24 h under the caller and
the route (services/idempotency.py), and cached in Redis. A replay with the same body
gets that response back and creates nothing, also after Redis lost its keys or on
another host; the same key with another body is 409 idempotency_mismatch.

Exactly once through any crash: the key's record is inserted by the transaction that
creates the object (server.tx, the booking engine's group commit), so an object never
commits without its key nor a second time under it. The answer is written right after;
a process killed (or a connection lost) in between leaves the record without an answer,
and a replay then tells the answer again from what was created: the route's `recover`
(the object named by `tx.created`), or, for routes whose domain finds what a key
created (the booking engine's reservations), the handler run again with the key, in
which any transaction carrying the key rolls back (`KeyTaken`).

A refusal (a 4xx that created nothing: `slot_full`, `limit_reached`, `sold_out`) writes
nothing to the database, so a key costs a refusal nothing; its replay is evaluated
again (API.md §1: it created nothing).

Concurrent replays: a short lease in Redis (`SET NX`, released when the request ends,
also on a fault) makes a replay that arrives while the first request runs wait for its
answer instead of racing it; without Redis the unique index still lets only one commit.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime
from typing import Any, TypeVar, overload

from redis.exceptions import RedisError
from sanic import HTTPResponse, Request

from server import faults, resources
from server.errors import AppError, Conflict, IdempotencyMismatch, InvalidInput
from server.http import has_multipart_boundary, now, reply
from services import idempotency as records
from services.idempotency import Answer, Found, Keyed, KeyTaken

H = TypeVar("H", bound=Callable[..., Awaitable[HTTPResponse]])

log = logging.getLogger("qinejia.idempotency")

CACHE_S = int(records.KEEP.total_seconds())
WAIT_S = 15.0
LEASE_S = int(records.STALE_AFTER.total_seconds())


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


async def _cached(cache_key: str) -> dict[str, Any] | None:
    """The finished answer from Redis, or None (missing, or Redis unreachable: the
    database has it too, so a cache failure is no reason to fail the request)."""
    try:
        raw = await resources.redis().get(cache_key)
    except (RedisError, OSError):
        return None
    return json.loads(raw) if raw else None


async def _cache(cache_key: str, fingerprint: str, answer: Answer) -> None:
    record = {
        "fp": fingerprint,
        "status": answer.status,
        "body": answer.body,
        "content_type": answer.content_type,
    }
    try:
        await resources.redis().set(cache_key, json.dumps(record, ensure_ascii=False), ex=CACHE_S)
    except (RedisError, OSError):
        log.warning("idempotency answer not cached (Redis unreachable)")


async def _lease(lease_key: str, at: datetime) -> bool:
    """Take the key for this request; False while another live request holds it.

    The lease holds the time it was taken (the request's clock), so one left by a
    killed process is taken over once older than STALE_AFTER (also under a test's
    X-Test-Now), and it expires on its own after that. Redis unreachable: run (the
    database's unique index still lets one commit)."""
    stamp = str(at.timestamp())
    try:
        redis = resources.redis()
        if await redis.set(lease_key, stamp, nx=True, ex=LEASE_S):
            return True
        held = await redis.get(lease_key)
        if held is None:
            return bool(await redis.set(lease_key, stamp, nx=True, ex=LEASE_S))
        if float(held) < at.timestamp() - records.STALE_AFTER.total_seconds():
            await redis.set(lease_key, stamp, ex=LEASE_S)
            return True
        return False
    except (RedisError, OSError):
        return True


async def _held(lease_key: str) -> bool:
    try:
        return bool(await resources.redis().exists(lease_key))
    except (RedisError, OSError):
        return False


async def _unlease(lease_key: str) -> None:
    try:
        await resources.redis().delete(lease_key)
    except (RedisError, OSError):
        log.warning("idempotency lease not released (Redis unreachable); it expires")


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
        cache_key = f"idem:{user_id}:{route}:{digest}"
        lease_key = f"idem-run:{user_id}:{route}:{digest}"
        fingerprint = _fingerprint(request)
        at = now(request)
        keyed = Keyed(user_id, route, digest, fingerprint, at)

        cached = await _cached(cache_key)
        if cached is not None:
            if cached["fp"] != fingerprint:
                raise IdempotencyMismatch()
            return _replayed(Answer(cached["status"], cached["body"], cached["content_type"]))

        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT_S
        pause = 0.01
        while True:
            found = await records.find(user_id=user_id, route=route, key_digest=digest)
            if found is not None:
                if found.fingerprint != fingerprint:
                    raise IdempotencyMismatch()
                if found.answer is not None:
                    await _cache(cache_key, fingerprint, found.answer)
                    return _replayed(found.answer)
                # Committed, answer not kept yet: wait while its request lives.
                if records.is_stale(found, now=at) or not await _held(lease_key):
                    return await _recovered(request, handler, args, kwargs, keyed, found)
            elif await _lease(lease_key, at):
                break
            if loop.time() > deadline:
                raise Conflict("同一请求仍在处理中，请稍后再试")
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.2)
            cached = await _cached(cache_key)
            if cached is not None and cached["fp"] == fingerprint:
                return _replayed(Answer(cached["status"], cached["body"], cached["content_type"]))

        try:
            response = await _run(request, handler, args, kwargs, keyed)
        except KeyTaken:
            # A concurrent request with this key committed first (the lease was lost
            # or Redis was away): this one rolled back; answer as that one did.
            response = await _answer_of_winner(request, handler, args, kwargs, keyed)
        finally:
            await asyncio.shield(_unlease(lease_key))
        return response

    async def _recovered(
        request: Request, handler: H, args: Any, kwargs: Any, keyed: Keyed, found: Found
    ) -> HTTPResponse:
        if recover is not None and found.ref is not None:
            result = await recover(user_id=keyed.user_id, ref=found.ref, now=keyed.at)
            code = recover_status(result) if callable(recover_status) else recover_status
            response = reply(result, status=code)
        else:
            again = replace(keyed, written=rerun)
            try:
                response = await _run(request, handler, args, kwargs, again)
            except KeyTaken:
                raise Conflict("该请求已处理，请刷新查看结果") from None
        if response.status < 300:
            await _keep(keyed, response)
        return response

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
                return await _recovered(request, handler, args, kwargs, keyed, found)
            if loop.time() > deadline:
                raise Conflict("同一请求仍在处理中，请稍后再试")
            await asyncio.sleep(0.05)

    wrapper.__dict__["__idempotent__"] = True  # doc() lists its errors
    wrapper.__dict__["__recover__"] = recover  # a test holds every keyed route to one
    return wrapper  # type: ignore[return-value]


async def _run(request: Request, handler: H, args: Any, kwargs: Any, keyed: Keyed) -> HTTPResponse:
    """Run the handler with the key in context; keep the answer of what it created.

    A 4xx of a request that committed nothing is not kept (nothing was created; a
    replay is evaluated again); a 5xx or 429 is never kept (not an answer: retry)."""
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
    if response.status < 400 or (keyed.written and response.status < 500):
        await _keep(keyed, response)
    return response


async def _keep(keyed: Keyed, response: HTTPResponse) -> None:
    answer = Answer(
        status=response.status,
        body=(response.body or b"").decode(),
        content_type=response.content_type or "application/json; charset=utf-8",
    )
    # Shielded: a client hanging up must not cancel the write of an answer whose
    # object is already committed.
    if await asyncio.shield(records.store(keyed=keyed, answer=answer, now=keyed.at)):
        cache_key = f"idem:{keyed.user_id}:{keyed.route}:{keyed.key_digest}"
        await _cache(cache_key, keyed.fingerprint, answer)
