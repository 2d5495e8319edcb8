"""Meeting rooms and their bookings (API.md §4).

A room is one booking-engine resource with capacity-1 slots on its own grid; a booking
is one engine reservation (a run of those slots) plus what the meeting needs on top:
title, attendees, approval, check-in. The engine owns the overlap rule (and its
database constraint), so nothing here repeats it. Engine rows are referred to by
plain integers, never cross-app foreign keys.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:  # a runtime import would register User in this app too
    from models.identity import User

BOOKING_STATUSES = (
    "pending_approval",
    "confirmed",
    "cancelled",
    "released",
    "rejected",
    "completed",
)
# Statuses that hold the room's time (the busy intervals of the search).
HOLDING = ("pending_approval", "confirmed")


class Room(Model):
    """A bookable meeting room with its size, equipment, opening hours and slot grid."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=64)
    building = fields.CharField(max_length=64)
    floor = fields.IntField()
    capacity = fields.IntField()
    equipment: list[str] = fields.JSONField(default=list)
    open_from = fields.CharField(max_length=5, default="08:00")
    open_to = fields.CharField(max_length=5, default="21:00")
    slot_minutes = fields.IntField(default=30)
    needs_approval = fields.BooleanField(default=False)
    # Closed by an admin: no new bookings (its engine resource is closed too); the
    # bookings it holds stay.
    closed = fields.BooleanField(default=False)
    # The booking engine resource of this room (booking/), set right after creation.
    resource_id = fields.IntField(null=True, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "meeting_rooms"
        unique_together = (("building", "name"),)


class BookingSeries(Model):
    """A weekly series: the same time every week, each week a booking of its own."""

    id = fields.IntField(primary_key=True)
    room: fields.ForeignKeyRelation[Room] = fields.ForeignKeyField(
        "meetings.Room", related_name="series", on_delete=fields.CASCADE
    )
    room_id: int
    organizer: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="meeting_series", on_delete=fields.CASCADE
    )
    organizer_id: int
    weeks = fields.IntField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "meeting_series"


class Booking(Model):
    """One meeting in one room: an engine reservation plus title, attendees and check-in."""

    id = fields.IntField(primary_key=True)
    reservation_id = fields.IntField(unique=True)
    room: fields.ForeignKeyRelation[Room] = fields.ForeignKeyField(
        "meetings.Room", related_name="bookings", on_delete=fields.CASCADE
    )
    room_id: int
    organizer: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="meeting_bookings", on_delete=fields.CASCADE
    )
    organizer_id: int
    start = fields.DatetimeField()
    end = fields.DatetimeField()
    title = fields.CharField(max_length=100)
    attendees = fields.IntField()
    status = fields.CharField(max_length=20, default="confirmed")
    checked_in_at = fields.DatetimeField(null=True)
    series_id = fields.IntField(null=True)
    reminded_at = fields.DatetimeField(null=True)
    decided_by_id = fields.IntField(null=True)
    decided_at = fields.DatetimeField(null=True)
    reason = fields.CharField(max_length=200, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "meeting_bookings"
        indexes = (("room_id", "start"), ("status", "start"), ("organizer_id", "start"))
