"""The booking engine's tables: the truth behind the Redis gate (DESIGN.md).

Occupancy rows carry the constraints that make a double booking impossible even if
Redis were bypassed: `exclusive_key` (the slot id) is set only while a reservation
occupies a capacity-1 slot, `user_slot_key` (slot:user) only while a reservation is
live on a resource with one_per_user_per_slot. Both are nullable and unique, and
NULLs are distinct on SQLite and PostgreSQL, so ended reservations do not collide.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Resource(Model):
    """A bookable thing of a domain with its policy (capacity, runs, limits, waitlist)."""

    id = fields.IntField(primary_key=True)
    domain = fields.CharField(max_length=32)
    ref_id = fields.IntField()
    name = fields.CharField(max_length=128)
    capacity = fields.IntField(default=1)
    consecutive = fields.BooleanField(default=False)
    per_user_limit = fields.IntField(null=True)
    one_per_user_per_slot = fields.BooleanField(default=True)
    waitlist = fields.BooleanField(default=False)
    hold_ttl_s = fields.IntField(null=True)
    full_code = fields.CharField(max_length=16, default="slot_full")
    # A closed resource takes no new reservations (a withdrawn menu, a closed room) and
    # keeps the ones it has: the Redis gate refuses in the same step that would book.
    closed = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "booking_resource"
        indexes = (("domain", "ref_id"),)


class Slot(Model):
    """A time slot of a resource with its number of places."""

    id = fields.IntField(primary_key=True)
    resource: fields.ForeignKeyRelation[Resource] = fields.ForeignKeyField(
        "booking.Resource", related_name="slots", on_delete=fields.CASCADE
    )
    resource_id: int
    start = fields.DatetimeField()
    end = fields.DatetimeField()
    capacity = fields.IntField()

    class Meta:
        table = "booking_slot"
        unique_together = (("resource", "start"),)


class Reservation(Model):
    """One booking of a user: one slot or a run of consecutive slots."""

    id = fields.IntField(primary_key=True)
    resource: fields.ForeignKeyRelation[Resource] = fields.ForeignKeyField(
        "booking.Resource", related_name="reservations", on_delete=fields.CASCADE
    )
    resource_id: int
    user_id = fields.IntField(db_index=True)
    slot_ids: list[int] = fields.JSONField(default=list)
    quantity = fields.IntField(default=1)
    status = fields.CharField(max_length=16, db_index=True)
    idempotency_key = fields.CharField(max_length=128, null=True)
    counters: dict[str, int] = fields.JSONField(default=dict)
    # Waitlist sequence number given by the Redis gate (FIFO order), null if never waited.
    wait_seq = fields.BigIntField(null=True)
    expires_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "booking_reservation"
        unique_together = (("resource", "user_id", "idempotency_key"), ("resource", "wait_seq"))


class Occupancy(Model):
    """One slot of a reservation, with the keys that the database keeps unique."""

    id = fields.IntField(primary_key=True)
    reservation: fields.ForeignKeyRelation[Reservation] = fields.ForeignKeyField(
        "booking.Reservation", related_name="occupancies", on_delete=fields.CASCADE
    )
    reservation_id: int
    slot: fields.ForeignKeyRelation[Slot] = fields.ForeignKeyField(
        "booking.Slot", related_name="occupancies", on_delete=fields.CASCADE
    )
    slot_id: int
    user_id = fields.IntField()
    quantity = fields.IntField()
    occupied = fields.BooleanField(default=False)
    exclusive_key = fields.CharField(max_length=24, null=True, unique=True)
    user_slot_key = fields.CharField(max_length=48, null=True, unique=True)

    class Meta:
        table = "booking_occupancy"
        indexes = (("slot_id", "occupied"),)


class Counter(Model):
    """An extra stock (a dish) that reservations of a resource take from atomically."""

    id = fields.IntField(primary_key=True)
    resource: fields.ForeignKeyRelation[Resource] = fields.ForeignKeyField(
        "booking.Resource", related_name="counters", on_delete=fields.CASCADE
    )
    resource_id: int
    name = fields.CharField(max_length=64)
    limit = fields.IntField()

    class Meta:
        table = "booking_counter"
        unique_together = (("resource", "name"),)


class WaitlistEntry(Model):
    """The database mirror of a Redis waitlist queue entry (one per slot of the run)."""

    id = fields.IntField(primary_key=True)
    reservation: fields.ForeignKeyRelation[Reservation] = fields.ForeignKeyField(
        "booking.Reservation", related_name="waitlist_entries", on_delete=fields.CASCADE
    )
    reservation_id: int
    slot: fields.ForeignKeyRelation[Slot] = fields.ForeignKeyField(
        "booking.Slot", related_name="waitlist_entries", on_delete=fields.CASCADE
    )
    slot_id: int
    seq = fields.BigIntField()
    created_at = fields.DatetimeField()

    class Meta:
        table = "booking_waitlist"
        unique_together = (("slot", "seq"),)
