"""Idempotency records in the database: claim a key, store its first answer, replay it.

Why the database and not Redis: API.md §1 promises that a replay returns the first
response for at least 24 h, and Redis may lose its keys (FLUSHALL, a restart without
persistence, a failover). Redis only caches finished answers (server/idempotency.py).

A key goes through two steps. `claim` inserts the row before the handler runs; the
unique (user, route, key) index makes exactly one of any number of concurrent requests
the runner, the others wait for its answer. `store` writes the answer after the
handler returned; `release` deletes the claim when there is no answer to keep (a 5xx,
a 429, a crash), so a retry runs again. A claim left behind by a process killed
between the two steps is taken over after `STALE_AFTER` (see `claim`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from tortoise.exceptions import IntegrityError

from models.idempotency import IdempotencyRecord
from server.errors import IdempotencyMismatch

KEEP = timedelta(hours=24)
# Longer than any request may run (Sanic's RESPONSE_TIMEOUT is 60 s): a claim older
# than this belongs to a process that died before storing its answer.
STALE_AFTER = timedelta(seconds=120)


@dataclass(frozen=True)
class Answer:
    """The first response to a key, as sent."""

    status: int
    body: str
    content_type: str


@dataclass(frozen=True)
class Claim:
    """What to do with a request: `run` it (we hold the claim), `replay` the stored
    answer, or `wait` for the request that holds the claim."""

    action: Literal["run", "replay", "wait"]
    record_id: int
    token: str = ""
    answer: Answer | None = None


def _answer(record: IdempotencyRecord) -> Answer | None:
    if record.status is None:
        return None
    return Answer(
        status=record.status,
        body=record.body or "",
        content_type=record.content_type or "application/json; charset=utf-8",
    )


async def claim(
    *, user_id: int, route: str, key_digest: str, fingerprint: str, now: datetime
) -> Claim:
    """Claim the key for this request, or say how the request that has it answered.

    Raises IdempotencyMismatch when the key was used with another body. A claim older
    than STALE_AFTER without an answer is taken over (its process died): the request
    runs again, which is the one case where a key may create twice (the first process
    committed its object and died before `store`).
    """
    token = secrets.token_hex(16)
    now = now.astimezone(UTC)
    try:
        record = await IdempotencyRecord.create(
            user_id=user_id,
            route=route,
            key_digest=key_digest,
            fingerprint=fingerprint,
            claim_token=token,
            claimed_at=now,
            expires_at=now + KEEP,
        )
        return Claim("run", record.id, token)
    except IntegrityError:
        pass
    found = await IdempotencyRecord.get_or_none(user_id=user_id, route=route, key_digest=key_digest)
    if found is None:  # released between our insert and this read: try once more
        return await claim(
            user_id=user_id, route=route, key_digest=key_digest, fingerprint=fingerprint, now=now
        )
    if found.fingerprint != fingerprint:
        raise IdempotencyMismatch()
    answer = _answer(found)
    if answer is not None:
        return Claim("replay", found.id, answer=answer)
    if found.claimed_at.astimezone(UTC) < now - STALE_AFTER:
        taken = await IdempotencyRecord.filter(
            id=found.id, claim_token=found.claim_token, status__isnull=True
        ).update(claim_token=token, claimed_at=now, expires_at=now + KEEP)
        if taken:
            return Claim("run", found.id, token)
    return Claim("wait", found.id)


async def store(*, record_id: int, token: str, answer: Answer, now: datetime) -> bool:
    """Keep the first answer for KEEP from now; False if our claim was taken over."""
    now = now.astimezone(UTC)
    updated = await IdempotencyRecord.filter(
        id=record_id, claim_token=token, status__isnull=True
    ).update(
        status=answer.status,
        body=answer.body,
        content_type=answer.content_type,
        expires_at=now + KEEP,
    )
    return bool(updated)


async def release(*, record_id: int, token: str) -> None:
    """Forget a claim that produced no answer worth keeping, so a retry runs again."""
    await IdempotencyRecord.filter(id=record_id, claim_token=token, status__isnull=True).delete()


async def state(*, record_id: int) -> Answer | Literal["pending", "gone"]:
    """Where a claim held by another request stands (for a waiting replay)."""
    record = await IdempotencyRecord.get_or_none(id=record_id)
    if record is None:
        return "gone"
    return _answer(record) or "pending"


async def purge_expired(*, now: datetime) -> int:
    """Delete records past their keeping time (claims included: their owner is long gone)."""
    return await IdempotencyRecord.filter(expires_at__lt=now.astimezone(UTC)).delete()
