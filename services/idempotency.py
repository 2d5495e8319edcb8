"""Idempotency records in the database: the key rides in the transaction that creates.

Why the database and not Redis: API.md §1 promises that a replay returns the first
response for at least 24 h and that once the object is committed no replay creates a
second one, and Redis may lose its keys (FLUSHALL, a restart without persistence, a
failover). Redis caches finished answers and holds the short lease that makes a
concurrent replay wait (server/idempotency.py).

Why in the creating transaction: a record written in a statement of its own, before
or after the object, leaves a gap a crash can fall into (an object without its key:
a replay creates it again; a key without an object: a refusal kept for nothing). So
the request's `Keyed` travels in a context variable, and the transaction that writes
the object (`server.tx.transaction`, or a group commit of the booking engine) inserts
the record in the same commit: the object and its key exist together or not at all.
The unique (user, route, key) index makes every other transaction carrying that key
fail (`KeyTaken`) and roll back, so a second object can never commit. The answer
itself (status and body) is written right after the commit (`store`); a process
killed in between leaves the record without an answer but with `ref`, what was
created, from which the route tells its answer again (`recover`).

A request that creates nothing (a 4xx refusal such as `slot_full`) writes nothing,
so a key costs a refusal no database write; its replay is evaluated again.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError

from models.idempotency import IdempotencyRecord
from server.rows import insert_rows

KEEP = timedelta(hours=24)
# Longer than any request may run (Sanic's RESPONSE_TIMEOUT is 60 s): a record older
# than this without an answer belongs to a process that died after its commit.
STALE_AFTER = timedelta(seconds=120)


@dataclass(frozen=True)
class Answer:
    """The first response to a key, as sent."""

    status: int
    body: str
    content_type: str


@dataclass
class Keyed:
    """A request carrying an Idempotency-Key, as its creating transaction needs it."""

    user_id: int
    route: str
    key_digest: str
    fingerprint: str
    at: datetime
    written: bool = False  # a transaction carrying this key has committed
    # How the route answers a result (status and body, as its handler replies it):
    # set by the HTTP layer, so that a service can have its answer written with the
    # object, in the creating transaction (`answer_with`).
    encode: Callable[[Any], Answer] | None = None
    result: Any = None  # what the service said it will answer (answer_with)
    kept: Answer | None = None  # the answer committed with the record

    def answer_with(self, result: Any) -> None:
        """The result the route will reply with (its success status), known inside the
        creating transaction: the record is written with its answer, so the answer
        costs no statement of its own after the commit and no crash can separate
        the object from it."""
        self.result = result

    def committed_answer(self) -> Answer | None:
        """The answer that committed with this request's record, if one did."""
        return self.kept if self.written else None

    def answer(self) -> Answer | None:
        """The answer to write with the record (None: stored after the commit)."""
        if self.encode is None or self.result is None:
            return None
        return self.encode(self.result)

    def row(self, *, ref: str | None) -> dict[str, Any]:
        """The key's record as a row, with its answer when the service gave it."""
        at = self.at.astimezone(UTC)
        answer = self.answer()
        return {
            "user_id": self.user_id,
            "route": self.route,
            "key_digest": self.key_digest,
            "fingerprint": self.fingerprint,
            "claim_token": "",
            "claimed_at": at,
            "expires_at": at + KEEP,
            "ref": ref,
            "status": answer.status if answer else None,
            "body": answer.body if answer else None,
            "content_type": answer.content_type if answer else None,
        }


class KeyTaken(Exception):
    """Another transaction already committed this key: this one rolled back."""


CURRENT: ContextVar[Keyed | None] = ContextVar("idempotency_keyed", default=None)


def current() -> Keyed | None:
    """The key of the request running in this context, if it has one left to write."""
    keyed = CURRENT.get()
    return None if keyed is None or keyed.written else keyed


async def write_in(conn: BaseDBAsyncClient, keyed: Keyed, *, ref: str | None) -> None:
    """Insert the key's record inside the creating transaction (`conn`).

    Raises KeyTaken when the key was committed already (the caller's transaction
    rolls back with it, so its object is not created a second time)."""
    await write_many(conn, [(keyed, ref)])


