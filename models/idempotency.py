"""The first answer to each Idempotency-Key, kept in the database (API.md §1).

Redis only caches these rows: a replay after FLUSHALL, a Redis restart or on another
host still finds the first response here.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class IdempotencyRecord(Model):
    """One key of one user on one route: a claim while the first request runs, then its answer.

    status and body stay null while the first request is running (the claim)
    """

    id = fields.BigIntField(primary_key=True)
    user_id = fields.IntField()
    route = fields.CharField(max_length=200)
    key_digest = fields.CharField(max_length=64)
    fingerprint = fields.CharField(max_length=64)
    claim_token = fields.CharField(max_length=32)
    claimed_at = fields.DatetimeField()
    status = fields.IntField(null=True)
    body = fields.TextField(null=True)
    content_type = fields.CharField(max_length=100, null=True)
    expires_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "idempotency_records"
        unique_together = (("user_id", "route", "key_digest"),)
