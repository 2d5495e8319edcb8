"""The first answer to each Idempotency-Key, kept in the database (API.md §1).

Redis only caches these rows: a replay after FLUSHALL, a Redis restart or on another
host still finds the first response here.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class IdempotencyRecord(Model):
    """One key of one user on one route, written by the transaction that created its object.

    status and body stay null between that commit and the stored answer. ref names
    what was created (a row id of the route) so a lost answer can be told again
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
    ref = fields.CharField(max_length=64, null=True)

    class Meta:
        table = "idempotency_records"
        unique_together = (("user_id", "route", "key_digest"),)
