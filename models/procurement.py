"""Purchase requests and their approval (API.md §12): requests, the audit trail, reminders.

Quotes attached to a request are uploads (models.repairs.Upload.purchase_request).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:  # a runtime import would register User in this app too
    from models.identity import User

CATEGORIES = ("office", "furniture", "equipment", "other")
STATUSES = (
    "pending_dept",
    "pending_procurement",
    "pending_leader",
    "approved",
    "rejected",
    "withdrawn",
    "ordered",
    "received",
)


class PurchaseRequest(Model):
    """A department request for goods and where it is in approval, ordering and receipt.

    The department is copied from the requester at submission, so a later move of the
    requester does not move the request to another department head.
    """

    id = fields.IntField(primary_key=True)
    department = fields.CharField(max_length=128, db_index=True)
    requester: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="purchase_requests", on_delete=fields.RESTRICT
    )
    requester_id: int
    title = fields.CharField(max_length=128)
    reason = fields.TextField()
    category = fields.CharField(max_length=16)
    items: list[dict[str, object]] = fields.JSONField(default=list)
    total_fen = fields.BigIntField()
    status = fields.CharField(max_length=24, default="pending_dept", db_index=True)
    # When the step the request is waiting for began (reminders count from here).
    waiting_since = fields.DatetimeField(null=True, db_index=True)
    created_at = fields.DatetimeField(db_index=True)
    updated_at = fields.DatetimeField()
    supplier = fields.CharField(max_length=128, default="")
    amount_fen = fields.BigIntField(null=True)
    ordered_at = fields.DatetimeField(null=True, db_index=True)
    received_at = fields.DatetimeField(null=True)
    received_note = fields.TextField(default="")
    # Each resubmission after a rejection starts a new round of approval: the decisions
    # of earlier rounds stay on the trail, and each stage is decided once per round.
    round = fields.IntField(default=1)

    class Meta:
        table = "procurement_requests"


class RequestStep(Model):
    """One entry of the append-only audit trail of a request. Rows are never updated.

    A decision row carries the stage it decides in decided_stage (from the second round
    of approval on with the round, as in dept_head#2), unique per request, so one
    approval stage can be decided once per round even if the state check were bypassed.
    """

    id = fields.IntField(primary_key=True)
    request: fields.ForeignKeyRelation[PurchaseRequest] = fields.ForeignKeyField(
        "procurement.PurchaseRequest", related_name="steps", on_delete=fields.RESTRICT
    )
    request_id: int
    role = fields.CharField(max_length=16)
    action = fields.CharField(max_length=16)
    actor: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="purchase_steps", null=True, on_delete=fields.RESTRICT
    )
    actor_id: int | None
    comment = fields.TextField(default="")
    decided_stage = fields.CharField(max_length=16, null=True)
    round = fields.IntField(default=1)
    at = fields.DatetimeField()

    class Meta:
        table = "procurement_steps"
        unique_together = (("request", "decided_stage"),)


class StepReminder(Model):
    """A reminder sent for a waiting stage on one service day. Unique, so once a day."""

    id = fields.IntField(primary_key=True)
    request: fields.ForeignKeyRelation[PurchaseRequest] = fields.ForeignKeyField(
        "procurement.PurchaseRequest", related_name="reminders", on_delete=fields.CASCADE
    )
    request_id: int
    stage = fields.CharField(max_length=16)
    day = fields.DateField()
    at = fields.DatetimeField()

    class Meta:
        table = "procurement_reminders"
        unique_together = (("request", "stage", "day"),)
