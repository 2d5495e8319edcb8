"""Notifications (API.md §7): the in-app inbox, and WeChat subscribe messages.

Every service tells people things through one call, `notify()`, inside the
transaction of the change it reports (server/tx.py): the inbox row is both the record
(what a user was told is never lost) and an outbox entry. A Redis Stream of notice ids
is only the queue towards WeChat, appended after the commit and consumed by
`services/notifications/delivery.py` (the consumer group, retries, dead letters). If the
append fails or the process dies before it, the row stays with `enqueued_at` unset and
the relay job (`jobs/notifications.py`) appends it.

Which kinds exist, their template ids and field mappings: `server/notice_kinds.py`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import date, datetime
from typing import Any, TypeVar

from redis.exceptions import RedisError
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from models import could_exist
from models.notifications import Notice as NoticeRow
from models.notifications import SubscriptionCredit
from server import resources
from server.clock import local
from server.errors import InvalidInput, NotFound
from server.logs import get_logger
from server.notice_kinds import KINDS, NoticeKind
from server.pagination import page_by_time
from server.tx import Tx, savepoint, transaction
from services.notifications.shapes import Credits, Notice, NoticePage, ReadAll

log = get_logger("notifications")

STREAM = "notices:stream"
# Approximate cap of the stream; the consumer keeps up within seconds, and anything
# trimmed before delivery is re-appended by the sweeper from the inbox table.
STREAM_MAXLEN = 100_000
# WeChat limits: `thing` values at most 20 characters, `time` values as below.
_THING_MAX = 20


# --- notify ------------------------------------------------------------------------


async def notify(
    *,
    tx: Tx | None = None,
    user_id: int,
    kind: str,
    title: str,
    body: str,
    link: str | None = None,
    template_data: dict[str, Any] | None = None,
    now: datetime,
) -> int:
    """Tell a user something: the one way every service does it. Returns the notice id.

    The inbox row is an outbox entry. Given `tx`, it is written in the transaction of
    the change it reports (a booking, a ticket transition), so the notice exists if and
    only if the change committed; it is pushed to the delivery stream after that
    commit. Without `tx` it commits on its own (for notices that report no write). A
    push that fails or never runs (the process died right after the commit) leaves
    `enqueued_at` unset, and the relay job (`sweep`) pushes the row.
    """
    if tx is None:
        async with transaction() as own:
            return await notify(
                tx=own,
                user_id=user_id,
                kind=kind,
                title=title,
                body=body,
                link=link,
                template_data=template_data,
                now=now,
            )
    notice_kind = KINDS.get(kind)
    if notice_kind is None:
        # A kind missing from the table is a programming slip; the user still gets
        # the inbox row, just no WeChat message.
        log.warning("notify: unknown notice kind %r (inbox only)", kind)
    template_id = notice_kind.template_id if notice_kind else ""
    data = (
        template_payload(
            notice_kind=notice_kind, title=title, body=body, template_data=template_data or {}
        )
        if notice_kind and template_id
        else {}
    )
    notice = await NoticeRow.create(
        using_db=tx.conn,
        user_id=user_id,
        kind=kind[:40],
        title=title[:128],
        body=body,
        link=(link or (notice_kind.page if notice_kind else None) or None),
        template_id=template_id,
        data=data,
        created_at=now,
        enqueued_at=None,  # set by the push after the commit, or by the relay
        wechat_status="pending",
    )
    notice_id = int(notice.id)

    async def push() -> None:
        if await enqueue(notice_id=notice_id):
            await NoticeRow.filter(id=notice_id, enqueued_at__isnull=True).update(enqueued_at=now)

    tx.after_commit(push)
    return notice_id


async def notify_each(
    *,
    tx: Tx,
    user_ids: Iterable[int],
    skip: Iterable[int | None] = (),
    kind: str,
    title: str,
    body: str,
    link: str,
    template_data: dict[str, Any] | None = None,
    now: datetime,
) -> None:
    """The same notice to each of `user_ids` in turn except those in `skip` (the actor is
    not told of their own action), in the transaction of the change it reports."""
    left_out = set(skip)
    for user_id in user_ids:
        if user_id in left_out:
            continue
        await notify(
            tx=tx,
            user_id=user_id,
            kind=kind,
            title=title,
            body=body,
            link=link,
            template_data=template_data,
            now=now,
        )


Row = TypeVar("Row")


async def notify_claimed(
    rows: Iterable[Row],
    *,
    claim: Callable[[Tx, Row], Awaitable[int]],
    notice: Callable[[Tx, Row], Awaitable[object]],
) -> int:
    """Each row's notice exactly once, for jobs that may run twice, concurrently or
    after a crash: per row, one transaction in which `claim` marks it (a conditional
    UPDATE on `tx.conn`, answering how many rows it changed) and, if it did, `notice`
    reports it (`notify(tx=tx, ...)`). A second run finds the claim taken and sends
    nothing; a crash before the commit leaves neither. How many rows were claimed."""
    claimed = 0
    for row in rows:
        async with transaction() as tx:
            if not await claim(tx, row):
                continue
            await notice(tx, row)
        claimed += 1
    return claimed


async def enqueue(*, notice_id: int) -> bool:
    """Append a notice id to the stream; False (logged) when Redis refuses."""
    try:
        await resources.redis().xadd(
            STREAM, {"notice_id": str(notice_id)}, maxlen=STREAM_MAXLEN, approximate=True
        )
    except (RedisError, OSError, TimeoutError) as exc:  # down, timeout, OOM, WRONGTYPE
        log.warning("notice %s not enqueued (%s); the sweeper will retry", notice_id, exc)
        return False
    return True


def template_payload(
    *, notice_kind: NoticeKind, title: str, body: str, template_data: dict[str, Any]
) -> dict[str, dict[str, str]]:
    """The `data` of the subscribe message, built once at notify time.

    Kept on the row so the consumer sends exactly what the inbox says even if the
    kinds table changes meanwhile.
    """
    source: dict[str, Any] = {**template_data, "title": title, "body": body}
    payload: dict[str, dict[str, str]] = {}
    for field_name, key in notice_kind.fields.items():
        payload[field_name] = {"value": _field_value(field_name, source.get(key))}
    return payload


def _field_value(field_name: str, value: Any) -> str:
    if isinstance(value, datetime):
        text = (local(value) if value.tzinfo else value).strftime("%Y-%m-%d %H:%M")
    elif isinstance(value, date):
        text = value.isoformat()
    elif value is None:
        text = "-"
    else:
        text = str(value)
    if field_name.startswith("thing") and len(text) > _THING_MAX:
        text = text[: _THING_MAX - 1] + "…"
    return text


# --- the inbox -----------------------------------------------------------------------


def as_notice(notice: NoticeRow) -> Notice:
    """The `Notice` object of API.md §7 (delivery details stay server-side)."""
    return Notice(
        id=notice.id,
        kind=notice.kind,
        title=notice.title,
        body=notice.body,
        link=notice.link,
        created_at=notice.created_at,
        read_at=notice.read_at,
    )


async def list_notices(
    *, user_id: int, unread: bool = False, limit: int = 20, cursor: str | None = None
) -> NoticePage:
    """The caller's notices, newest first, keyset-paginated on (created_at, id)."""
    query = NoticeRow.filter(user_id=user_id)
    if unread:
        query = query.filter(read_at__isnull=True)
    rows, next_cursor = await page_by_time(query, field="created_at", limit=limit, cursor=cursor)
    return NoticePage(items=[as_notice(n) for n in rows], next_cursor=next_cursor)


