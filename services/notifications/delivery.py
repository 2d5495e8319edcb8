"""Delivery of notices to WeChat: the consumer group on the `notices:stream` Redis Stream.

The stream carries notice ids only; the `Notice` row says what to send and how far
delivery got, so every step can be repeated safely:

- `pending` → (credit taken, in the same transaction) `sending` → `sent`; no template or
  no credit → `inbox_only`; errcode 43101 (the user refused) → `refused`; another
  permanent errcode → `failed`; five failed sends → `dead` (and an entry in the
  `notices:dead` stream); older than a day and still undelivered → `expired`.
- A message is acknowledged only after its outcome is written to the database, and a
  message for a notice already in a final state is acknowledged without sending. So
  a consumer that dies between sending and acknowledging leaves a pending message
  that a live consumer reclaims (XAUTOCLAIM) and acknowledges without a second send.
  The one remaining window is a crash between WeChat's answer and our UPDATE (a few
  milliseconds): then the reclaimer sends again (at least once, never lost).
- A short Redis lock per notice keeps two live consumers from sending the same notice
  at once (the sweeper may append an id twice).
- Transient failures are acknowledged and rescheduled in a sorted set
  (`notices:retry`, score = due time) with a growing backoff; each batch first moves
  due retries back into the stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from redis.exceptions import ResponseError
from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from models.notifications import FINAL_STATES, LIVE_STATES, Notice
from server import metrics, resources
from server.logs import get_logger
from server.wechat import WeChatError
from services.notifications.inbox import STREAM, STREAM_MAXLEN, enqueue, take_credit

log = get_logger("notifications.delivery")

GROUP = "notices"
RETRY_KEY = "notices:retry"
DEAD_STREAM = "notices:dead"
LOCK_PREFIX = "notices:lock:"

MAX_ATTEMPTS = 5  # failed sends (or crashed deliveries) before a notice is parked
BACKOFF_S = (10, 30, 120, 300)  # wait after the 1st, 2nd, 3rd, 4th failure
RECLAIM_IDLE_MS = 60_000  # a message unacknowledged this long belongs to a dead consumer
LOCK_MS = 30_000  # longer than a send can take (wechatpy timeout 5 s)
MAX_AGE = timedelta(hours=24)  # "your lunch slot opened up" is worthless tomorrow
STUCK_AFTER = timedelta(minutes=10)  # enqueued but not delivered: append again
CONCURRENCY = 16
REFUSED = 43101
# Errcodes no retry can fix: invalid openid, template id, data or page.
PERMANENT = frozenset({REFUSED, 40003, 40037, 47003, 41030})

_PROMOTE_DUE = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(due) do
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 'notice_id', id)
  redis.call('ZREM', KEYS[1], id)
end
return #due
"""

_RELEASE_LOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


@dataclass(frozen=True)
class Entry:
    """One stream message: its id, and the notice it names (None if unreadable)."""

    entry_id: str
    notice_id: int | None


def _entry(entry_id: str, fields: dict[str, str] | None) -> Entry:
    raw = (fields or {}).get("notice_id", "")
    return Entry(entry_id, int(raw) if raw.isdigit() else None)


