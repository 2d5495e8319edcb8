"""Loans: lending (desk and self-checkout), returns, renewals, lost copies, overdue list."""

from __future__ import annotations

from datetime import datetime

from models.identity import Staff, User
from models.library import LIVE_HOLDS, Copy, Hold, Loan, Title
from server import pagination
from server.clock import utc
from server.errors import InvalidState, LimitReached, NotFound
from server.tx import Tx, transaction
from services.library.common import (
    MAX_LOANS,
    MAX_RENEWALS,
    checked_id,
    copy_by_barcode,
    copy_out,
    due_for,
    hold_out,
    is_overdue,
    loan_out,
    lock_title,
    lock_user,
    overdue_out,
)
from services.library.holds import refuse_if_overdue
from services.library.queue import end_hold, release_ready, requeue, serve_copy, serve_shelf
from services.library.shapes import CopyView, LoanPage, LoanView, OverduePage, Returned


async def borrower_by_employee_no(employee_no: str) -> int:
    """The account of the reader the librarian lends to at the desk."""
    staff = await Staff.get_or_none(employee_no=employee_no.strip(), active=True)
    user = await User.get_or_none(staff_id=staff.id) if staff is not None else None
    if user is None:
        raise NotFound("没有该工号的读者（需先在勤e家绑定工号）")
    return int(user.id)


async def _claim_copy(tx: Tx, *, copy: Copy, user_id: int, title: Title, now: datetime) -> None:
    """Check the copy may go to this user; fulfil or pass on their hold of the title."""
    mine = await (
        Hold.filter(user_id=user_id, title_id=title.id, status__in=LIVE_HOLDS)
        .using_db(tx.conn)
        .first()
    )
    if copy.status in ("on_loan", "lost"):
        raise InvalidState(copy.status, "这本书已借出或已挂失")
    set_aside_for_me = mine is not None and mine.copy_id == copy.id
    if copy.status == "on_hold_shelf" and not set_aside_for_me:
        raise InvalidState(copy.status, "这本书已为其他读者预约保留")
    if mine is None:
        return
    if mine.status == "ready" and mine.copy_id != copy.id:
        # Borrowing another copy of the title: the one set aside goes to the next reader.
        await release_ready(tx, hold=mine, status="fulfilled", title=title, now=now)
    else:
        await end_hold(tx, hold=mine, status="fulfilled", now=now)


async def borrow(*, user_id: int, barcode: str, channel: str, now: datetime) -> LoanView:
    """Lend a copy for 30 days: the desk and the reading room's self-checkout alike."""
    async with transaction() as tx:
        await lock_user(tx, user_id)
        found = await copy_by_barcode(barcode, tx=tx)
        title = await lock_title(tx, found.title_id)
        copy = await Copy.get(id=found.id, using_db=tx.conn)
        await refuse_if_overdue(tx, user_id=user_id, now=now)
        live = await Loan.filter(borrower_id=user_id, status="on_loan").using_db(tx.conn).count()
        if live >= MAX_LOANS:
            raise LimitReached(f"最多同时借阅 {MAX_LOANS} 本书", details={"limit": MAX_LOANS})
        await _claim_copy(tx, copy=copy, user_id=user_id, title=title, now=now)
        await Copy.filter(id=copy.id).using_db(tx.conn).update(status="on_loan")
        loan = await Loan.create(
            using_db=tx.conn,
            copy_id=copy.id,
            title_id=title.id,
            borrower_id=user_id,
            channel=channel,
            borrowed_at=now,
            due_at=due_for(now),
            live_copy_id=copy.id,
        )
        tx.created(loan.id)
    return await loan_out(loan, now=now)


async def lent(*, user_id: int, ref: str, now: datetime) -> LoanView:
    """The loan a committed `borrow` made (at the desk, for a reader; or self-checkout),
    as it is now: the answer to a replay whose first answer was lost."""
    return await loan_out(await Loan.get(id=int(ref)), now=now)


async def lend_at_desk(*, barcode: str, employee_no: str, now: datetime) -> LoanView:
    user_id = await borrower_by_employee_no(employee_no)
    return await borrow(user_id=user_id, barcode=barcode, channel="desk", now=now)


