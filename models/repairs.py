"""Repair tickets (API.md §5): tickets, their timeline, ratings and escalations (their
photos are uploads, models/uploads.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:  # a runtime import would register User in this app too
    from models.identity import User

CATEGORIES = ("electrical", "plumbing", "hvac", "it", "furniture", "other")
STATUSES = ("open", "assigned", "in_progress", "resolved", "closed", "cancelled")


class CategoryDeadline(Model):
    """How long a ticket of one category may stay unresolved before it is escalated.

    A row overrides the built-in default of services.repairs for its category.
    """

    id = fields.IntField(primary_key=True)
    category = fields.CharField(max_length=16, unique=True)
    resolve_within_minutes = fields.IntField()
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "repair_category_deadlines"


class Ticket(Model):
    """A report of broken equipment and where it is in the crew workflow."""

    id = fields.IntField(primary_key=True)
    category = fields.CharField(max_length=16)
    location = fields.CharField(max_length=128)
    description = fields.TextField()
    status = fields.CharField(max_length=16, default="open", db_index=True)
    requester: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="repair_tickets", on_delete=fields.RESTRICT
    )
    requester_id: int
    assignee: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="repair_assignments", null=True, on_delete=fields.RESTRICT
    )
    assignee_id: int | None
    created_at = fields.DatetimeField(db_index=True)
    updated_at = fields.DatetimeField()
    assigned_at = fields.DatetimeField(null=True)
    resolved_at = fields.DatetimeField(null=True, db_index=True)
    closed_at = fields.DatetimeField(null=True)
    # When the category deadline ends (fixed at creation, so a later change of the
    # category table does not move deadlines of tickets already reported).
    due_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "repair_tickets"


class TicketEvent(Model):
    """One entry of a ticket timeline: who did what and when. A null actor is the system."""

    id = fields.IntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "repairs.Ticket", related_name="events", on_delete=fields.CASCADE
    )
    ticket_id: int
    at = fields.DatetimeField()
    actor: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="repair_events", null=True, on_delete=fields.RESTRICT
    )
    actor_id: int | None
    action = fields.CharField(max_length=32)
    note = fields.TextField(default="")
    # Photos taken with this step (the crew's completion photos), also the ticket's photos.
    photo_ids: list[int] = fields.JSONField(default=list)

    class Meta:
        table = "repair_ticket_events"


class Rating(Model):
    """The requester rating of a ticket. One per ticket, enforced by the unique key."""

    id = fields.IntField(primary_key=True)
    ticket: fields.OneToOneRelation[Ticket] = fields.OneToOneField(
        "repairs.Ticket", related_name="rating", on_delete=fields.CASCADE
    )
    ticket_id: int
    score = fields.SmallIntField()
    comment = fields.TextField(default="")
    created_at = fields.DatetimeField()

    class Meta:
        table = "repair_ratings"


class Escalation(Model):
    """A ticket escalated to the facility leads for one reason. Unique per ticket and reason."""

    id = fields.IntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "repairs.Ticket", related_name="escalations", on_delete=fields.CASCADE
    )
    ticket_id: int
    reason = fields.CharField(max_length=16)
    at = fields.DatetimeField()

    class Meta:
        table = "repair_escalations"
        unique_together = (("ticket", "reason"),)
