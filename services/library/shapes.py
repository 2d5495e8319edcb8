"""The wire shapes of the library (API.md §9): what the services return and the
handlers document as they are (server/wire.py)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from server.wire import WireTime


class TitleView(BaseModel):
    """`Title` of API.md §9: copies (lost ones excluded), on the shelf, waiting holds."""

    id: int
    isbn: str
    title: str
    author: str
    publisher: str
    year: int | None
    copies: int
    available: int
    holds: int


class TitlePage(BaseModel):
    items: list[TitleView]
    next_cursor: str | None


class Ref(BaseModel):
    id: int
    title: str


class Person(BaseModel):
    id: int
    name: str | None


class LoanView(BaseModel):
    """`Loan` of API.md §9 (overdue is an on_loan past its due time)."""

    id: int
    title: Ref
    barcode: str
    borrower: Person
    borrowed_at: WireTime
    due_at: WireTime
    renewals: int
    returned_at: WireTime | None
    status: str = Field(description="on_loan | overdue | returned | lost")


class LoanPage(BaseModel):
    items: list[LoanView]
    next_cursor: str | None


class OverdueLoan(LoanView):
    days_overdue: int


class OverduePage(BaseModel):
    items: list[OverdueLoan]
    next_cursor: str | None


class HoldView(BaseModel):
    """`Hold` of API.md §9; `barcode` (added) names the copy set aside while ready."""

    id: int
    title: Ref
    status: str = Field(description="waiting | ready | fulfilled | expired | cancelled")
    position: int | None = Field(description="排队中时的 1 起位次")
    ready_until: WireTime | None
    barcode: str | None = Field(description="ready 时为你保留的那一册的条码（新增字段）")
    created_at: WireTime


class HoldPage(BaseModel):
    items: list[HoldView]
    next_cursor: str | None


class CopyView(BaseModel):
    id: int
    barcode: str
    title_id: int
    status: str = Field(description="available | on_loan | on_hold_shelf | lost")


class Returned(BaseModel):
    """A return: the loan ended, and the hold the copy now waits for (if any)."""

    loan: LoanView
    hold: HoldView | None
