"""Repair tickets (API.md §5): tickets, their timeline, photos, ratings and escalations."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:  # a runtime import would register User in this app too
    from models.identity import User
    from models.procurement import PurchaseRequest

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
    assignee: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="repair_assignments", null=True, on_delete=fields.RESTRICT
    )
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
    at = fields.DatetimeField()
    actor: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="repair_events", null=True, on_delete=fields.RESTRICT
    )
    action = fields.CharField(max_length=32)
    note = fields.TextField(default="")
    # Photos taken with this step (the crew's completion photos), also the ticket's photos.
    photo_ids: list[int] = fields.JSONField(default=list)

    class Meta:
        table = "repair_ticket_events"


class Upload(Model):
    """An uploaded photo (re-encoded without metadata) or PDF, under a random file name.

    It belongs to its uploader until a ticket or a purchase request takes it, then to
    whoever may see that ticket or request.
    """

    id = fields.IntField(primary_key=True)
    owner: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="uploads", on_delete=fields.CASCADE
    )
    ticket: fields.ForeignKeyNullableRelation[Ticket] = fields.ForeignKeyField(
        "repairs.Ticket", related_name="photos", null=True, on_delete=fields.SET_NULL
    )
    # A PDF or image quote attached to a purchase request (API.md §12) instead of a ticket.
    purchase_request: fields.ForeignKeyNullableRelation[PurchaseRequest] = fields.ForeignKeyField(
        "procurement.PurchaseRequest",
        related_name="attachments",
        null=True,
        on_delete=fields.SET_NULL,
    )
    file_name = fields.CharField(max_length=64, unique=True)
    content_type = fields.CharField(max_length=32)
    size = fields.IntField()
    width = fields.IntField()
    height = fields.IntField()
    created_at = fields.DatetimeField()

    class Meta:
        table = "repair_uploads"


class Rating(Model):
    """The requester rating of a ticket. One per ticket, enforced by the unique key."""

    id = fields.IntField(primary_key=True)
    ticket: fields.OneToOneRelation[Ticket] = fields.OneToOneField(
        "repairs.Ticket", related_name="rating", on_delete=fields.CASCADE
    )
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
    reason = fields.CharField(max_length=16)
    at = fields.DatetimeField()

    class Meta:
        table = "repair_escalations"
        unique_together = (("ticket", "reason"),)