async def write_many(conn: BaseDBAsyncClient, rows: list[tuple[Keyed, str | None]]) -> None:
    """The records of a group commit in one multi-row insert; KeyTaken on any conflict
    (the batch rolls back and each request is written alone)."""
    if not rows:
        return
    written = [(keyed, keyed.row(ref=ref)) for keyed, ref in rows]
    try:
        await insert_rows(conn, IdempotencyRecord, [row for _, row in written])
    except IntegrityError:
        raise KeyTaken() from None
    for keyed, row in written:  # known kept once the transaction commits
        if row["status"] is not None:
            keyed.kept = Answer(row["status"], row["body"], row["content_type"])


@dataclass(frozen=True)
class Found:
    """The record of a key: its answer, or None while only the object is committed."""

    fingerprint: str
    answer: Answer | None
    ref: str | None
    claimed_at: datetime


_FIND_COLUMNS = ("fingerprint", "status", "body", "content_type", "ref", "claimed_at")
_find_sql: dict[str, str] = {}
_FIELDS = IdempotencyRecord._meta.fields_map


async def find(*, user_id: int, route: str, key_digest: str) -> Found | None:
    """The key's record: one indexed SELECT of the columns needed, no model object and
    no query building (the SQL is built once per dialect by the ORM itself)."""
    db = IdempotencyRecord._meta.db
    dialect = db.capabilities.dialect
    sql = _find_sql.get(dialect)
    if sql is None:
        query = IdempotencyRecord.filter(user_id=0, route="", key_digest="").using_db(db)
        sql = _find_sql[dialect] = query.values(*_FIND_COLUMNS).sql()
    rows = await db.execute_query_dict(sql, [user_id, route, key_digest])
    if not rows:
        return None
    row = rows[0]
    answer = None
    if row["status"] is not None:
        answer = Answer(
            status=row["status"],
            body=row["body"] or "",
            content_type=row["content_type"] or "application/json; charset=utf-8",
        )
    # SQLite hands back text, PostgreSQL a datetime.
    claimed_at: datetime = _FIELDS["claimed_at"].to_python_value(row["claimed_at"])
    return Found(row["fingerprint"], answer, row["ref"], claimed_at.astimezone(UTC))


async def store(*, keyed: Keyed, answer: Answer, now: datetime) -> bool:
    """Keep the first answer for KEEP from now; False if another answer was kept first.

    The record exists when the request committed its object; a route that answers
    without a transaction of ours (an engine replay, a write of its own) gets its
    record here. An answer this request committed with its object (`kept`) that its
    handler then told otherwise is replaced by what the client was told."""
    now = now.astimezone(UTC)
    fields = {
        "status": answer.status,
        "body": answer.body,
        "content_type": answer.content_type,
        "expires_at": now + KEEP,
    }
    rows = IdempotencyRecord.filter(
        user_id=keyed.user_id, route=keyed.route, key_digest=keyed.key_digest
    )
    if keyed.committed_answer() is None:
        rows = rows.filter(status__isnull=True)
    updated = await rows.update(**fields)
    if updated or keyed.written:
        return bool(updated)
    record = IdempotencyRecord(**{**keyed.row(ref=None), **fields})
    try:
        await record.save()
    except IntegrityError:
        return False
    return True


def is_stale(found: Found, *, now: datetime) -> bool:
    """No answer for longer than any request runs: its process died after the commit."""
    return found.claimed_at < now.astimezone(UTC) - STALE_AFTER


async def state(
    *, user_id: int, route: str, key_digest: str
) -> Answer | Literal["pending", "gone"]:
    """Where a key held by another request stands (for a waiting replay)."""
    found = await find(user_id=user_id, route=route, key_digest=key_digest)
    if found is None:
        return "gone"
    return found.answer or "pending"


async def purge_expired(*, now: datetime) -> int:
    """Delete records past their keeping time."""
    return await IdempotencyRecord.filter(expires_at__lt=now.astimezone(UTC)).delete()
