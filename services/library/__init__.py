"""Library loans (图书借阅, API.md §9): catalogue, lending, returns, renewals, holds.

Loans are not time slots and do not go through the booking engine. The holds queue
lives in the database: see services/library/common.py for the locking design that
keeps a copy on at most one live loan and one ready hold and serves every title's
queue strictly first come, first served.

- catalogue: ISBNs (python-stdnum), titles and copies, search, the CSV import
- circulation: borrow (desk and self-checkout), return, renew, lost, overdue list
- holds + queue: placing and cancelling holds, passing copies down the queue, expiry
- reminders: due-soon and overdue notices, each sent once
"""

from services.library.catalogue import (
    TitleIn,
    add_copies,
    create_title,
    get_title,
    import_books,
    normalise_isbn,
    search_titles,
    title_changed,
)
from services.library.circulation import (
    borrow,
    lend_at_desk,
    lent,
    list_loans,
    mark_lost,
    overdue_loans,
    renew,
    return_copy,
)
from services.library.holds import cancel_hold, expire_holds, held, list_holds, place_hold
from services.library.reminders import remind_due, send_overdue
from services.library.shapes import (
    CopyView,
    HoldPage,
    HoldView,
    LoanPage,
    LoanView,
    OverduePage,
    Returned,
    TitlePage,
    TitleView,
)

__all__ = [
    "CopyView",
    "HoldPage",
    "HoldView",
    "LoanPage",
    "LoanView",
    "OverduePage",
    "Returned",
    "TitleIn",
    "TitlePage",
    "TitleView",
    "add_copies",
    "borrow",
    "cancel_hold",
    "create_title",
    "expire_holds",
    "get_title",
    "held",
    "import_books",
    "lend_at_desk",
    "lent",
    "list_holds",
    "list_loans",
    "mark_lost",
    "normalise_isbn",
    "overdue_loans",
    "place_hold",
    "remind_due",
    "renew",
    "return_copy",
    "search_titles",
    "send_overdue",
    "title_changed",
]
