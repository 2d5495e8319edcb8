"""The wire shapes of purchase requests (API.md §12): what the services return and the
handlers document as they are (server/wire.py)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from server.wire import UploadLink, WireTime


class Person(BaseModel):
    id: int | None
    name: str


class Item(BaseModel):
    name: str
    spec: str
    qty: int
    unit: str
    unit_price_fen: int


class Step(BaseModel):
    role: str = Field(
        description="审批环节：dept_head、procurement、leader（由 admin 审批）；"
        "重新提交为 requester（decision=resubmitted）"
    )
    actor: Person | None
    decision: Literal["approved", "rejected", "resubmitted"] | None
    comment: str
    at: WireTime | None


class TrailEntry(BaseModel):
    at: WireTime
    actor: Person | None
    role: str
    action: str = Field(description="submit|approve|reject|withdraw|resubmit|order|receive|remind")
    comment: str


class Attachment(BaseModel):
    id: int
    url: UploadLink  # the upload's id, written as its path
    content_type: str


class Purchase(BaseModel):
    supplier: str
    amount_fen: int | None
    ordered_at: WireTime | None
    received_at: WireTime | None
    received_note: str


class RequestView(BaseModel):
    """`Request` of API.md §12, plus its trail, attachments and labels."""

    id: int
    department: str
    requester: Person
    title: str
    reason: str
    category: str
    category_label: str
    items: list[Item]
    total_fen: int
    attachment_ids: list[int]
    attachments: list[Attachment]
    status: str
    status_label: str
    waiting_for: str | None
    steps: list[Step]
    trail: list[TrailEntry]
    purchase: Purchase | None
    created_at: WireTime
    updated_at: WireTime


class RequestPage(BaseModel):
    items: list[RequestView]
    next_cursor: str | None


class SpendRow(BaseModel):
    total_fen: int
    count: int


class DepartmentSpend(SpendRow):
    department: str


class CategorySpend(SpendRow):
    category: str
    label: str


class CellSpend(CategorySpend):
    department: str


class SpendReport(BaseModel):
    """One month's spend (what procurement ordered), by department and by category."""

    month: str
    total_fen: int
    count: int
    by_department: list[DepartmentSpend]
    by_category: list[CategorySpend]
    rows: list[CellSpend]