async def mark_read(*, user_id: int, notice_id: int, now: datetime) -> Notice:
    """Mark one of the caller's notices read (idempotent: the first read time stays).

    Someone else's notice is 404, exactly like a missing one.
    """
    notice = (
        await NoticeRow.get_or_none(id=notice_id, user_id=user_id)
        if could_exist(notice_id)
        else None
    )
    if notice is None:
        raise NotFound("通知不存在")
    if notice.read_at is None:
        await NoticeRow.filter(id=notice_id, read_at__isnull=True).update(read_at=now)
        await notice.refresh_from_db(fields=["read_at"])
    return as_notice(notice)


async def mark_all_read(*, user_id: int, now: datetime) -> ReadAll:
    """Mark every unread notice of the caller read; returns how many changed."""
    updated = await NoticeRow.filter(user_id=user_id, read_at__isnull=True).update(read_at=now)
    return ReadAll(updated=int(updated))


# --- subscription credits ------------------------------------------------------------


def known_template_ids() -> set[str]:
    """Template ids the server can send (from the kinds table, with env overrides)."""
    return {k.template_id for k in KINDS.values() if k.template_id}


async def add_credits(*, user_id: int, template_ids: list[str]) -> Credits:
    """Record templates the user accepted in wx.requestSubscribeMessage.

    Each accepted template allows exactly one message, so each id adds one credit
    (a template listed twice in one request was still accepted once). Unknown ids are
    400 and change nothing. Returns every credit the user holds.
    """
    known = known_template_ids()
    bad = {
        f"template_ids.{i}": "未知的订阅消息模板"
        for i, t in enumerate(template_ids)
        if t not in known
    }
    if bad:
        raise InvalidInput(bad)
    # One transaction, so a retry with the request's Idempotency-Key counts nothing twice.
    async with transaction() as tx:
        for template_id in dict.fromkeys(template_ids):
            await _add_one_credit(tx, user_id=user_id, template_id=template_id)
        tx.created(user_id)
    return await credits_of(user_id=user_id, ref=str(user_id))


async def credits_of(*, user_id: int, ref: str, now: datetime | None = None) -> Credits:
    """Every credit the user holds now: the answer of `add_credits`, and of a replay
    whose first answer was lost (credits spent since are no longer counted)."""
    rows = await SubscriptionCredit.filter(user_id=user_id).order_by("template_id")
    return Credits(credits={row.template_id: row.credits for row in rows})


async def _add_one_credit(tx: Tx, *, user_id: int, template_id: str) -> None:
    """+1 atomically in the database (concurrent requests each count)."""
    mine = SubscriptionCredit.filter(user_id=user_id, template_id=template_id)
    if await mine.using_db(tx.conn).update(credits=F("credits") + 1):
        return
    try:
        async with savepoint(tx) as step:
            await SubscriptionCredit.create(
                using_db=step.conn, user_id=user_id, template_id=template_id, credits=1
            )
    except IntegrityError:  # a concurrent first subscription created the row
        await mine.using_db(tx.conn).update(credits=F("credits") + 1)


async def take_credit(*, user_id: int, template_id: str) -> bool:
    """Use one credit if the user holds one: a single conditional UPDATE, so two
    consumers can never spend the same credit twice."""
    taken = await SubscriptionCredit.filter(
        user_id=user_id, template_id=template_id, credits__gt=0
    ).update(credits=F("credits") - 1)
    return bool(taken)
