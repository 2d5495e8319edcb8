"""Library loans: titles, their copies, loans of a copy and the holds queue of a title.

Two nullable unique columns are the database's own guard of the invariants of API.md
§9, whatever the service does: `Loan.live_copy_id` holds the copy id only while the
loan is live and `Hold.ready_copy_id` only while the hold is ready, so a copy can be
on at most one live loan and one ready hold (NULLs never collide). `Hold.live_key`
does the same for one live hold per user and title.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:  # imported for typing only: Tortoise would list it in this app
    from models.identity import User

COPY_STATUSES = ("available", "on_loan", "on_hold_shelf", "lost")
LOAN_STATUSES = ("on_loan", "returned", "lost")  # overdue is on_loan past due_at
HOLD_STATUSES = ("waiting", "ready", "fulfilled", "expired", "cancelled")
LIVE_HOLDS = ("waiting", "ready")


class Title(Model):
    """A catalogue entry, one per ISBN-13."""

    id = fields.IntField(primary_key=True)
    isbn = fields.CharField(max_length=13, unique=True)
    title = fields.CharField(max_length=200, db_index=True)
    author = fields.CharField(max_length=200, default="")
    publisher = fields.CharField(max_length=200, default="")
    year = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "library_titles"


class Copy(Model):
    """One physical book with its barcode label."""

    id = fields.IntField(primary_key=True)
    barcode = fields.CharField(max_length=32, unique=True)
    title: fields.ForeignKeyRelation[Title] = fields.ForeignKeyField(
        "library.Title", related_name="copies", on_delete=fields.RESTRICT
    )
    title_id: int
    status = fields.CharField(max_length=16, default="available", db_index=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "library_copies"


class Loan(Model):
    """A copy lent to a borrower, at the desk or by self-checkout in the reading room."""

    id = fields.IntField(primary_key=True)
    copy: fields.ForeignKeyRelation[Copy] = fields.ForeignKeyField(
        "library.Copy", related_name="loans", on_delete=fields.RESTRICT
    )
    copy_id: int
    title: fields.ForeignKeyRelation[Title] = fields.ForeignKeyField(
        "library.Title", related_name="loans", on_delete=fields.RESTRICT
    )
    title_id: int
    borrower: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="library_loans", on_delete=fields.RESTRICT
    )
    borrower_id: int
    channel = fields.CharField(max_length=8, default="desk")  # desk or self
    borrowed_at = fields.DatetimeField()
    due_at = fields.DatetimeField(db_index=True)
    renewals = fields.IntField(default=0)
    returned_at = fields.DatetimeField(null=True)
    status = fields.CharField(max_length=16, default="on_loan", db_index=True)
    # The copy id while the loan is live, else NULL: one live loan per copy.
    live_copy_id = fields.IntField(null=True, unique=True)
    # Set when the due-soon reminder for the current due_at went out (reset on renewal).
    reminded = fields.BooleanField(default=False)
    # The last overdue notice sent: 0 none, 1 day 1, 2 day 7, 3 day 14.
    overdue_stage = fields.IntField(default=0)

    class Meta:
        table = "library_loans"
        indexes = (("borrower_id", "id"),)


class Hold(Model):
    """A place in the first come, first served queue of a title."""

    id = fields.IntField(primary_key=True)
    title: fields.ForeignKeyRelation[Title] = fields.ForeignKeyField(
        "library.Title", related_name="holds", on_delete=fields.RESTRICT
    )
    title_id: int
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="library_holds", on_delete=fields.RESTRICT
    )
    user_id: int
    status = fields.CharField(max_length=16, default="waiting", db_index=True)
    copy: fields.ForeignKeyNullableRelation[Copy] = fields.ForeignKeyField(
        "library.Copy", related_name="holds", null=True, on_delete=fields.RESTRICT
    )
    copy_id: int | None
    # The copy id while the hold is ready, else NULL: one ready hold per copy.
    ready_copy_id = fields.IntField(null=True, unique=True)
    # user:title while the hold is live, else NULL: one live hold per user and title.
    live_key = fields.CharField(max_length=24, null=True, unique=True)
    created_at = fields.DatetimeField()
    ready_at = fields.DatetimeField(null=True)
    ready_until = fields.DatetimeField(null=True, db_index=True)
    ended_at = fields.DatetimeField(null=True)

    class Meta:
        table = "library_holds"
        indexes = (("title_id", "status", "id"), ("user_id", "id"))
