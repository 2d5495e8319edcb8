"""Placing, cancelling, listing and expiring holds (API.md §9)."""

from __future__ import annotations

from datetime import datetime

from models.library import LIVE_HOLDS, Hold, Loan
from server import pagination
from server.clock import utc
from server.errors import Conflict, InvalidState, LimitReached, NotFound
from server.tx import Tx, transaction
from services import notifications
from services.library.common import (
    MAX_HOLDS,
    checked_id,
    hold_out,
    lock_title,
    lock_user,
)
from services.library.queue import HOLD_LINK, end_hold, live_key, release_ready, serve_shelf
from services.library.shapes import HoldPage, HoldView


async def refuse_if_overdue(tx: Tx, *, user_id: int, now: datetime) -> None:
    """No fines: an overdue loan blocks new loans and holds until it is returned."""
    overdue = await (
        Loan.filter(borrower_id=user_id, status="on_loan", due_at__lt=utc(now))
        .using_db(tx.conn)
        .exists()
    )
    if overdue:
        raise LimitReached("你有逾期未还的图书，请先归还", details={"reason": "overdue"})


async def place_hold(*, user_id: int, title_id: int, now: datetime) -> HoldView:
    """Join the queue of a title; a copy on the shelf is set aside for me at once."""
    checked_id(title_id, "图书")
    async with transaction() as tx:
        await lock_user(tx, user_id)
        title = await lock_title(tx, title_id)
        await refuse_if_overdue(tx, user_id=user_id, now=now)
        mine = Hold.filter(user_id=user_id, status__in=LIVE_HOLDS).using_db(tx.conn)
        if await mine.filter(title_id=title.id).exists():
            raise Conflict("你已预约这本书")
        borrowing = Loan.filter(borrower_id=user_id, title_id=title.id, status="on_loan")
        if await borrowing.using_db(tx.conn).exists():
            raise Conflict("你正在借阅这本书")
        if await mine.count() >= MAX_HOLDS:
            raise LimitReached(f"最多同时预约 {MAX_HOLDS} 本书", details={"limit": MAX_HOLDS})
        hold = await Hold.create(
            using_db=tx.conn,
            title_id=title.id,
            user_id=user_id,
            status="waiting",
            live_key=live_key(user_id, title.id),
            created_at=now,
        )
        tx.created(hold.id)
        # A copy on the shelf goes to the first in line: me, as nobody waits while a
        # copy is on the shelf (serve_shelf keeps it first come, first served anyway).
        await serve_shelf(tx, title=title, now=now)
    return await hold_out(await Hold.get(id=hold.id))


async def held(*, user_id: int, ref: str, now: datetime) -> HoldView:
    """The hold a committed `place_hold` created (named by its transaction): the answer
    to a replay whose first answer was lost with its process."""
    return await hold_out(await Hold.get(id=int(ref), user_id=user_id))


async def own_hold(*, user_id: int, hold_id: int) -> Hold:
    hold = await Hold.get_or_none(id=checked_id(hold_id, "预约"), user_id=user_id)
    if hold is None:
        raise NotFound("预约不存在")
    return hold


async def cancel_hold(*, user_id: int, hold_id: int, now: datetime) -> HoldView:
    """Leave the queue; a copy set aside for me passes to the next in line."""
    found = await own_hold(user_id=user_id, hold_id=hold_id)
    async with transaction() as tx:
        title = await lock_title(tx, found.title_id)
        hold = await Hold.filter(id=found.id).using_db(tx.conn).first()
        assert hold is not None  # holds are never deleted
        if hold.status == "waiting":
            await end_hold(tx, hold=hold, status="cancelled", now=now)
        elif hold.status == "ready":
            await release_ready(tx, hold=hold, status="cancelled", title=title, now=now)
        else:
            raise InvalidState(hold.status, "该预约已结束，无法取消")
    return await hold_out(await Hold.get(id=found.id))


async def list_holds(*, user_id: int, limit: int, cursor: str | None) -> HoldPage:
    """My holds, newest first."""
    rows, next_cursor = await pagination.page(
        Hold.filter(user_id=user_id), limit=limit, cursor=cursor
    )
    return HoldPage(items=[await hold_out(row) for row in rows], next_cursor=next_cursor)


async def expire_holds(*, now: datetime) -> int:
    """Ready holds past ready_until expire; each copy passes to the next in line.

    Each hold is handled in its own transaction under its title's lock and re-read
    there, so a concurrent cancel, a borrow by the holder or a second run of the job
    finds it no longer ready and changes nothing.
    """
    due = await Hold.filter(status="ready", ready_until__lte=utc(now)).order_by("id")
    expired = 0
    for candidate in due:
        async with transaction() as tx:
            title = await lock_title(tx, candidate.title_id)
            hold = await Hold.filter(id=candidate.id).using_db(tx.conn).first()
            if hold is None or hold.status != "ready" or hold.ready_until is None:
                continue
            if hold.ready_until > now:
                continue
            await release_ready(tx, hold=hold, status="expired", title=title, now=now)
            await notifications.notify(
                tx=tx,
                user_id=hold.user_id,
                kind="library_hold_expired",
                title="预约已过期",
                body=f"《{title.title}》的预约保留期已过，图书已转给下一位读者",
                link=HOLD_LINK,
                now=now,
            )
            expired += 1
    return expired
