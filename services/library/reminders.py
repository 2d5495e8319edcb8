"""Due-soon reminders and overdue notices, each sent exactly once.

A notice is claimed by a conditional UPDATE (`reminded = false`, `overdue_stage < n`)
in the same transaction as the notice row (`notifications.notify_claimed`): a second
run of the job, a concurrent run on another host or a run after a crash finds the
claim taken and sends nothing, and a crash before the commit leaves neither the claim
nor the notice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from models.library import Loan, Title
from server.clock import local, today, utc
from server.tx import Tx
from services import notifications
from services.library.common import (
    OVERDUE_STAGES,
    REMIND_DAYS_BEFORE,
    days_overdue,
    end_of_day,
)

LOANS_LINK = "/pages/library/loans"


async def remind_due(*, now: datetime) -> int:
    """Tell borrowers REMIND_DAYS_BEFORE days ahead that a loan falls due."""
    horizon = end_of_day(today(now) + timedelta(days=REMIND_DAYS_BEFORE))
    due = await Loan.filter(
        status="on_loan", reminded=False, due_at__lte=horizon, due_at__gt=utc(now)
    ).order_by("id")

    async def claim(tx: Tx, loan: Loan) -> int:
        return (
            await Loan.filter(id=loan.id, status="on_loan", reminded=False)
            .using_db(tx.conn)
            .update(reminded=True)
        )

    async def notice(tx: Tx, loan: Loan) -> None:
        due_on = f"{local(loan.due_at):%m月%d日}"
        await _tell_borrower(
            tx,
            loan=loan,
            kind="library_due_soon",
            title="借阅即将到期",
            body=lambda book: f"《{book}》将于 {due_on} 到期，请按时归还或续借",
            now=now,
        )

    return await notifications.notify_claimed(due, claim=claim, notice=notice)


async def _tell_borrower(
    tx: Tx, *, loan: Loan, kind: str, title: str, body: Callable[[str], str], now: datetime
) -> None:
    """A notice about a loan; `body` is given the book's title."""
    book = await Title.get(id=loan.title_id, using_db=tx.conn)
    await notifications.notify(
        tx=tx,
        user_id=loan.borrower_id,
        kind=kind,
        title=title,
        body=body(book.title),
        link=LOANS_LINK,
        template_data={"due_at": loan.due_at},
        now=now,
    )


def stage_for(days: int) -> int:
    """The highest overdue notice reached after `days` days (0: none yet)."""
    return max((stage for stage, at in OVERDUE_STAGES.items() if days >= at), default=0)


async def send_overdue(*, now: datetime) -> int:
    """Overdue notices on days 1, 7 and 14; a job that was down sends only the latest."""
    overdue = await Loan.filter(
        status="on_loan",
        overdue_stage__lt=max(OVERDUE_STAGES),
        due_at__lte=end_of_day(today(now) - timedelta(days=1)),
    ).order_by("id")
    late = [(loan, days_overdue(loan, now=now)) for loan in overdue]
    # (loan, days overdue, stage reached) of the loans whose stage moved on
    moved = [(loan, d, stage_for(d)) for loan, d in late if stage_for(d) > loan.overdue_stage]

    async def claim(tx: Tx, item: tuple[Loan, int, int]) -> int:
        loan, _, stage = item
        return (
            await Loan.filter(id=loan.id, status="on_loan", overdue_stage__lt=stage)
            .using_db(tx.conn)
            .update(overdue_stage=stage)
        )

    async def notice(tx: Tx, item: tuple[Loan, int, int]) -> None:
        loan, days, _ = item
        await _tell_borrower(
            tx,
            loan=loan,
            kind="library_overdue",
            title="借阅已逾期",
            body=lambda book: f"《{book}》已逾期 {days} 天，请尽快归还；归还前不能借书或预约",
            now=now,
        )

    return await notifications.notify_claimed(moved, claim=claim, notice=notice)
