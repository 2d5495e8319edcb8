"""`Idempotency-Key` for every POST that creates something (API.md §1).

The first request with a key runs; its response (status and body, errors included)
is kept in Redis for 24 h under the caller and the route. A replay with the same
body gets that response back and creates nothing; the same key with another body is
409 idempotency_mismatch. Concurrent replays wait for the first one to finish.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sanic import HTTPResponse, Request

from server import resources
from server.errors import AppError, Conflict, IdempotencyMismatch, InvalidInput

H = TypeVar("H", bound=Callable[..., Awaitable[HTTPResponse]])

KEEP_S = 24 * 3600
PENDING_S = 30
WAIT_S = 15.0


def _stored_response(record: dict[str, Any]) -> HTTPResponse:
    return HTTPResponse(
        record["body"],
        status=record["status"],
        content_type=record.get("content_type", "application/json; charset=utf-8"),
        headers={"Idempotent-Replay": "true"},
    )


def _fingerprint(request: Request) -> str:
    """What makes two requests "the same body".

    A multipart body carries a random boundary chosen per request, so a client retrying
    the same upload sends different bytes: compare its parts (names, file names, types,
    contents) instead of the raw body.
    """
    digest = hashlib.sha256(request.path.encode() + b"\n")
    if not (request.content_type or "").startswith("multipart/form-data"):
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
        digest = hashlib.sha256(key.encode()).hexdigest()[:32]
        redis_key = (
            f"idem:{user_id}:{request.route.name if request.route else request.path}:{digest}"
        )
        fingerprint = _fingerprint(request)
        redis = resources.redis()

        if await redis.set(redis_key, json.dumps({"fp": fingerprint}), nx=True, ex=PENDING_S):
            return await _run_first(request, handler, args, kwargs, redis_key, fingerprint)
        return await _replay(redis_key, fingerprint)

    return wrapper  # type: ignore[return-value]


async def _run_first(
    request: Request, handler: H, args: Any, kwargs: Any, redis_key: str, fingerprint: str
) -> HTTPResponse:
    from server.error_handler import render

    redis = resources.redis()
    try:
        response = await handler(request, *args, **kwargs)
    except AppError as error:
        if error.status >= 500 or error.status == 429:
            # Not an answer to this request: a retry with the same key must run again.
            await redis.delete(redis_key)
            raise
        rendered = render(error)
        record = {
            "fp": fingerprint,
            "status": error.status,
            "body": (rendered.body or b"").decode(),
        }
        await redis.set(redis_key, json.dumps(record, ensure_ascii=False), ex=KEEP_S)
        raise
    except BaseException:
        await redis.delete(redis_key)
        raise
    if response.status >= 500:
        await redis.delete(redis_key)
        return response
    record = {
        "fp": fingerprint,
        "status": response.status,
        "body": (response.body or b"").decode(),
        "content_type": response.content_type,
    }
    await redis.set(redis_key, json.dumps(record, ensure_ascii=False), ex=KEEP_S)
    return response


async def _replay(redis_key: str, fingerprint: str) -> HTTPResponse:
    redis = resources.redis()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_S
    while True:
        raw = await redis.get(redis_key)
        if raw is None:
            raise Conflict("请求处理失败，请重试")
        record = json.loads(raw)
        if record["fp"] != fingerprint:
            raise IdempotencyMismatch()
        if "status" in record:
            return _stored_response(record)
        if loop.time() > deadline:
            raise Conflict("同一请求仍在处理中，请稍后再试")
        await asyncio.sleep(0.02)
