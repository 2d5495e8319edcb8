"""What every part of the library service shares: time rules, locks, wire shapes.

Concurrency design. Every change to the copies and holds of a title runs in one
transaction that first locks the title row (`SELECT ... FOR UPDATE` on PostgreSQL;
SQLite runs one write transaction at a time anyway). Under that lock the queue logic
is plain sequential code: whoever changes a title's copies sees every hold and copy
as committed by the one before, so the queue is strictly first come, first served
and two returns of two copies serve two different holds. Actions that count a
user's loans and holds (borrowing, placing a hold) first lock the user's row, always
before the title, so limits hold under concurrent taps and no two actions can wait
on each other in the opposite order. The unique columns of models/library.py are
the database's backstop behind this.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

from tortoise.functions import Count

from models import could_exist
from models.identity import User
from models.library import Copy, Hold, Loan, Title
from server import clock
from server.clock import local, today, utc
from server.errors import NotFound
from server.tx import Tx
from services.library.shapes import (
    CopyView,
    HoldView,
    LoanView,
    OverdueLoan,
    Person,
    Ref,
    TitleView,
)

L = TypeVar("L", bound=LoanView)

LOAN_DAYS = 30
MAX_RENEWALS = 2
MAX_LOANS = 5
MAX_HOLDS = 3
HOLD_SHELF_DAYS = 3
REMIND_DAYS_BEFORE = 3
OVERDUE_STAGES = {1: 1, 2: 7, 3: 14}  # stage → days overdue


# --- time ----------------------------------------------------------------------------


def end_of_day(day: date) -> datetime:
    """The last second of a local day, in UTC: loans fall due at closing of their day."""
    closing = datetime.combine(day, time(23, 59, 59), tzinfo=clock.tz())
    return utc(closing)


def due_for(now: datetime) -> datetime:
    return end_of_day(today(now) + timedelta(days=LOAN_DAYS))


def is_overdue(loan: Loan, *, now: datetime) -> bool:
    return loan.status == "on_loan" and now > loan.due_at


def days_overdue(loan: Loan, *, now: datetime) -> int:
    return max(0, (today(now) - local(loan.due_at).date()).days)


# --- ids and locks -------------------------------------------------------------------


def checked_id(value: int, what: str) -> int:
    """Ids outside the column's range cannot exist (and must not reach the driver)."""
    if not could_exist(value):
        raise NotFound(f"{what}不存在")
    return value


async def lock_title(tx: Tx, title_id: int) -> Title:
    """Serialise every change to this title's copies and holds (see the module doc).

    FOR NO KEY UPDATE conflicts with itself but not with the KEY SHARE locks that rows
    referencing the title take, so only our own title-changing actions queue up.
    """
    query = Title.filter(id=title_id).using_db(tx.conn)
    title = await query.select_for_update(no_key=True).first()
    if title is None:
        raise NotFound("图书不存在")
    return title


async def lock_user(tx: Tx, user_id: int) -> None:
    """Serialise one user's borrowing and holds, so the per-user limits hold.

    FOR NO KEY UPDATE, not FOR UPDATE: a notice for this user written by another
    transaction (its foreign key takes KEY SHARE on the user row) must not wait for us
    while we wait for that transaction's title lock.
    """
    await User.filter(id=user_id).using_db(tx.conn).select_for_update(no_key=True).first()


BARCODE = re.compile(r"^[A-Za-z0-9-]{1,32}$")


async def copy_by_barcode(barcode: str, *, tx: Tx | None = None) -> Copy:
    """The copy with this label; anything that is not a barcode names nothing (404)."""
    if not BARCODE.match(barcode.strip()):
        raise NotFound("没有这个条码的图书")
    query = Copy.filter(barcode=barcode.strip())
    if tx is not None:
        query = query.using_db(tx.conn)
    copy = await query.first()
    if copy is None:
        raise NotFound("没有这个条码的图书")
    return copy


# --- wire shapes ---------------------------------------------------------------------


async def _name_of(user_id: int) -> str | None:
    user = await User.get_or_none(id=user_id).select_related("staff")
    return user.staff.name if user is not None and user.staff is not None else None


async def loan_out(loan: Loan, *, now: datetime) -> LoanView:
    """The `Loan` of API.md §9 (overdue is an on_loan past its due time)."""
    return await _loan(LoanView, loan, now=now)


async def overdue_out(loan: Loan, *, now: datetime) -> OverdueLoan:
    """A loan on the librarian's overdue list, with its days overdue."""
    return await _loan(OverdueLoan, loan, now=now, days_overdue=days_overdue(loan, now=now))


async def _loan(shape: type[L], loan: Loan, *, now: datetime, **extra: Any) -> L:
    title = await Title.get(id=loan.title_id)
    copy = await Copy.get(id=loan.copy_id)
    borrower_id: int = loan.borrower_id
    return shape(
        id=loan.id,
        title=Ref(id=title.id, title=title.title),
        barcode=copy.barcode,
        borrower=Person(id=borrower_id, name=await _name_of(borrower_id)),
        borrowed_at=loan.borrowed_at,
        due_at=loan.due_at,
        renewals=loan.renewals,
        returned_at=loan.returned_at,
        status="overdue" if is_overdue(loan, now=now) else loan.status,
        **extra,
    )


async def position_of(hold: Hold) -> int | None:
    """1-based place among the waiting holds of the title, while waiting."""
    if hold.status != "waiting":
        return None
    ahead = await Hold.filter(
        title_id=hold.title_id,
        status="waiting",
        id__lt=hold.id,
    ).count()
    return ahead + 1


async def hold_out(hold: Hold) -> HoldView:
    """The `Hold` of API.md §9; `barcode` (added) names the copy set aside while ready."""
    title = await Title.get(id=hold.title_id)
    barcode = None
    if hold.status == "ready" and hold.copy_id is not None:
        barcode = (await Copy.get(id=hold.copy_id)).barcode
    return HoldView(
        id=hold.id,
        title=Ref(id=title.id, title=title.title),
        status=hold.status,
        position=await position_of(hold),
        ready_until=hold.ready_until if hold.status == "ready" else None,
        barcode=barcode,
        created_at=hold.created_at,
    )


def copy_out(copy: Copy) -> CopyView:
    return CopyView(
        id=copy.id,
        barcode=copy.barcode,
        title_id=copy.title_id,
        status=copy.status,
    )


async def titles_out(titles: list[Title]) -> list[TitleView]:
    """`Title`s of API.md §9: copies (lost ones excluded), on the shelf, waiting holds.

    Three grouped counts for the whole page rather than three queries per title.
    """
    ids = [title.id for title in titles]
    copies = await _counts(Copy.filter(title_id__in=ids).exclude(status="lost"))
    available = await _counts(Copy.filter(title_id__in=ids, status="available"))
    holds = await _counts(Hold.filter(title_id__in=ids, status="waiting"))
    return [
        TitleView(
            id=title.id,
            isbn=title.isbn,
            title=title.title,
            author=title.author,
            publisher=title.publisher,
            year=title.year,
            copies=copies.get(title.id, 0),
            available=available.get(title.id, 0),
            holds=holds.get(title.id, 0),
        )
        for title in titles
    ]


async def _counts(query: Any) -> dict[int, int]:
    rows = await query.group_by("title_id").annotate(n=Count("id")).values("title_id", "n")
    return {int(row["title_id"]): int(row["n"]) for row in rows}


async def title_out(title: Title) -> TitleView:
    return (await titles_out([title]))[0]
