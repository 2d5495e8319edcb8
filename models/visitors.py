"""Visitor passes and the gate's entry log (API.md §6).

A pass is found at the gate by the SHA-256 of its token, never by anything derived
from its id. The token itself is kept only sealed (server.sealing, a key derived from
SECRET_KEY) so the host can show the QR again, while a database dump alone yields no
usable pass. Entry rows carry no personal data of their own: the visitor's name,
phone and plate live only on the pass, so anonymising the pass anonymises the log
and keeps the entry counts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:  # imported for typing only: Tortoise would list it in this app
    from models.identity import User

PASS_STATUSES = ("active", "revoked", "expired", "used_up")


class Pass(Model):
    """A visitor pass issued by a host: a validity window and a number of entries."""

    id = fields.IntField(primary_key=True)
    host: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="visitor_passes", on_delete=fields.CASCADE
    )
    host_id: int
    visitor_name = fields.CharField(max_length=64)
    visitor_phone = fields.CharField(max_length=16, default="")
    plate = fields.CharField(max_length=16, null=True)
    purpose = fields.CharField(max_length=200, default="")
    valid_from = fields.DatetimeField()
    valid_to = fields.DatetimeField(db_index=True)
    max_entries = fields.IntField(default=1)
    entries_used = fields.IntField(default=0)
    status = fields.CharField(max_length=16, default="active", db_index=True)
    # sha256 hex of the token: the only way the gate finds a pass.
    token_hash = fields.CharField(max_length=64, unique=True)
    # The token sealed with server.sealing (Fernet), erased on anonymisation.
    token_sealed = fields.CharField(max_length=200, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    revoked_at = fields.DatetimeField(null=True)
    anonymised_at = fields.DatetimeField(null=True, db_index=True)

    class Meta:
        table = "visitor_passes"
        indexes = (("host_id", "id"),)


class GateEntry(Model):
    """One admitted entry: which pass, at which gate, when, by which guard, scanned or by hand."""

    id = fields.IntField(primary_key=True)
    visitor_pass: fields.ForeignKeyRelation[Pass] = fields.ForeignKeyField(
        "visitors.Pass", related_name="entries", on_delete=fields.CASCADE
    )
    visitor_pass_id: int
    gate = fields.CharField(max_length=32)
    at = fields.DatetimeField(db_index=True)
    guard: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="gate_entries", on_delete=fields.RESTRICT
    )
    guard_id: int
    # Admitted by hand (the visitor had no QR, found by name or phone): the guard's reason.
    manual = fields.BooleanField(default=False)
    reason = fields.CharField(max_length=200, default="")

    class Meta:
        table = "gate_entries"
