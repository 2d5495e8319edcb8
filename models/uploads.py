"""Uploads (API.md §5 POST /uploads): photos and PDF quotes, each its uploader's until
what it was uploaded for takes it (a repair ticket, a purchase request) or its domain
moves it to its own table (assessment photos)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:  # a runtime import would register these models in this app too
    from models.duty import Appointment
    from models.identity import User
    from models.procurement import PurchaseRequest
    from models.repairs import Ticket


class Upload(Model):
    """An uploaded photo (re-encoded without metadata) or PDF, under a random file name.

    It belongs to its uploader until a ticket, a purchase request or a duty appointment
    takes it, then to whoever may see that.
    """

    id = fields.IntField(primary_key=True)
    owner: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="uploads", on_delete=fields.CASCADE
    )
    owner_id: int
    ticket: fields.ForeignKeyNullableRelation[Ticket] = fields.ForeignKeyField(
        "repairs.Ticket", related_name="photos", null=True, on_delete=fields.SET_NULL
    )
    ticket_id: int | None
    # A PDF or image quote attached to a purchase request (API.md §12) instead of a ticket.
    purchase_request: fields.ForeignKeyNullableRelation[PurchaseRequest] = fields.ForeignKeyField(
        "procurement.PurchaseRequest",
        related_name="attachments",
        null=True,
        on_delete=fields.SET_NULL,
    )
    purchase_request_id: int | None
    # A document handed in at the duty station (API.md §14), seen by its owner and the clerks.
    duty_appointment: fields.ForeignKeyNullableRelation[Appointment] = fields.ForeignKeyField(
        "duty.Appointment", related_name="documents", null=True, on_delete=fields.SET_NULL
    )
    duty_appointment_id: int | None
    file_name = fields.CharField(max_length=64, unique=True)
    content_type = fields.CharField(max_length=32)
    size = fields.IntField()
    width = fields.IntField()
    height = fields.IntField()
    created_at = fields.DatetimeField()

    class Meta:
        table = "uploads"