async def return_copy(*, barcode: str, now: datetime) -> Returned:
    """Check a copy in; it goes to the first waiting hold of its title, else the shelf."""
    async with transaction() as tx:
        found = await copy_by_barcode(barcode, tx=tx)
        title = await lock_title(tx, found.title_id)
        copy = await Copy.get(id=found.id, using_db=tx.conn)
        loan = await Loan.filter(live_copy_id=copy.id).using_db(tx.conn).first()
        if loan is None or copy.status != "on_loan":
            raise InvalidState(copy.status, "这本书没有在借记录")
        await (
            Loan.filter(id=loan.id, status="on_loan")
            .using_db(tx.conn)
            .update(status="returned", returned_at=now, live_copy_id=None)
        )
        hold = await serve_copy(tx, copy=copy, title=title, now=now)
    fresh = await Loan.get(id=loan.id)
    return Returned(
        loan=await loan_out(fresh, now=now),
        hold=await hold_out(await Hold.get(id=hold.id)) if hold is not None else None,
    )


async def own_loan(*, user_id: int, loan_id: int) -> Loan:
    loan = await Loan.get_or_none(id=checked_id(loan_id, "借阅"), borrower_id=user_id)
    if loan is None:
        raise NotFound("借阅记录不存在")
    return loan


async def renew(*, user_id: int, loan_id: int, now: datetime) -> LoanView:
    """Thirty more days from today, at most twice, never past a waiting reader."""
    found = await own_loan(user_id=user_id, loan_id=loan_id)
    async with transaction() as tx:
        await lock_title(tx, found.title_id)
        loan = await Loan.get(id=found.id, using_db=tx.conn)
        if loan.status != "on_loan":
            raise InvalidState(loan.status, "这笔借阅已结束")
        if is_overdue(loan, now=now):
            raise InvalidState("overdue", "已逾期的图书不能续借，请先归还")
        if loan.renewals >= MAX_RENEWALS:
            raise LimitReached(f"最多续借 {MAX_RENEWALS} 次", details={"limit": MAX_RENEWALS})
        waiting = Hold.filter(title_id=loan.title_id, status="waiting")
        if await waiting.using_db(tx.conn).exists():
            raise InvalidState("on_loan", "这本书有人在排队预约，不能续借", reason="holds")
        due = max(loan.due_at, due_for(now))
        await (
            Loan.filter(id=loan.id, status="on_loan")
            .using_db(tx.conn)
            .update(due_at=due, renewals=loan.renewals + 1, reminded=False)
        )
    return await loan_out(await Loan.get(id=found.id), now=now)


async def mark_lost(*, barcode: str, now: datetime) -> CopyView:
    """A copy is lost: its live loan ends as lost, a hold waiting on it queues again."""
    async with transaction() as tx:
        found = await copy_by_barcode(barcode, tx=tx)
        title = await lock_title(tx, found.title_id)
        copy = await Copy.get(id=found.id, using_db=tx.conn)
        if copy.status != "lost":
            await (
                Loan.filter(live_copy_id=copy.id)
                .using_db(tx.conn)
                .update(status="lost", live_copy_id=None, returned_at=None)
            )
            ready = await Hold.filter(ready_copy_id=copy.id).using_db(tx.conn).first()
            await Copy.filter(id=copy.id).using_db(tx.conn).update(status="lost")
            if ready is not None:
                # Back in line, first by its id: another copy on the shelf goes to it.
                await requeue(tx, hold=ready)
                await serve_shelf(tx, title=title, now=now)
    return copy_out(await Copy.get(id=found.id))


async def list_loans(*, user_id: int, limit: int, cursor: str | None, now: datetime) -> LoanPage:
    """My loans, newest first."""
    rows, next_cursor = await pagination.page(
        Loan.filter(borrower_id=user_id), limit=limit, cursor=cursor
    )
    return LoanPage(items=[await loan_out(row, now=now) for row in rows], next_cursor=next_cursor)


async def overdue_loans(*, now: datetime, limit: int, cursor: str | None) -> OverduePage:
    """The librarian's list: overdue loans, longest overdue first, with days overdue."""
    query = Loan.filter(status="on_loan", due_at__lt=utc(now))
    rows, next_cursor = await pagination.page(query, limit=limit, cursor=cursor, oldest_first=True)
    return OverduePage(
        items=[await overdue_out(row, now=now) for row in rows], next_cursor=next_cursor
    )
