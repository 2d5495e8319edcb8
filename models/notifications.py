"""The in-app inbox and the WeChat subscribe-message credits of each user."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:  # importing it at run time would register User in this app too
    from models.identity import User

# Delivery states of a notice towards WeChat. `pending` and `sending` are live
# (the consumer still owes an attempt), every other state is final.
LIVE_STATES = ("pending", "sending")
FINAL_STATES = ("sent", "inbox_only", "refused", "failed", "dead", "expired")


class Notice(Model):
    """One thing a user was told: the inbox row, and the record of its WeChat delivery.

    The inbox row is the truth, the Redis stream only a queue of notice ids.
    """

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="notices", on_delete=fields.CASCADE
    )
    user_id: int
    kind = fields.CharField(max_length=40)
    title = fields.CharField(max_length=128)
    body = fields.TextField()
    link = fields.CharField(max_length=255, null=True)
    template_id = fields.CharField(max_length=64, default="")
    data: dict[str, Any] = fields.JSONField(default=dict)
    created_at = fields.DatetimeField()
    read_at = fields.DatetimeField(null=True)
    # Delivery towards WeChat (see services/notifications.py for the state machine).
    wechat_status = fields.CharField(max_length=16, default="pending", db_index=True)
    enqueued_at = fields.DatetimeField(null=True)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True)
    sent_at = fields.DatetimeField(null=True)
    last_error = fields.CharField(max_length=200, default="")

    class Meta:
        table = "notices"
        indexes = (("user_id", "created_at"),)


class SubscriptionCredit(Model):
    """How many subscribe messages of one template a user has accepted and not yet used.

    One accepted wx.requestSubscribeMessage allows exactly one message.
    """

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="subscription_credits", on_delete=fields.CASCADE
    )
    user_id: int
    template_id = fields.CharField(max_length=64)
    credits = fields.IntField(default=0)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "subscription_credits"
        unique_together = (("user", "template_id"),)
