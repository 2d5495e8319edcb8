"""Gym alliance: partner gyms, their classes, members' bookings and walk-ins, the monthly
quota counters, single-use check-in vouchers and the front desks' keys.

Class places and waitlists are counted by the booking engine (one engine resource per
gym and class name); a session's primary key IS the engine slot id. The monthly quota
is counted by GymQuota rows taken with a conditional UPDATE inside the action's transaction.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

BOOKING_KINDS = ("class", "walk_in")
BOOKING_STATUSES = (
    "confirmed",
    "waitlisted",
    "cancelled",
    "late_cancelled",
    "checked_in",
    "no_show",
    "expired",
)


class Gym(Model):
    """A partner gym with its offer to staff and its daily opening hours."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=64, unique=True)
    address = fields.CharField(max_length=128)
    offer = fields.CharField(max_length=256)
    # Local wall-clock opening hours, HH:MM, the same every day.
    opens = fields.CharField(max_length=5)
    closes = fields.CharField(max_length=5)
    walk_in = fields.BooleanField(default=True)
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "gym_gyms"


class GymSession(Model):
    """One class at a gym at one time. Its id is the booking engine slot id."""

    id = fields.IntField(primary_key=True, generated=False)
    gym: fields.ForeignKeyRelation[Gym] = fields.ForeignKeyField(
        "gym.Gym", related_name="sessions", on_delete=fields.CASCADE
    )
    gym_id: int
    name = fields.CharField(max_length=64)
    coach = fields.CharField(max_length=32)
    start = fields.DatetimeField(db_index=True)
    end = fields.DatetimeField(db_index=True)
    capacity = fields.IntField()
    # The engine resource of this class series (one per gym and class name) that counts
    # its places and waitlists. Two different classes may start at the same time.
    resource_id = fields.IntField()

    class Meta:
        table = "gym_sessions"


class GymBooking(Model):
    """A class booking (backed by one engine reservation) or a walk-in visit of a member."""

    id = fields.IntField(primary_key=True)
    gym: fields.ForeignKeyRelation[Gym] = fields.ForeignKeyField(
        "gym.Gym", related_name="bookings", on_delete=fields.CASCADE
    )
    gym_id: int
    session: fields.ForeignKeyNullableRelation[GymSession] = fields.ForeignKeyField(
        "gym.GymSession", related_name="bookings", on_delete=fields.CASCADE, null=True
    )
    session_id: int | None
    # identity.User id. Not a foreign key: Tortoise resolves relations app by app in
    # name order, and "gym" sorts before "identity" (see the report in the README).
    user_id = fields.IntField()
    kind = fields.CharField(max_length=8)
    status = fields.CharField(max_length=16, db_index=True)
    # The quota month (YYYY-MM, service time zone) this visit counts against.
    month = fields.CharField(max_length=7, db_index=True)
    reservation_id = fields.IntField(unique=True, null=True)
    # user:gym:date of a live walk-in, so a member holds one walk-in per gym per day.
    walk_in_key = fields.CharField(max_length=64, unique=True, null=True)
    valid_until = fields.DatetimeField(null=True)
    checked_in_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "gym_bookings"
        indexes = (("user_id", "month"), ("gym_id", "month", "status"))


class GymQuota(Model):
    """Visits a member has used (or holds on a waitlist) in one month."""

    id = fields.IntField(primary_key=True)
    user_id = fields.IntField()
    month = fields.CharField(max_length=7)
    used = fields.IntField(default=0)

    class Meta:
        table = "gym_quotas"
        unique_together = (("user_id", "month"),)


class GymVoucher(Model):
    """A single-use check-in code of a booking, valid for a minute."""

    id = fields.IntField(primary_key=True)
    booking: fields.ForeignKeyRelation[GymBooking] = fields.ForeignKeyField(
        "gym.GymBooking", related_name="vouchers", on_delete=fields.CASCADE
    )
    booking_id: int
    gym_id = fields.IntField()
    # Random, 192 bits, URL-safe. Kept in clear like meal pickup codes: it lives a
    # minute, and its owner may fetch it again as a QR image meanwhile.
    code = fields.CharField(max_length=64, unique=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "gym_vouchers"


class GymDeskKey(Model):
    """A front desk key of one gym. Only its HMAC is kept, and revoked keys open nothing."""

    id = fields.IntField(primary_key=True)
    gym: fields.ForeignKeyRelation[Gym] = fields.ForeignKeyField(
        "gym.Gym", related_name="desk_keys", on_delete=fields.CASCADE
    )
    gym_id: int
    key_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    revoked_at = fields.DatetimeField(null=True)
    last_used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "gym_desk_keys"