def consumer_name() -> str:
    """Unique per process start, so a restarted worker never inherits a dead one's PEL
    by accident: its old messages are reclaimed explicitly after RECLAIM_IDLE_MS."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


# --- the stream ----------------------------------------------------------------------


async def ensure_group() -> None:
    """Create the consumer group (from the stream's start, so notices appended before
    any consumer ever ran are delivered too)."""
    try:
        await resources.redis().xgroup_create(STREAM, GROUP, id="0", mkstream=True)
    except ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


async def read_new(*, consumer: str, count: int = 100, block_ms: int | None = None) -> list[Entry]:
    """New messages for this consumer (they enter its pending list until acknowledged)."""
    for _ in range(2):
        try:
            response: Any = await resources.redis().xreadgroup(
                GROUP, consumer, {STREAM: ">"}, count=count, block=block_ms
            )
        except ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            await ensure_group()  # Redis lost the stream (restart, flush): start over
            continue
        return [_entry(eid, fields) for _, messages in response or [] for eid, fields in messages]
    return []


async def reclaim(
    *, consumer: str, min_idle_ms: int = RECLAIM_IDLE_MS, count: int = 100
) -> list[Entry]:
    """Take over messages left unacknowledged by a consumer that died (XAUTOCLAIM).

    A message claimed more than MAX_ATTEMPTS times keeps crashing its consumers: it is
    parked in the dead-letter stream instead of being tried forever.
    """
    redis = resources.redis()
    try:
        result = await redis.xautoclaim(
            STREAM, GROUP, consumer, min_idle_time=min_idle_ms, start_id="0-0", count=count
        )
    except ResponseError as exc:
        if "NOGROUP" not in str(exc):
            raise
        await ensure_group()
        return []
    claimed = [_entry(eid, fields) for eid, fields in result[1]]
    deleted = list(result[2]) if len(result) > 2 else []
    if deleted:  # trimmed from the stream: the sweeper re-appends from the inbox table
        await redis.xack(STREAM, GROUP, *deleted)
    live: list[Entry] = []
    for entry in claimed:
        if entry.notice_id is None:
            await redis.xack(STREAM, GROUP, entry.entry_id)
            continue
        pending = await redis.xpending_range(
            STREAM, GROUP, min=entry.entry_id, max=entry.entry_id, count=1
        )
        if pending and int(pending[0]["times_delivered"]) > MAX_ATTEMPTS:
            await _park(notice_id=entry.notice_id, reason="处理反复失败", errcode=None)
            await redis.xack(STREAM, GROUP, entry.entry_id)
            continue
        live.append(entry)
    if live:
        log.info("consumer %s reclaimed %d message(s)", consumer, len(live))
    return live


async def promote_due(*, now: datetime, count: int = 500) -> int:
    """Move retries whose backoff has elapsed back into the stream (atomic, in Lua)."""
    moved = await resources.script(_PROMOTE_DUE)(
        keys=[RETRY_KEY, STREAM], args=[now.timestamp(), count, STREAM_MAXLEN]
    )
    return int(moved)


# --- one batch -----------------------------------------------------------------------


async def deliver_pending(
    *,
    consumer: str,
    now: datetime,
    reclaim_idle_ms: int | None = None,
    count: int = 100,
    block_ms: int | None = None,
) -> int:
    """Due retries → stream; reclaim a dead consumer's messages; read new ones; deliver.

    Returns the number of messages handled. Tests call it step by step with `now`;
    `run_consumer` calls it in a loop with a blocking read.
    """
    await ensure_group()
    await promote_due(now=now)
    idle = RECLAIM_IDLE_MS if reclaim_idle_ms is None else reclaim_idle_ms
    entries = await reclaim(consumer=consumer, min_idle_ms=idle, count=count)
    entries += await read_new(consumer=consumer, count=count, block_ms=block_ms)
    if block_ms and entries:
        now = datetime.now(UTC)  # the read may have waited: stamp with the real time
    await handle(entries=entries, consumer=consumer, now=now)
    return len(entries)


async def handle(*, entries: list[Entry], consumer: str, now: datetime) -> None:
    """Deliver each entry (a few at a time), then acknowledge in one XACK those that
    reached an outcome. Acknowledging after the batch costs nothing in safety: an entry
    whose outcome is in the database is skipped if it is ever read again."""
    gate = asyncio.Semaphore(CONCURRENCY)
    done: list[str] = []

    async def one(entry: Entry) -> None:
        async with gate:
            if entry.notice_id is not None:
                try:
                    outcome = await process(notice_id=entry.notice_id, consumer=consumer, now=now)
                except Exception:  # DB or Redis trouble: leave it pending, it is reclaimed
                    log.exception("notice %s: delivery crashed", entry.notice_id)
                    return
                log.debug("notice %s: %s", entry.notice_id, outcome)
                metrics.notice(outcome)
            done.append(entry.entry_id)

    await asyncio.gather(*(one(entry) for entry in entries))
    if done:
        await resources.redis().xack(STREAM, GROUP, *done)


async def process(*, notice_id: int, consumer: str, now: datetime) -> str:
    """Deliver one notice under its lock; returns the outcome. Does not acknowledge.

    Safe to call any number of times for the same notice: a final state is never
    sent again, and a credit is taken at most once (in the transaction that moves the
    notice from `pending` to `sending`).
    """
    redis = resources.redis()
    lock_key, token = f"{LOCK_PREFIX}{notice_id}", f"{consumer}:{secrets.token_hex(4)}"
    if not await redis.set(lock_key, token, nx=True, px=LOCK_MS):
        return "busy"  # another consumer is sending it right now and owns the outcome
    try:
        return await _deliver(notice_id=notice_id, now=now)
    finally:
        await resources.script(_RELEASE_LOCK)(keys=[lock_key], args=[token])


async def _deliver(*, notice_id: int, now: datetime) -> str:
    # One query for the notice and its addressee's openid.
    notice = await Notice.get_or_none(id=notice_id).select_related("user")
    if notice is None:
        return "missing"
    if notice.wechat_status in FINAL_STATES:
        return "already_" + notice.wechat_status
    if notice.next_attempt_at is not None and notice.next_attempt_at > now:
        # An early duplicate (the sweeper appended it again): keep the backoff.
        await resources.redis().zadd(
            RETRY_KEY, {str(notice_id): notice.next_attempt_at.timestamp()}
        )
        return "not_due"
    if now - notice.created_at > MAX_AGE:
        await _finish(notice_id=notice_id, status="expired", error="超过一天未送达")
        return "expired"
    if notice.wechat_status == "pending":
        claim = await _claim(notice=notice) if notice.template_id else "no_credit"
        if claim == "lost":
            return "lost"
        if claim == "no_credit":
            await _finish(notice_id=notice_id, status="inbox_only", error="")
            return "inbox_only"
    try:
        await resources.wechat().send_subscribe_message(
            openid=notice.user.openid,
            template_id=notice.template_id,
            data=notice.data,
            page=(notice.link or "").lstrip("/") or None,
        )
    except WeChatError as exc:
        return await _failed(notice=notice, exc=exc, now=now)
    await Notice.filter(id=notice_id).update(
        wechat_status="sent",
        sent_at=now,
        attempts=F("attempts") + 1,
        next_attempt_at=None,
        last_error="",
    )
    return "sent"


class _AlreadyClaimed(Exception):
    """Rolls the credit back when another delivery moved the notice first."""


async def _claim(*, notice: Notice) -> str:
    """Take one credit and mark the notice `sending`, both or neither.

    Returns `claimed`, `no_credit`, or `lost` (someone else moved it first: under the
    lock this only happens if a send outlived LOCK_MS; we then leave it to them).
    """
    try:
        async with in_transaction():
            if not await take_credit(user_id=notice.user_id, template_id=notice.template_id):
                return "no_credit"
            moved = await Notice.filter(id=notice.id, wechat_status="pending").update(
                wechat_status="sending"
            )
            if not moved:
                raise _AlreadyClaimed()
    except _AlreadyClaimed:
        return "lost"
    return "claimed"


async def _finish(*, notice_id: int, status: str, error: str) -> None:
    """Move a live notice to a final state (never overwrites another final state)."""
    await Notice.filter(id=notice_id, wechat_status__in=LIVE_STATES).update(
        wechat_status=status, last_error=error[:200], next_attempt_at=None
    )


async def _failed(*, notice: Notice, exc: WeChatError, now: datetime) -> str:
    """Classify a failed send: final (refused, permanent), retry later, or park."""
    attempts = notice.attempts + 1
    error = f"{exc.errcode}: {exc.errmsg}"[:200]
    await Notice.filter(id=notice.id).update(attempts=attempts, last_error=error)
    if exc.errcode == REFUSED:
        await _finish(notice_id=notice.id, status="refused", error=error)
        return "refused"
    if exc.errcode in PERMANENT:
        log.warning("notice %s: permanent WeChat error %s", notice.id, error)
        await _finish(notice_id=notice.id, status="failed", error=error)
        return "failed"
    if attempts >= MAX_ATTEMPTS:
        await _park(notice_id=notice.id, reason=error, errcode=exc.errcode)
        return "dead"
    due = now + timedelta(seconds=BACKOFF_S[min(attempts, len(BACKOFF_S)) - 1])
    await Notice.filter(id=notice.id).update(next_attempt_at=due)
    await resources.redis().zadd(RETRY_KEY, {str(notice.id): due.timestamp()})
    return "retry"


async def _park(*, notice_id: int, reason: str, errcode: int | None) -> None:
    """Dead-letter: the notice stays in the inbox, WeChat delivery stops, ops can look."""
    await _finish(notice_id=notice_id, status="dead", error=reason)
    notice = await Notice.get_or_none(id=notice_id)
    record: dict[Any, Any] = {
        "notice_id": str(notice_id),
        "reason": reason,
        "errcode": "" if errcode is None else str(errcode),
    }
    if notice is not None:
        record |= {
            "user_id": str(notice.user_id),
            "kind": notice.kind,
            "attempts": str(notice.attempts),
        }
    await resources.redis().xadd(DEAD_STREAM, record, maxlen=STREAM_MAXLEN, approximate=True)
    log.error("notice %s parked in %s: %s", notice_id, DEAD_STREAM, reason)


# --- the running consumer ------------------------------------------------------------


async def consume_forever(*, stop: asyncio.Event) -> None:
    """Run the delivery consumer until `stop` is set (discovered by jobs/background.py)."""
    await run_consumer(stop=stop)


async def run_consumer(*, stop: asyncio.Event, consumer: str | None = None) -> None:
    """Deliver until `stop` is set; errors are logged and retried after a pause."""
    name = consumer or consumer_name()
    log.info("notice consumer %s started", name)
    while not stop.is_set():
        try:
            await deliver_pending(consumer=name, now=datetime.now(UTC), block_ms=1000)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("notice consumer %s: batch failed", name)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=1.0)
    log.info("notice consumer %s stopped", name)


# --- the sweeper and operations --------------------------------------------------------


async def sweep(*, now: datetime, limit: int = 1000) -> dict[str, int]:
    """Expire day-old undelivered notices, and append again those never enqueued (the
    append failed) or enqueued long ago and still undelivered (the stream was lost, or
    trimmed). Duplicates are harmless: delivery is idempotent per notice."""
    expired = await Notice.filter(
        wechat_status__in=LIVE_STATES, created_at__lt=now - MAX_AGE
    ).update(wechat_status="expired", last_error="超过一天未送达", next_attempt_at=None)
    cutoff = now - STUCK_AFTER
    stuck = Q(enqueued_at__lt=cutoff) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lt=cutoff)
    )
    ids: list[Any] = await (
        Notice.filter(wechat_status__in=LIVE_STATES)
        .filter(Q(enqueued_at__isnull=True) | stuck)
        .order_by("id")
        .limit(limit)
        .values_list("id", flat=True)
    )
    requeued = 0
    for notice_id in ids:
        if await enqueue(notice_id=int(notice_id)):
            await Notice.filter(id=notice_id).update(enqueued_at=now)
            requeued += 1
    return {"expired": int(expired), "requeued": requeued}


@dataclass(frozen=True)
class Backlog:
    """The outbox as monitoring sees it (server/metrics.py)."""

    waiting: int  # written, not yet delivered (pending or sending)
    oldest_age_s: float  # age of the oldest of them; 0 when none waits
    parked: int  # given up after MAX_ATTEMPTS failed sends, waiting for a human


async def backlog(*, now: datetime) -> Backlog:
    waiting = Notice.filter(wechat_status__in=LIVE_STATES)
    count = await waiting.count()
    oldest = await waiting.order_by("created_at").first().values_list("created_at", flat=True)
    parked = await Notice.filter(wechat_status="dead").count()
    age = (now - oldest).total_seconds() if isinstance(oldest, datetime) else 0.0
    return Backlog(waiting=count, oldest_age_s=max(age, 0.0), parked=parked)


async def requeue_dead(*, notice_ids: list[int], now: datetime) -> int:
    """Operations: give parked notices five more attempts (after fixing the cause)."""
    found: list[Any] = await Notice.filter(id__in=notice_ids, wechat_status="dead").values_list(
        "id", flat=True
    )
    ids = [int(i) for i in found]
    # A notice that made send attempts had its credit taken: it resumes in `sending`.
    reset: dict[str, Any] = {"attempts": 0, "next_attempt_at": None, "enqueued_at": now}
    tried: list[Any] = await Notice.filter(id__in=ids, attempts__gt=0).values_list("id", flat=True)
    await Notice.filter(id__in=tried).update(wechat_status="sending", **reset)
    await Notice.filter(id__in=[i for i in ids if i not in tried]).update(
        wechat_status="pending", **reset
    )
    for notice_id in ids:
        await enqueue(notice_id=notice_id)
    return len(ids)
