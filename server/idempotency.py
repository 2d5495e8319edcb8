"""`Idempotency-Key` for every POST that creates something (API.md §1).

The first request with a key runs; its response (status and body, errors included)
is kept in the database for 24 h under the caller and the route (services/idempotency.py),
and cached in Redis. A replay with the same body gets that response back and creates
nothing, also after Redis lost its keys or on another host; the same key with another
body is 409 idempotency_mismatch. Concurrent replays wait for the first one to finish.

Crash safety: the claim row is committed before the handler runs and the answer after
it returned, in two statements of their own (the handler's services own their
transactions). A process killed between the service's commit and `store` leaves a
claim without an answer; a replay within STALE_AFTER waits and then answers 409
conflict (retry later), a replay after it runs the request again.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from redis.exceptions import RedisError
from sanic import HTTPResponse, Request

from server import resources
from server.errors import AppError, Conflict, IdempotencyMismatch, InvalidInput
from server.http import has_multipart_boundary
from services import idempotency as records
from services.idempotency import Answer

H = TypeVar("H", bound=Callable[..., Awaitable[HTTPResponse]])

log = logging.getLogger("qinejia.idempotency")

CACHE_S = int(records.KEEP.total_seconds())
WAIT_S = 15.0


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


def idempotent(handler: H) -> H:
    """Wrap a creating POST handler (inside `@guard`, which sets the principal)."""

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
        fingerprint = _fingerprint(request)

        cached = await _cached(cache_key)
        if cached is not None:
            if cached["fp"] != fingerprint:
                raise IdempotencyMismatch()
            return _replayed(Answer(cached["status"], cached["body"], cached["content_type"]))

        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT_S
        pause = 0.01
        while True:
            claim = await records.claim(
                user_id=user_id,
                route=route,
                key_digest=digest,
                fingerprint=fingerprint,
                now=datetime.now(UTC),
            )
            if claim.action == "run":
                return await _run_first(
                    request, handler, args, kwargs, claim, cache_key, fingerprint
                )
            if claim.action == "replay":
                assert claim.answer is not None
                await _cache(cache_key, fingerprint, claim.answer)
                return _replayed(claim.answer)
            # Another request holds the claim: wait for its answer (or its release,
            # then claim again and run).
            while True:
                if loop.time() > deadline:
                    raise Conflict("同一请求仍在处理中，请稍后再试")
                await asyncio.sleep(pause)
                pause = min(pause * 2, 0.2)
                found = await records.state(record_id=claim.record_id)
                if isinstance(found, Answer):
                    return _replayed(found)
                if found == "gone":
                    break

    wrapper.__dict__["__idempotent__"] = True  # doc() lists its errors
    return wrapper  # type: ignore[return-value]


async def _run_first(
    request: Request,
    handler: H,
    args: Any,
    kwargs: Any,
    claim: records.Claim,
    cache_key: str,
    fingerprint: str,
) -> HTTPResponse:
    from server.error_handler import render

    try:
        response = await handler(request, *args, **kwargs)
    except AppError as error:
        if error.status >= 500 or error.status == 429:
            # Not an answer to this request: a retry with the same key must run again.
            await records.release(record_id=claim.record_id, token=claim.token)
            raise
        rendered = render(error)
        await _keep(claim, cache_key, fingerprint, rendered)
        raise
    except BaseException:
        await asyncio.shield(records.release(record_id=claim.record_id, token=claim.token))
        raise
    if response.status >= 500 or response.status == 429:
        await records.release(record_id=claim.record_id, token=claim.token)
        return response
    await _keep(claim, cache_key, fingerprint, response)
    return response


async def _keep(
    claim: records.Claim, cache_key: str, fingerprint: str, response: HTTPResponse
) -> None:
    answer = Answer(
        status=response.status,
        body=(response.body or b"").decode(),
        content_type=response.content_type or "application/json; charset=utf-8",
    )
    # Shielded: a client hanging up must not cancel the write of an answer whose
    # object is already committed.
    if await asyncio.shield(
        records.store(
            record_id=claim.record_id, token=claim.token, answer=answer, now=datetime.now(UTC)
        )
    ):
        await _cache(cache_key, fingerprint, answer)
